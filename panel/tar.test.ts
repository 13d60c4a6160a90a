import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarBlob } from './tar';

describe('tarBlob', () => {
  it('writes an archive that tar lists and extracts byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
    const binary = new Uint8Array(1500).map((_, i) => (i * 7) % 256);
    const blob = tarBlob([
      { name: 'orders_part_0.parquet', data: new Blob([binary]), modified: new Date('2026-01-01T00:00:00Z') },
      { name: 'orders.manifest.json', data: new Blob(['{"ok":true}\n']), modified: new Date('2026-01-01T00:00:00Z') },
      { name: 'empty.parquet', data: new Blob([]), modified: new Date('2026-01-01T00:00:00Z') },
    ]);
    expect(blob.size % 512).toBe(0);
    const archive = join(dir, 'snapshot.tar');
    writeFileSync(archive, new Uint8Array(await blob.arrayBuffer()));
    expect(execFileSync('tar', ['tf', archive], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'orders_part_0.parquet',
      'orders.manifest.json',
      'empty.parquet',
    ]);
    execFileSync('tar', ['xf', archive, '-C', dir]);
    expect(new Uint8Array(readFileSync(join(dir, 'orders_part_0.parquet')))).toEqual(binary);
    expect(readFileSync(join(dir, 'orders.manifest.json'), 'utf8')).toBe('{"ok":true}\n');
    expect(readFileSync(join(dir, 'empty.parquet')).length).toBe(0);
  });

  it('refuses names that do not fit a header', () => {
    expect(() => tarBlob([{ name: 'x'.repeat(101), data: new Blob([]), modified: new Date() }])).toThrow(/too long/);
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createZip } from './zip';
import { readZip } from '../tests/support/zip-reader';

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('createZip', () => {
  const entries = [
    { path: 'manifest.json', data: Buffer.from('{"manifest_version":3}\n'.repeat(40)) },
    { path: 'assets/random.bin', data: randomBytes(5000) },
    { path: 'panel/empty.txt', data: Buffer.alloc(0) },
    { path: 'panel/naïve 東京.html', data: Buffer.from('<p>ok</p>') },
  ];

  it('round-trips every file byte for byte, sorted by path, compressing only what shrinks', () => {
    const read = readZip(createZip(entries));
    expect(read.map((e) => e.path)).toEqual(['assets/random.bin', 'manifest.json', 'panel/empty.txt', 'panel/naïve 東京.html']);
    for (const entry of entries) expect(read.find((r) => r.path === entry.path)?.data.equals(entry.data), entry.path).toBe(true);
    expect(read.find((r) => r.path === 'manifest.json')?.method).toBe(8);
    expect(read.find((r) => r.path === 'assets/random.bin')?.method).toBe(0);
  });

  it('is reproducible', () => {
    expect(createZip(entries).equals(createZip([...entries].reverse()))).toBe(true);
  });

  it('refuses paths that would escape the archive', () => {
    for (const path of ['/etc/passwd', '../x', 'a\\b', '']) expect(() => createZip([{ path, data: Buffer.alloc(1) }]), path).toThrow(/Invalid path/);
  });

  it.skipIf(!hasUnzip())('is accepted by Info-ZIP unzip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
    try {
      const file = join(dir, 'test.zip');
      writeFileSync(file, createZip(entries));
      expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

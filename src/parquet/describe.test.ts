import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { describeFooter } from './describe';

describe('describeFooter', () => {
  it('describes schema, row groups and compression from the footer bytes alone', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'describe-test-')), 'x.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT range AS id, 'v' || range AS label, DATE '2024-01-01' + range::INT AS day FROM range(2500))
       TO '${path}' (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 1000)`,
    );
    conn.closeSync();
    db.closeSync();
    const bytes = new Uint8Array(readFileSync(path));
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
    const footerOnly = bytes.slice(bytes.length - 8 - footerLength);

    const d = describeFooter(footerOnly);
    expect(d.rows).toBe(2500);
    expect(d.rowGroups.map((g) => g.rows).reduce((a, b) => a + b, 0)).toBe(2500);
    expect(d.rowGroups.length).toBeGreaterThanOrEqual(2);
    expect(d.columns.map((c) => [c.name, c.codec])).toEqual([
      ['id', 'ZSTD'],
      ['label', 'ZSTD'],
      ['day', 'ZSTD'],
    ]);
    expect(d.columns.find((c) => c.name === 'day')?.type).toBe('DATE');
    expect(d.columns.every((c) => c.compressedBytes > 0)).toBe(true);
    expect(d.createdBy).toMatch(/DuckDB/i);
  });

  it('throws on bytes that are not a footer', () => {
    expect(() => describeFooter(new TextEncoder().encode('not a parquet footer PAR1'))).toThrow();
  });
});

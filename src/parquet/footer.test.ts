import { describe, expect, it } from 'vitest';
import { checkParquet } from './footer';

/** A real, minimal Parquet file: one INT64 column "id", 3 rows, written by native DuckDB. */
async function realParquet(): Promise<Uint8Array> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const path = join(mkdtempSync(join(tmpdir(), 'footer-test-')), 'three.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT range AS id FROM range(3)) TO '${path}' (FORMAT PARQUET)`);
  conn.closeSync();
  db.closeSync();
  return new Uint8Array(readFileSync(path));
}

const blob = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);

describe('checkParquet', () => {
  it('reads the row count from the footer of a healthy file', async () => {
    const bytes = await realParquet();
    expect(await checkParquet(blob(bytes))).toMatchObject({ status: 'ok', rows: 3, rowGroups: 1, bytes: bytes.length });
  });

  it('flags 0 bytes as empty and short or magic-less files as corrupt', async () => {
    expect(await checkParquet(blob(new Uint8Array()))).toEqual({ status: 'empty', bytes: 0 });
    expect(await checkParquet(blob(new TextEncoder().encode('PAR1')))).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/too short/) });
    expect(await checkParquet(blob(new TextEncoder().encode('id,name\n1,hello world\n')))).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/start/) });
  });

  it('flags a truncated file, a bad footer length and a footer that does not parse', async () => {
    const bytes = await realParquet();
    expect(await checkParquet(blob(bytes.subarray(0, bytes.length - 100)))).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/end/) });
    const badLength = bytes.slice();
    new DataView(badLength.buffer).setUint32(badLength.length - 8, badLength.length * 2, true);
    expect(await checkParquet(blob(badLength))).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/footer length/) });
    const garbled = bytes.slice();
    const footerLength = new DataView(garbled.buffer).getUint32(garbled.length - 8, true);
    garbled.fill(0xff, garbled.length - 8 - footerLength, garbled.length - 8);
    expect(await checkParquet(blob(garbled))).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/does not parse/) });
  });
});

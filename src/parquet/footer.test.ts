import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { checkParquet } from './footer';
import { startParquetWasm } from '../engine/parquet-codec';
import { EXPORT_ID_KEY } from '../snapshot/intent';

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
    expect(await checkParquet(blob(garbled))).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/footer metadata .* is damaged/) });
  });

  it('says what is wrong with a damaged footer, in words about the file, whatever the damage', async () => {
    const bytes = await realParquet();
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
    const footerStart = bytes.length - 8 - footerLength;
    const zeroed = bytes.slice();
    zeroed.fill(0, footerStart, bytes.length - 8);
    expect(await checkParquet(blob(zeroed))).toMatchObject({ status: 'corrupt', reason: expect.stringMatching(/footer metadata \(\d+ bytes\) is all zero bytes/) });
    // Every single byte of the footer flipped, and runs of random bytes at every offset: a
    // verdict every time (ok when the damage hit something unimportant), never a parser's
    // internals ("Cannot read properties of undefined") and never a throw.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const variants: Uint8Array[] = [];
    for (let at = footerStart; at < bytes.length - 8; at++) {
      const flipped = bytes.slice();
      flipped[at] = flipped[at] ^ 0xff;
      variants.push(flipped);
      const run = bytes.slice();
      for (let i = at; i < Math.min(at + 8, bytes.length - 8); i++) run[i] = Math.floor(random() * 256);
      variants.push(run);
    }
    let corrupt = 0;
    for (const variant of variants) {
      const check = await checkParquet(blob(variant));
      if (check.status === 'corrupt') {
        corrupt += 1;
        expect(check.reason).toMatch(/^its footer metadata \(\d+ bytes\) (is damaged|is all zero)/);
        expect(check.reason).not.toMatch(/undefined|null|properties|TypeError|RangeError/);
      } else expect(check.status).toBe('ok');
    }
    expect(corrupt).toBeGreaterThan(variants.length / 4);
  });
});

describe('checkParquet: the id of the export that wrote a file', () => {
  it('reads back the id the engine’s codec wrote, and none from a file written without one', async () => {
    const wasm = await startParquetWasm(new Uint8Array(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'))));
    const ipc = () => tableToIPC(tableFromArrays({ id: Int32Array.from([1, 2, 3]) }), 'stream');
    for (const id of [crypto.randomUUID(), 'x', 'ü"\\\n'.repeat(50)]) {
      expect(await checkParquet(blob(wasm.encode(ipc(), { rowGroupSize: 2, metadata: { [EXPORT_ID_KEY]: id } })))).toMatchObject({ status: 'ok', rows: 3, exportId: id });
    }
    expect(await checkParquet(blob(wasm.encode(ipc(), { rowGroupSize: 2, metadata: { 'some.other.key': 'x' } })))).toMatchObject({ status: 'ok', exportId: null });
    expect(await checkParquet(blob(wasm.encode(ipc(), { rowGroupSize: 2 })))).toMatchObject({ status: 'ok', exportId: null });
    expect(await checkParquet(blob(await realParquet()))).toMatchObject({ status: 'ok', exportId: null });
  });
});

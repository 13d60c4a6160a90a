/**
 * How much memory a Parquet file's values take once read, from its footer alone: the same
 * whatever encoding wrote them, as the engine's own codec writes them (data pages v2, delta
 * encodings), so that a restore too large for the engine is refused in words before it starts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Bool, DateDay, Int64, Utf8, makeVector, tableFromArrays, tableToIPC, vectorFromArray, Table } from 'apache-arrow';
import { startParquetWasm } from '../engine/parquet-codec';
import { checkParquet } from './footer';
import { seededRandom } from '../../tests/support/random';

const wasmBytes = () => new Uint8Array(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')));

interface Family {
  what: string;
  table(rows: number, random: () => number): Table;
  /** What the values take in memory, counted here from the values themselves. */
  bytes(table: Table): number;
  text?: string[];
}

const textBytes = (table: Table, name: string) => (table.getChild(name)!.toArray() as (string | null)[]).reduce((sum, s) => sum + (s === null ? 0 : new TextEncoder().encode(s).length), 0);

const FAMILIES: Family[] = [
  { what: 'sorted 64-bit ids (delta-packed into almost nothing)', table: (n) => tableFromArrays({ id: BigInt64Array.from({ length: n }, (_, i) => BigInt(1_000_000_000 + i)) }), bytes: (t) => t.numRows * 8 },
  { what: 'random 32-bit integers', table: (n, r) => tableFromArrays({ qty: Int32Array.from({ length: n }, () => Math.floor(r() * 2 ** 31)) }), bytes: (t) => t.numRows * 4 },
  { what: 'doubles', table: (n, r) => tableFromArrays({ price: Float64Array.from({ length: n }, () => r() * 1e6) }), bytes: (t) => t.numRows * 8 },
  {
    what: 'dates a day apart, and booleans',
    table: (n, r) => new Table({ day: makeVector({ type: new DateDay(), data: Int32Array.from({ length: n }, (_, i) => 17_000 + i) }), flag: vectorFromArray(Array.from({ length: n }, () => r() < 0.5), new Bool()) }),
    bytes: (t) => t.numRows * 5,
  },
  {
    what: 'text sharing long prefixes (paths)',
    table: (n, r) => new Table({ path: vectorFromArray(Array.from({ length: n }, (_, i) => `/home/someone/projects/app/data/exports/2026/${String(i).padStart(8, '0')}-${Math.floor(r() * 1000)}.parquet`), new Utf8()) }),
    bytes: (t) => textBytes(t, 'path'),
    text: ['path'],
  },
  {
    what: 'short unicode text with nulls',
    table: (n, r) => new Table({ label: vectorFromArray(Array.from({ length: n }, (_, i) => (r() < 0.1 ? null : `${['東京', 'Zürich', 'café', 'naïve'][i % 4]} ${Math.floor(r() * 1e6)}`)), new Utf8()) }),
    bytes: (t) => textBytes(t, 'label'),
    text: ['label'],
  },
  { what: 'nullable 64-bit integers', table: (n, r) => new Table({ n: vectorFromArray(Array.from({ length: n }, () => (r() < 0.3 ? null : BigInt(Math.floor(r() * 1e12)))), new Int64()) }), bytes: (t) => t.numRows * 8 },
];

describe('decodedBytes: the memory a row group takes once read', () => {
  it.each(FAMILIES.map((f) => [f.what, f] as const))('%s, as the engine writes it: within 10% of the values’ own size', async (_what, family) => {
    const wasm = await startParquetWasm(wasmBytes());
    for (const seed of [1, 2, 3]) {
      const random = seededRandom(seed);
      const rows = 20_000 + Math.floor(random() * 30_000);
      const table = family.table(rows, random);
      const parquet = wasm.encode(tableToIPC(table, 'stream'), { rowGroupSize: 10_000 + Math.floor(random() * 20_000), textColumns: family.text });
      const check = await checkParquet(new Blob([parquet]));
      if (check.status !== 'ok') throw new Error(`not written: ${check.status}`);
      expect(check.rows).toBe(rows);
      const expected = family.bytes(table);
      expect(check.decodedBytes, `seed ${seed}: ${rows} rows, ${parquet.byteLength} bytes on disk`).toBeGreaterThanOrEqual(expected * 0.9);
      expect(check.decodedBytes).toBeLessThanOrEqual(expected * 1.1 + rows * 4);
    }
  });
});

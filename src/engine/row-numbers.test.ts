import { describe, expect, it } from 'vitest';
import {
  Bool,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import { columnNames, prependRowNumbers } from './row-numbers';

/** A small deterministic generator (mulberry32), so a failing family can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Column kinds as decoded Parquet gives them to DuckDB: values with nulls, per row. */
const KINDS: { type: () => DataType; value: (row: number, next: () => number) => unknown }[] = [
  { type: () => new Int32(), value: (row, next) => (next() < 0.1 ? null : (row * 7919) | 0) },
  { type: () => new Float64(), value: (row, next) => (next() < 0.1 ? null : row / 3) },
  { type: () => new Utf8(), value: (row, next) => (next() < 0.1 ? null : `text ${row} é ✓ ${'x'.repeat(row % 5)}`) },
  { type: () => new Bool(), value: (row, next) => (next() < 0.1 ? null : row % 3 === 0) },
  { type: () => new Int64(), value: (row) => BigInt(row) * 1_000_000_007n - 5n },
  { type: () => new TimestampMicrosecond(), value: (row) => 1_700_000_000_000 + row },
  { type: () => new Dictionary(new Utf8(), new Int32()), value: (row) => ['red', 'green', 'blue'][row % 3] },
  { type: () => new List(new Field('item', new Int32(), true)), value: (row, next) => (next() < 0.1 ? null : Array.from({ length: row % 4 }, (_, i) => row + i)) },
  { type: () => new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]), value: (row) => ({ a: row, b: `b${row}` }) },
];

/** A table of `batchRows.length` record batches with `columns` columns of random kinds. */
function makeTable(next: () => number, batchRows: number[], columns: number): Table {
  const kinds = Array.from({ length: columns }, () => KINDS[Math.floor(next() * KINDS.length)]);
  // One type object per column for every batch: a dictionary's id is its type's.
  const types = kinds.map((kind) => kind.type());
  let row = 0;
  const batches = batchRows.map((rows) => {
    const start = row;
    row += rows;
    const vectors = Object.fromEntries(kinds.map((kind, c) => [`col ${c}`, vectorFromArray(Array.from({ length: rows }, (_, i) => kind.value(start + i, next)), types[c])]));
    return new Table(vectors).batches;
  });
  return new Table(batches.flat());
}

function rowsOf(table: Table): unknown[] {
  return table.toArray().map((row) => JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

describe('prependRowNumbers', () => {
  // One case per family: 120 in one case ran past the unit timeout on a loaded machine.
  it.each(Array.from({ length: 120 }, (_, i) => i + 1))('family %i: a column of consecutive row numbers in front of every batch, every other column as it was', (seed) => {
    const next = random(seed);
    const batchRows = Array.from({ length: 1 + Math.floor(next() * 4) }, () => [0, 1, 2, 17, 1000, 4097][Math.floor(next() * 6)]);
    const table = makeTable(next, batchRows, 1 + Math.floor(next() * 5));
    const total = batchRows.reduce((a, b) => a + b, 0);
    const first = [0, 1, 250_000, 2 ** 32 - 2, 2 ** 32, Number.MAX_SAFE_INTEGER - total][Math.floor(next() * 6)];
    const column = ['__row_id', '__row_id_2', 'row id ✓'][seed % 3];

    const numbered = prependRowNumbers(tableToIPC(table, 'stream'), { column, first });
    const back = tableFromIPC(numbered.ipc);

    expect(numbered.rows, `seed ${seed}`).toBe(total);
    expect(back.numRows, `seed ${seed}`).toBe(total);
    expect(back.schema.fields[0].name).toBe(column);
    expect(String(back.schema.fields[0].type)).toBe('Int64');
    expect(back.schema.fields[0].nullable).toBe(false);
    expect(columnNames(numbered.ipc)).toEqual([column, ...table.schema.fields.map((f) => f.name)]);
    const numbers = back.getChildAt(0)!.toArray() as BigInt64Array;
    expect(Array.from(numbers, (n) => Number(n)), `seed ${seed}`).toEqual(Array.from({ length: total }, (_, i) => first + i));
    expect(back.schema.fields.slice(1).map((f) => `${f.name}: ${String(f.type)}`)).toEqual(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`));
    expect(rowsOf(back.select(table.schema.fields.map((f) => f.name))), `seed ${seed}`).toEqual(rowsOf(table));
  });

  it('keeps the schema metadata (where arrow-rs and DuckDB record types Arrow has not)', () => {
    const table = makeTable(random(7), [10], 2);
    table.schema.metadata.set('ARROW:extension', 'kept');
    const back = tableFromIPC(prependRowNumbers(tableToIPC(table, 'stream'), { column: 'r', first: 0 }).ipc);
    expect(back.schema.metadata.get('ARROW:extension')).toBe('kept');
  });

  it('numbers what parquet-wasm decodes, row group after row group', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed);
      const table = makeTable(next, [1 + Math.floor(next() * 3000)], 1 + Math.floor(next() * 4));
      const groupRows = 1 + Math.floor(next() * 1000);
      const properties = new parquetWasm.WriterPropertiesBuilder().setMaxRowGroupSize(groupRows).build();
      const parquet = parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(tableToIPC(table, 'stream')), properties);
      const groups = Math.ceil(table.numRows / groupRows);
      let first = 42;
      const decoded: Table[] = [];
      for (let group = 0; group < groups; group++) {
        const numbered = prependRowNumbers(parquetWasm.readParquet(parquet, { rowGroups: [group] }).intoIPCStream(), { column: '__row_id', first });
        first += numbered.rows;
        decoded.push(tableFromIPC(numbered.ipc));
      }
      const all = decoded.flatMap((t) => Array.from(t.getChildAt(0)!.toArray() as BigInt64Array, Number));
      expect(all, `seed ${seed}`).toEqual(Array.from({ length: table.numRows }, (_, i) => 42 + i));
      expect(decoded.flatMap((t) => rowsOf(t.select(table.schema.fields.map((f) => f.name)))), `seed ${seed}`).toEqual(rowsOf(table));
    }
  });

  it('refuses row numbers that are not safe integers', () => {
    const ipc = tableToIPC(makeTable(random(3), [5], 1), 'stream');
    expect(() => prependRowNumbers(ipc, { column: 'r', first: -1 })).toThrow(RangeError);
    expect(() => prependRowNumbers(ipc, { column: 'r', first: 0.5 })).toThrow(RangeError);
    expect(() => prependRowNumbers(ipc, { column: 'r', first: Number.MAX_SAFE_INTEGER - 2 })).toThrow(/Row numbers past/);
  });
});

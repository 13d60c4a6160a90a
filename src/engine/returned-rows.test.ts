import { describe, expect, it } from 'vitest';
import { Field, Int32, Interval, IntervalUnit, List, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { returnedTable } from './returned-rows';

/** A MONTH_DAY_NANO column as DuckDB writes it: 16 bytes a value, little-endian; null where `value` is null. */
function intervalBatch(values: ({ months: number; days: number; nanos: bigint } | null)[]): RecordBatch {
  const bytes = new DataView(new ArrayBuffer(values.length * 16));
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) return;
    valid[i >> 3] |= 1 << (i & 7);
    bytes.setInt32(i * 16, v.months, true);
    bytes.setInt32(i * 16 + 4, v.days, true);
    bytes.setBigInt64(i * 16 + 8, v.nanos, true);
  });
  const type = new Interval(IntervalUnit.MONTH_DAY_NANO);
  const interval = makeData({ type, length: values.length, nullCount: values.filter((v) => v === null).length, nullBitmap: valid, data: new Int32Array(bytes.buffer) });
  const ints = makeData({ type: new Int32(), length: values.length, data: Int32Array.from(values, (_, i) => i) });
  const schema = new Schema([new Field('i', new Int32(), false), new Field('iv', type, true)]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: values.length, children: [ints, interval] }));
}

describe('returnedTable', () => {
  it('sends each INTERVAL as months, days and microseconds read from its 16 bytes, nulls kept, in every batch', () => {
    const extremes = [
      { months: 0, days: 0, nanos: 0n },
      { months: -2_147_483_648, days: 2_147_483_647, nanos: -9_223_372_036_854_775_000n },
      { months: 13, days: -1, nanos: 86_400_000_000_123_000n },
    ];
    const batches = [intervalBatch([extremes[0], null, extremes[1]]), intervalBatch([null, extremes[2]])];
    const { table, texts, known } = returnedTable(batches);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['c0', 'c1_m', 'c1_d', 'c1_us']);
    const column = (name: string) => table.getChild(name)!.toArray() as ArrayLike<unknown>;
    const valid = (name: string) => Array.from({ length: table.numRows }, (_, r) => table.getChild(name)!.isValid(r));
    expect(Array.from(column('c0'))).toEqual([0, 1, 2, 0, 1]);
    expect(valid('c1_m')).toEqual([true, false, true, false, true]);
    const rows = [0, 2, 4];
    expect(rows.map((r) => table.getChild('c1_m')!.get(r))).toEqual(extremes.map((e) => e.months));
    expect(rows.map((r) => table.getChild('c1_d')!.get(r))).toEqual(extremes.map((e) => e.days));
    expect(rows.map((r) => table.getChild('c1_us')!.get(r))).toEqual(extremes.map((e) => e.nanos / 1000n));
    expect(texts[1]).toBe('(to_months("c1_m") + to_days("c1_d") + to_microseconds("c1_us"))::VARCHAR');
    expect(known).toEqual([null, { type: 'INTERVAL' }]);
  });

  it('does not send an INTERVAL inside a list, and says why', () => {
    const type = new List(new Field('item', new Interval(IntervalUnit.MONTH_DAY_NANO), true));
    const values = makeData({ type: new Interval(IntervalUnit.MONTH_DAY_NANO), length: 1, data: new Int32Array(4) });
    const list = makeData({ type, length: 1, valueOffsets: new Int32Array([0, 1]), child: values });
    const schema = new Schema([new Field('l', type, true)]);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, children: [list] }));
    const { table, texts, known } = returnedTable([batch]);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['rows']);
    expect(table.numRows).toBe(1);
    expect(texts).toEqual([null]);
    expect(known[0]).toMatchObject({ hidden: expect.stringMatching(/INTERVAL values inside a nested value/) });
  });
});

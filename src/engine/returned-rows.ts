/**
 * The rows a statement returned that the console could not run as a query
 * (`UPDATE … RETURNING`, `PRAGMA`…) arrive as Arrow values: a DATE as epoch milliseconds, a
 * DECIMAL unscaled. To show them as a query's are, as DuckDB's own text, they go back into
 * DuckDB as a table and are read out with `::VARCHAR`.
 *
 * One Arrow type does not survive that trip through apache-arrow 17 (the version DuckDB-WASM
 * ships): INTERVAL, which DuckDB sends as MONTH_DAY_NANO, 16 bytes a value, which apache-arrow
 * takes as 12 (`strideForType` gives 1 + unit int32s) when it slices or writes the column.
 * So a top-level INTERVAL column goes as its three parts, read from the buffer as DuckDB
 * wrote it, and is put together again in SQL; one inside a list or struct is not shown
 * rather than shown wrong. Nor is an ENUM inside a fixed-size array (see holdsDictionaryInFixedList).
 */
import { DataType, Int32, Int64, IntervalUnit, Table, makeData, makeVector, type Data, type Field, type RecordBatch, type Vector } from 'apache-arrow';
import { quoteIdent } from '../sql';
import { holdsDictionaryInFixedList } from './arrow-ipc';

/** What to insert into DuckDB, and the SQL that reads each original column back as text (null: not shown). */
export interface ReturnedTable {
  table: Table;
  /** Per column of the result, in order: a `::VARCHAR` expression over `table`'s columns, or null. */
  texts: (string | null)[];
  /** Per column: the DuckDB type to name when it is not read from the inserted table (an INTERVAL's), or why it is not shown. */
  known: ({ type: string } | { hidden: string } | null)[];
}

function isMonthDayNano(type: DataType): boolean {
  return DataType.isInterval(type) && type.unit === IntervalUnit.MONTH_DAY_NANO;
}

function holdsMonthDayNano(type: DataType): boolean {
  return isMonthDayNano(type) || (type.children ?? []).some((child: Field) => holdsMonthDayNano(child.type));
}

/** A MONTH_DAY_NANO column's chunks as three columns: months, days (int32) and microseconds (int64). */
function intervalParts(chunks: readonly Data[]): { months: Vector; days: Vector; micros: Vector } {
  const months: Data[] = [];
  const days: Data[] = [];
  const micros: Data[] = [];
  for (const chunk of chunks) {
    // The chunk as read from DuckDB's stream: offset 0, its buffer 4 int32s a value.
    const words = chunk.values as Int32Array;
    const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
    const m = new Int32Array(chunk.length);
    const d = new Int32Array(chunk.length);
    const us = new BigInt64Array(chunk.length);
    for (let i = 0; i < chunk.length; i++) {
      const at = (chunk.offset + i) * 16;
      if (at + 16 > view.byteLength) break; // a null's slot may be short at the end: its value is not read
      m[i] = view.getInt32(at, true);
      d[i] = view.getInt32(at + 4, true);
      us[i] = view.getBigInt64(at + 8, true) / 1000n;
    }
    const nulls = { nullBitmap: chunk.nullBitmap, nullCount: chunk.nullCount, offset: 0 };
    months.push(makeData({ type: new Int32(), length: chunk.length, data: m, ...nulls }));
    days.push(makeData({ type: new Int32(), length: chunk.length, data: d, ...nulls }));
    micros.push(makeData({ type: new Int64(), length: chunk.length, data: us, ...nulls }));
  }
  return { months: makeVector(months), days: makeVector(days), micros: makeVector(micros) };
}

/** `batches` (whole, as read from DuckDB: never sliced) as a table DuckDB can take back, and how to read each column out as text. */
export function returnedTable(batches: readonly RecordBatch[]): ReturnedTable {
  const whole = new Table(batches as RecordBatch[]);
  const columns: Record<string, Vector> = {};
  const texts: (string | null)[] = [];
  const known: ReturnedTable['known'] = [];
  whole.schema.fields.forEach((field, c) => {
    const name = `c${c}`;
    const chunks = batches.map((batch) => batch.getChildAt(c)!.data[0]);
    if (isMonthDayNano(field.type)) {
      const parts = intervalParts(chunks);
      columns[`${name}_m`] = parts.months;
      columns[`${name}_d`] = parts.days;
      columns[`${name}_us`] = parts.micros;
      texts.push(`(to_months(${quoteIdent(`${name}_m`)}) + to_days(${quoteIdent(`${name}_d`)}) + to_microseconds(${quoteIdent(`${name}_us`)}))::VARCHAR`);
      known.push({ type: 'INTERVAL' });
    } else if (holdsMonthDayNano(field.type)) {
      texts.push(null);
      known.push({ hidden: 'INTERVAL values inside a nested value cannot be shown for a statement run as written; select them in a query' });
    } else if (holdsDictionaryInFixedList(field.type)) {
      texts.push(null);
      known.push({ hidden: 'ENUM values inside a fixed-size array cannot be shown for a statement run as written (DuckDB-WASM cannot read them back); select them in a query' });
    } else {
      columns[name] = whole.getChildAt(c)!;
      texts.push(`${quoteIdent(name)}::VARCHAR`);
      known.push(null);
    }
  });
  // With every column left out, a column of nothing keeps the count of rows.
  if (Object.keys(columns).length === 0) columns.rows = makeVector(new Int32Array(whole.numRows));
  return { table: new Table(columns), texts, known };
}

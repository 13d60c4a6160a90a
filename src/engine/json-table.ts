/**
 * JSON files as tables, without DuckDB's json extension (DuckDB-WASM loads it at run time,
 * which an extension may not do). The rows are an array of objects, one object, or one
 * object per line (NDJSON); each key is a column, typed by what its values are: whole
 * numbers BIGINT, other numbers DOUBLE, booleans BOOLEAN, text VARCHAR, and anything else
 * (objects, arrays, a mix of kinds) VARCHAR holding the value's JSON. A missing key and
 * `null` are NULL. Apache Arrow encodes the columns; DuckDB takes them as an IPC stream.
 */
import { Bool, Float64, Int64, Utf8, makeData, makeVector, tableToIPC, Table, type Vector } from 'apache-arrow';
import { UserFacingError } from '../errors';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The records of a JSON or NDJSON text. */
export function jsonRecords(text: string): Record<string, Json>[] {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new UserFacingError('JsonError', 'The file holds no JSON value.');
  let values: Json[];
  try {
    const parsed = JSON.parse(body) as Json;
    values = Array.isArray(parsed) ? parsed : [parsed];
  } catch (whole) {
    // One value per line (NDJSON), blank lines skipped.
    values = [];
    for (const [index, line] of body.split(/\r?\n/).entries()) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line) as Json);
      } catch {
        throw new UserFacingError('JsonError', `It is neither one JSON value nor one per line: ${whole instanceof Error ? whole.message : String(whole)}; line ${index + 1} does not parse either.`);
      }
    }
  }
  return values.map((value, index) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UserFacingError('JsonError', `Record ${index + 1} is not an object: only objects (key → value) make rows.`);
    return value;
  });
}

type Kind = 'bigint' | 'double' | 'boolean' | 'text' | 'json';

function kindOf(values: readonly Json[]): Kind {
  let kind: Kind | null = null;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const own: Kind =
      typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'text' : typeof value === 'number' ? (Number.isSafeInteger(value) ? 'bigint' : 'double') : 'json';
    if (kind === null || kind === own) kind = own;
    else if ((kind === 'bigint' && own === 'double') || (kind === 'double' && own === 'bigint')) kind = 'double';
    else return 'json';
  }
  return kind ?? 'text';
}

/** Arrow IPC stream of the records: columns in the order their keys first appear. */
export function jsonToArrowIpc(records: readonly Record<string, Json>[]): Uint8Array {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  }
  if (keys.length === 0) throw new UserFacingError('JsonError', 'The records have no keys: there are no columns to make.');
  const columns: Record<string, Vector> = {};
  for (const key of keys) {
    const values = records.map((r) => (key in r ? r[key] : null));
    const kind = kindOf(values);
    columns[key] = column(kind, values);
  }
  return tableToIPC(new Table(columns), 'stream');
}

/**
 * One column, its buffers laid out here: Arrow's builders (`vectorFromArray`) compile their
 * null check with `new Function`, which the extension's content security policy forbids.
 */
function column(kind: Kind, values: readonly Json[]): Vector {
  const length = values.length;
  const nullBitmap = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  if (kind === 'bigint') {
    const data = BigInt64Array.from(values, (v) => (v === null ? 0n : BigInt(v as number)));
    return makeVector(makeData({ type: new Int64(), length, nullCount, nullBitmap, data }));
  }
  if (kind === 'double') {
    const data = Float64Array.from(values, (v) => (v === null ? 0 : (v as number)));
    return makeVector(makeData({ type: new Float64(), length, nullCount, nullBitmap, data }));
  }
  if (kind === 'boolean') {
    const data = new Uint8Array(Math.ceil(length / 8));
    values.forEach((v, i) => {
      if (v === true) data[i >> 3] |= 1 << (i & 7);
    });
    return makeVector(makeData({ type: new Bool(), length, nullCount, nullBitmap, data }));
  }
  const encoder = new TextEncoder();
  const encoded = values.map((v) => (v === null ? new Uint8Array(0) : encoder.encode(typeof v === 'string' ? v : JSON.stringify(v))));
  const valueOffsets = new Int32Array(length + 1);
  encoded.forEach((bytes, i) => (valueOffsets[i + 1] = valueOffsets[i] + bytes.length));
  const data = new Uint8Array(valueOffsets[length]);
  encoded.forEach((bytes, i) => data.set(bytes, valueOffsets[i]));
  return makeVector(makeData({ type: new Utf8(), length, nullCount, nullBitmap, data, valueOffsets }));
}

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

/** A JSON value as read here: an integer a double cannot hold exactly is a bigint. */
type Json = string | number | bigint | boolean | null | Json[] | { [key: string]: Json };

/**
 * `text` with each integer literal that a double cannot hold exactly (above 2^53) written as
 * the string `"\u0000int<nonce>:<digits>"`, which {@link exactJson} turns back into a bigint:
 * `JSON.parse` would round 9007199254740993 to …992. A scanner of the tokens (strings and
 * their escapes skipped), so that digits inside strings stay as they are.
 */
function markWideIntegers(text: string, nonce: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* backslash */) i++;
      continue;
    }
    if (c !== 0x2d /* - */ && (c < 0x30 || c > 0x39)) continue;
    let end = i + 1;
    while (end < text.length && /[0-9eE.+-]/.test(text[end])) end++;
    const token = text.slice(i, end);
    if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${text.slice(from, i)}"\\u0000int${nonce}:${token}"`;
      from = end;
    }
    i = end - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

const newNonce = () => Math.random().toString(36).slice(2);

/**
 * `text` with its wide integers marked (scanned once), and a JSON.parse of it or of any of its
 * lines that gives those integers back exact, as bigints.
 */
function exactJson(text: string): { marked: string; parse(part: string): Json } {
  const nonce = newNonce();
  const marked = markWideIntegers(text, nonce);
  const marker = `\u0000int${nonce}:`;
  const reviver = (_key: string, value: unknown) => (typeof value === 'string' && value.startsWith(marker) ? BigInt(value.slice(marker.length)) : value);
  return { marked, parse: (part) => (marked === text ? JSON.parse(part) : JSON.parse(part, reviver)) as Json };
}

/** JSON text of a value read by {@link exactJson}: its bigints written as the digits they are. */
function exactStringify(value: Json): string {
  const nonce = newNonce();
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `int${nonce}:${v}` : v));
  return text.includes(`int${nonce}:`) ? text.replace(new RegExp(`"int${nonce}:(-?\\d+)"`, 'g'), '$1') : text;
}

/** The records of a JSON or NDJSON text. */
export function jsonRecords(text: string): Record<string, Json>[] {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new UserFacingError('JsonError', 'The file holds no JSON value.');
  let values: Json[];
  const exact = exactJson(body);
  try {
    const parsed = exact.parse(exact.marked);
    values = Array.isArray(parsed) ? parsed : [parsed];
  } catch (whole) {
    // One value per line (NDJSON), blank lines skipped: the marks never span lines.
    values = [];
    for (const [index, line] of exact.marked.split(/\r?\n/).entries()) {
      if (line.trim() === '') continue;
      try {
        values.push(exact.parse(line));
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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function kindOf(values: readonly Json[]): Kind {
  let kind: Kind | null = null;
  // An integer a double cannot hold: the column is BIGINT or, mixed with other numbers, JSON text, never DOUBLE.
  let wide = false;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'bigint') wide = true;
    const own: Kind =
      typeof value === 'boolean'
        ? 'boolean'
        : typeof value === 'string'
          ? 'text'
          : typeof value === 'bigint'
            ? value >= INT64_MIN && value <= INT64_MAX
              ? 'bigint'
              : 'json'
            : typeof value === 'number'
              ? Number.isSafeInteger(value)
                ? 'bigint'
                : 'double'
              : 'json';
    if (kind === null || kind === own) kind = own;
    else if (!wide && ((kind === 'bigint' && own === 'double') || (kind === 'double' && own === 'bigint'))) kind = 'double';
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
    const data = BigInt64Array.from(values, (v) => (v === null ? 0n : BigInt(v as number | bigint)));
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
  const encoded = values.map((v) => (v === null ? new Uint8Array(0) : encoder.encode(typeof v === 'string' ? v : exactStringify(v))));
  const valueOffsets = new Int32Array(length + 1);
  encoded.forEach((bytes, i) => (valueOffsets[i + 1] = valueOffsets[i] + bytes.length));
  const data = new Uint8Array(valueOffsets[length]);
  encoded.forEach((bytes, i) => data.set(bytes, valueOffsets[i]));
  return makeVector(makeData({ type: new Utf8(), length, nullCount, nullBitmap, data, valueOffsets }));
}

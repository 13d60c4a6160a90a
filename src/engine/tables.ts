/**
 * Facts about DuckDB tables that snapshots record: schema, row count, checksum.
 */
import type { ColumnSchema, JsonValue } from '../protocol';
import { quoteIdent } from '../sql';
import { UserFacingError } from '../errors';
import type { DuckConnection } from './duck-query';
import { DEFAULT_ROW_ID_COLUMN } from './csv-sql';

/**
 * The stable row identity every loaded or restored table carries: BIGINT, 0..n-1 in file
 * order, named `__row_id` unless the data has a column of that name (then `__row_id_1`…).
 */
export const ROW_ID_COLUMN = DEFAULT_ROW_ID_COLUMN;

/** Runs a query and returns its rows as plain JSON values (BigInt → number when safe, else string). */
export async function queryJson(duck: DuckConnection, sql: string, limit = Number.POSITIVE_INFINITY): Promise<{ columns: string[]; rows: JsonValue[][] }> {
  const result = await duck.conn.query(sql);
  const columns = result.schema.fields.map((f) => f.name);
  const rows: JsonValue[][] = [];
  const count = Math.min(result.numRows, limit);
  for (let i = 0; i < count; i++) {
    const row = result.get(i);
    rows.push(columns.map((c) => toJson(row?.[c])));
  }
  return { columns, rows };
}

function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') return toJson(value.toJSON());
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return String(value);
}

/** The user's columns of `table` (without its row id column), as DuckDB types them, in table order. */
export async function describeColumns(duck: DuckConnection, table: string, rowIdColumn: string): Promise<ColumnSchema[]> {
  return describeQuery(duck, quoteIdent(table), rowIdColumn);
}

/** The same of what `query` answers (a table's quoted name, or a SELECT). */
export async function describeQuery(duck: DuckConnection, query: string, rowIdColumn: string): Promise<ColumnSchema[]> {
  const { rows } = await queryJson(duck, `DESCRIBE ${query}`);
  return rows.map(([name, type]) => ({ name: String(name), type: String(type) })).filter((c) => c.name !== rowIdColumn);
}

/** A DuckDB type name as a type in a type's text (`BIT[]`, `STRUCT(a BIT)`), not as a field's name (`STRUCT(bit INTEGER)`). */
const typeToken = (name: string) => new RegExp(`(^|[\\s(,])${name}(?=$|[\\[),])`, 'i');

/**
 * Each parenthesised part of a type's text: the word before it (`MAP`, `STRUCT`, `ENUM`,
 * `DECIMAL`), the text inside, and the brackets right after it (`[]`, `[3]`: a list, an
 * array). Quoted field names and ENUM members are skipped over.
 */
function typeGroups(type: string): { name: string; inside: string; suffix: string }[] {
  const groups: { name: string; inside: string; suffix: string }[] = [];
  const opened: { name: string; at: number }[] = [];
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    if (c === '"' || c === "'") {
      // To the closing quote: a doubled one is a quote inside.
      for (i++; i < type.length && !(type[i] === c && type[i + 1] !== c); i++) if (type[i] === c) i++;
    } else if (c === '(') opened.push({ name: /\w*$/.exec(type.slice(0, i))![0], at: i + 1 });
    else if (c === ')') {
      const open = opened.pop();
      if (open) groups.push({ name: open.name, inside: type.slice(open.at, i), suffix: /^(?:\[\d*\])*/.exec(type.slice(i + 1))![0] });
    }
  }
  return groups;
}

const wideIntegers = typeToken('(?:UHUGEINT|BIGNUM|VARINT)');

/**
 * Types whose values would not come back from a snapshot as they went in, anywhere in a
 * column's type (a list, a struct, a map): measured by exporting and restoring each type
 * alone and nested (tests/browser/library.test.ts).
 */
const LOSSY_TYPES: readonly { test: (type: string) => boolean; why: string; instead: string }[] = [
  // 12:00:00+05 reaches the codec as 12:00:00.
  { test: (t) => /\bTIME WITH TIME ZONE\b|\bTIMETZ\b/i.test(t), why: 'Parquet would keep the times without their offsets', instead: 'to VARCHAR (or to TIME, dropping the offsets on purpose)' },
  // BIT '0101' came back as the bytes DuckDB keeps it in (0000010011110101), and in a list as BLOB, checksum and all.
  { test: (t) => typeToken('BIT').test(t), why: 'Parquet has no type for bits: they would come back as bytes', instead: 'to VARCHAR' },
  // parquet-wasm: "NYI: Attempting to write an Arrow interval type MonthDayNano".
  { test: (t) => typeToken('INTERVAL').test(t), why: 'the Parquet codec (parquet-wasm) cannot write intervals', instead: 'to VARCHAR' },
  // The codec's worker traps ("unreachable") on DuckDB's Arrow union.
  { test: (t) => /(^|[\s(,])UNION\(/i.test(t), why: 'the Parquet codec (parquet-wasm) cannot write UNION values', instead: 'to VARCHAR' },
  // DuckDB-WASM: "Unsupported Arrow type TIME_NS".
  { test: (t) => typeToken('TIME_NS').test(t), why: 'DuckDB-WASM cannot hand nanosecond times to the codec', instead: 'to TIME (microseconds) or to VARCHAR' },
  // Alone, in a list, a struct or an array they come back; in a map (key or value) as BLOB,
  // and a BIGNUM's changed bytes even matched the checksum.
  {
    test: (t) => typeGroups(t).some((group) => /^MAP$/i.test(group.name) && wideIntegers.test(group.inside)),
    why: 'in a map, the Parquet codec would bring UHUGEINT and BIGNUM values back as bytes',
    instead: 'to the same type with those as VARCHAR (or DECIMAL(38,0))',
  },
  // DuckDB-WASM's Arrow reader traps ("memory access out of bounds") on a dictionary anywhere inside a
  // fixed-size list, which is how the codec gives back ENUM values in an array (alone or in a struct);
  // in lists, structs and maps it reads them.
  {
    test: (t) => typeGroups(t).some((group) => /\[\d+\]/.test(group.suffix) && (/^ENUM$/i.test(group.name) || /(^|[\s(,])ENUM\(/i.test(group.inside))),
    why: 'DuckDB-WASM cannot read ENUM values inside a fixed-size array back from Parquet (its reader crashes)',
    instead: 'to lists (`[]` instead of `[n]`) or with the ENUM as VARCHAR',
  },
];

/**
 * Refuses columns whose values a snapshot would not keep ({@link LOSSY_TYPES}), before
 * anything is written. `what` names the table in the error.
 */
export function assertParquetKeeps(columns: readonly ColumnSchema[], what: string): void {
  const found = LOSSY_TYPES.map((rule) => ({ rule, columns: columns.filter((c) => rule.test(c.type)) })).filter((f) => f.columns.length > 0);
  if (found.length === 0) return;
  const sentences = found.map(({ rule, columns: lossy }, i) => {
    const subject = i === 0 ? `${what} has` : 'It has';
    return `${subject} ${lossy.map((c) => `column "${c.name}" of type ${c.type}`).join(' and ')}: ${rule.why}. Cast ${lossy.length === 1 ? 'it' : 'them'} ${rule.instead} first`;
  });
  throw new UserFacingError('UnsupportedTypeError', `${sentences.join('. ')}; nothing was written.`);
}

/**
 * The row id column of `table`: `preferred` when given (it must exist and be an integer), else
 * the engine's own (`__row_id`, or `__row_id_<n>` when the data took that name): the first
 * column of that pattern, as the CSV import and restore make it.
 */
export async function rowIdColumnOf(duck: DuckConnection, table: string, preferred?: string): Promise<string> {
  const { rows } = await queryJson(duck, `DESCRIBE ${quoteIdent(table)}`);
  const columns = rows.map(([name, type]) => ({ name: String(name), type: String(type) }));
  const found = preferred !== undefined ? columns.find((c) => c.name === preferred) : columns.find((c) => /^__row_id(_\d+)?$/i.test(c.name));
  if (!found) {
    throw new UserFacingError(
      'RowIdError',
      preferred !== undefined
        ? `Table "${table}" has no column "${preferred}" to order its rows by.`
        : `Table "${table}" has no row id column (${ROW_ID_COLUMN}): name a unique, ordered integer column to cut it into parts by.`,
    );
  }
  if (!['BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'UBIGINT', 'UINTEGER', 'USMALLINT', 'UTINYINT', 'HUGEINT'].includes(found.type)) {
    throw new UserFacingError('RowIdError', `Column "${found.name}" of "${table}" is ${found.type}, not an integer: it cannot order rows into parts.`);
  }
  return found.name;
}

/** Whether `table` names a table or a view DuckDB can describe (in the search path, temporary ones included). */
export async function tableExists(duck: DuckConnection, table: string): Promise<boolean> {
  try {
    await duck.conn.query(`DESCRIBE ${quoteIdent(table)}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether DuckDB's scans hand out rows in storage order: true unless the connection's
 * database runs with `preserve_insertion_order` off, where a multithreaded DuckDB emits
 * the row groups of one scan in whatever order its threads finish them.
 */
export async function scansKeepStorageOrder(duck: DuckConnection): Promise<boolean> {
  const { rows } = await queryJson(duck, "SELECT current_setting('preserve_insertion_order')::BOOLEAN");
  return rows[0]?.[0] !== false;
}

/** How many rows `table` holds. */
export async function tableRowCount(duck: DuckConnection, table: string): Promise<number> {
  const { rows } = await queryJson(duck, `SELECT count(*)::BIGINT AS n FROM ${quoteIdent(table)}`);
  return Number(rows[0]?.[0]);
}

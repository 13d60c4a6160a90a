/**
 * Exact column types for a CSV: every value of the file is kept exactly, or the column
 * stays text. Pure: SQL text in, decisions out; no DuckDB, no DOM.
 *
 * DuckDB's CSV reader decides column types from a sample of the first rows and then
 * converts every later value that still converts, silently: `200000.5` in a column that
 * looked like integers becomes `200001`, `08027` becomes `8027`, `1e400` becomes Infinity
 * (PLATFORM-NOTES). Here the file is read as text and each value is converted only after
 * a check that the conversion keeps it:
 *
 *   "Exactly" means the same number, date, time or truth value, with leading zeros,
 *   precision and range kept: `08027`, `007.5` and `1e400` are not numbers here, a
 *   17-digit decimal is not a DOUBLE, `2024-01-01 10:00:00+02` is not a TIMESTAMP (the
 *   offset would be dropped). Spelling that only formats the same value differently is
 *   allowed: `1.50` as DOUBLE prints `1.5`, `TRUE` prints `true`, `2024-01-01T10:00`
 *   prints `2024-01-01 10:00:00`.
 *
 * The import runs in two steps. First, with the types DuckDB's sniffer guesses, one
 * pass converts and checks every value ({@link checkedSelectSql}); a value that would
 * change stops it with {@link INEXACT_MARKER}. Only then (a file whose type changes late)
 * a second pass computes, for every column, which types hold all of its values
 * ({@link typeMaskSql}), and the import runs again with those ({@link chooseExactType}).
 */
import { quoteIdent, quoteLiteral } from '../sql';

/** Types a CSV column can get. Anything DuckDB's sniffer proposes beyond these stays text. */
export type CsvColumnType = 'BOOLEAN' | 'BIGINT' | 'DOUBLE' | 'DATE' | 'TIMESTAMP' | 'TIME' | 'VARCHAR' | `DECIMAL(${number},${number})`;

/** Marks the error our checked import raises, so that it is told apart from DuckDB's own. */
export const INEXACT_MARKER = 'opfs-inspector-inexact:';

const SIMPLE_TYPES = new Set(['BOOLEAN', 'BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'TIME', 'VARCHAR']);

/** DuckDB's sniffed type for a column, narrowed to one we can check; others become text. */
export function candidateType(sniffed: string): CsvColumnType {
  const type = sniffed.toUpperCase();
  if (SIMPLE_TYPES.has(type)) return type as CsvColumnType;
  // INTEGER and friends: the checked BIGINT holds them all.
  if (['TINYINT', 'SMALLINT', 'INTEGER', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'].includes(type)) return 'BIGINT';
  if (type === 'FLOAT') return 'DOUBLE';
  return 'VARCHAR';
}

/** The smallest positive normal double: below it, doubles lose precision. */
const MIN_NORMAL_DOUBLE = '2.2250738585072014e-308';

/**
 * A SQL condition, true when text `v` converts to `type` without changing its value.
 * `x` is the SQL of `TRY_CAST(v AS type)` (computed once by the caller). Both are
 * already-quoted expressions. NULL never reaches here.
 */
export function exactCondition(type: CsvColumnType, v: string, x: string): string {
  // No leading zero on the integer part (08027, -007.5); a lone 0 and 0.x are fine.
  const noLeadingZero = `NOT ((${v} >= '0' AND ${v} < '1' AND ${v} <> '0' AND NOT starts_with(${v}, '0.')) OR (${v} >= '-0' AND ${v} < '-1' AND ${v} <> '-0' AND NOT starts_with(${v}, '-0.')))`;
  switch (type) {
    case 'VARCHAR':
      return 'true';
    case 'BOOLEAN':
      return `${v} IN ('true', 'false', 'TRUE', 'FALSE', 'True', 'False', 't', 'f', 'T', 'F')`;
    case 'BIGINT':
      // As many characters as the number's own digits and sign: rules out leading zeros,
      // '+', spaces, '_', '5.0' and '0x10' (all of which TRY_CAST accepts).
      // log10 of a double is exact enough below 1e15; above, the digits are counted as text.
      return (
        `length(${v}) = CASE WHEN ${x} = 0 THEN 1 WHEN ${x} > -1000000000000000 AND ${x} < 1000000000000000 ` +
        `THEN floor(log10(abs(${x})::DOUBLE))::INTEGER + 1 + (${x} < 0)::INTEGER ELSE length(${x}::VARCHAR) END`
      );
    case 'DOUBLE':
      // At most 15 significant digits (DBL_DIG: such a decimal comes back unchanged from
      // the nearest double), finite, and not in the subnormal range.
      return (
        `isfinite(${x}) AND (${x} <> 0 OR ${significantDigits(v)} = 0) AND (${x} = 0 OR abs(${x}) >= ${MIN_NORMAL_DOUBLE}) AND ${noLeadingZero} ` +
        `AND NOT contains(${v}, '_') AND NOT contains(${v}, ' ') AND NOT starts_with(${v}, '+') ` +
        `AND (length(${v}) <= 15 OR ${significantDigits(v)} <= 15)`
      );
    case 'DATE':
      // TRY_CAST takes '2024-01-01 10:00' as a DATE, dropping the time.
      return `length(${v}) <= 10 AND NOT contains(${v}, ' ')`;
    case 'TIMESTAMP':
      // TRY_CAST drops a UTC offset ('+02', 'Z', '-05') and cuts fractions past microseconds;
      // a date alone would come back with a time ('2024-01-01 00:00:00').
      return (
        `length(${v}) > 10 AND length(${v}) <= 26 AND NOT contains(${v}, '+') AND NOT contains(${v}, 'Z') AND NOT contains(${v}, 'z') ` +
        `AND length(${v}) - length(replace(${v}, '-', '')) = 2 AND length(${v}) - length(replace(${v}, ':', '')) <= 2`
      );
    case 'TIME':
      return `length(${v}) <= 15 AND NOT contains(${v}, '+') AND NOT contains(${v}, '-') AND NOT contains(upper(${v}), 'Z')`;
    default:
      // DECIMAL(p,s): a plain decimal (no exponent, no leading zero) with at most s decimals
      // and p - s integer digits: TRY_CAST would round more decimals away.
      return decimalCondition(type, v, x);
  }
}

/** How many significant digits the mantissa of number text `v` has (0 for a zero). */
function significantDigits(v: string): string {
  return `length(trim(replace(ltrim(split_part(lower(${v}), 'e', 1), '-'), '.', ''), '0'))`;
}

function decimalCondition(type: string, v: string, x: string): string {
  const match = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (!match) throw new Error(`Not a CSV column type: ${type}`);
  const scale = Number(match[2]);
  return `${x} IS NOT NULL AND ${plainDecimal(v)} AND length(split_part(${v}, '.', 2)) <= ${scale}`;
}

/** `v` is written as a plain decimal: digits, an optional '-' and '.', no leading zero. */
function plainDecimal(v: string): string {
  return (
    `length(${v}) > 0 AND ltrim(${v}, '-') <> '' AND length(${v}) - length(ltrim(${v}, '-')) <= 1 ` +
    `AND length(replace(translate(ltrim(${v}, '-'), '0123456789', ''), '.', '')) = 0 ` +
    `AND length(${v}) - length(replace(${v}, '.', '')) <= 1 AND NOT ends_with(${v}, '.') AND NOT starts_with(ltrim(${v}, '-'), '.') ` +
    `AND NOT (starts_with(ltrim(${v}, '-'), '0') AND NOT starts_with(ltrim(${v}, '-'), '0.') AND ltrim(${v}, '-') <> '0')`
  );
}

export interface CsvColumn {
  /** The column's name as the CSV header (or DuckDB, for headerless files) gives it. */
  name: string;
  type: CsvColumnType;
}

/**
 * `SELECT <row id>, <each column converted and checked> FROM <text source>`: the select
 * list of the import. A value that its column's type would change raises an error naming
 * the row, the column and the value (see {@link parseInexactError}).
 */
export function checkedSelectSql(source: string, columns: readonly CsvColumn[], rowIdColumn: string): string {
  const rowNumber = '"__opfs_inspector_n"';
  const inner = columns
    .map((c, i) => (c.type === 'VARCHAR' ? `${quoteIdent(c.name)} AS "v${i}"` : `${quoteIdent(c.name)} AS "v${i}", TRY_CAST(${quoteIdent(c.name)} AS ${c.type}) AS "x${i}"`))
    .join(', ');
  const outer = columns
    .map((c, i) => {
      if (c.type === 'VARCHAR') return `"v${i}" AS ${quoteIdent(c.name)}`;
      const v = `"v${i}"`;
      const x = `"x${i}"`;
      const message = `${quoteLiteral(`${INEXACT_MARKER}${i}:`)} || ${rowNumber} || ':' || left(${v}, 200)`;
      return `CASE WHEN ${v} IS NULL OR (${x} IS NOT NULL AND ${exactCondition(c.type, v, x)}) THEN ${x} ELSE error(${message}) END AS ${quoteIdent(c.name)}`;
    })
    .join(', ');
  // row_number() OVER () with no partition or order is DuckDB's streaming window: it numbers
  // rows as the single-threaded CSV scan delivers them, i.e. in file order.
  return (
    `SELECT (${rowNumber} - 1)::BIGINT AS ${quoteIdent(rowIdColumn)}, ${outer} ` +
    `FROM (SELECT (row_number() OVER ())::BIGINT AS ${rowNumber}${inner ? `, ${inner}` : ''} FROM ${source})`
  );
}

/** What {@link checkedSelectSql}'s error says: which column, which data row (1-based), which value. */
export interface InexactValue {
  column: number;
  row: number;
  value: string;
}

/** Reads our inexact-value error out of DuckDB's message, or undefined when it is another error. */
export function parseInexactError(message: string): InexactValue | undefined {
  const at = message.indexOf(INEXACT_MARKER);
  if (at < 0) return undefined;
  const match = /^(\d+):(\d+):([\s\S]*)$/.exec(message.slice(at + INEXACT_MARKER.length));
  if (!match) return undefined;
  return { column: Number(match[1]), row: Number(match[2]), value: match[3].split('\n')[0] };
}

/** Bits of {@link typeMaskSql}: which types hold a value exactly. */
const MASK_BITS = { BOOLEAN: 1, BIGINT: 2, DOUBLE: 4, DECIMAL: 8, DATE: 16, TIMESTAMP: 32, TIME: 64 } as const;
const ALL_BITS = 127;

/**
 * One pass over the text source that tells, per column, which types hold every value:
 * `m<i>` (the AND of each value's bits), and for decimals the most integer digits `p<i>`
 * and decimals `s<i>` any value has. NULLs fit every type.
 */
export function typeMaskSql(source: string, columnNames: readonly string[]): string {
  const selects = columnNames.flatMap((name, i) => {
    const v = quoteIdent(name);
    const bit = (type: Exclude<CsvColumnType, `DECIMAL(${number},${number})` | 'VARCHAR'>) =>
      `(CASE WHEN TRY_CAST(${v} AS ${type}) IS NOT NULL AND ${exactCondition(type, v, `TRY_CAST(${v} AS ${type})`)} THEN ${MASK_BITS[type]} ELSE 0 END)`;
    const decimal = `(CASE WHEN ${plainDecimal(v)} THEN ${MASK_BITS.DECIMAL} ELSE 0 END)`;
    const bits = [bit('BOOLEAN'), bit('BIGINT'), bit('DOUBLE'), decimal, bit('DATE'), bit('TIMESTAMP'), bit('TIME')].join(' | ');
    const intDigits = `length(split_part(ltrim(${v}, '-'), '.', 1))`;
    return [
      `bit_and(CASE WHEN ${v} IS NULL THEN ${ALL_BITS} ELSE ${bits} END) AS "m${i}"`,
      `max(CASE WHEN ${plainDecimal(v)} THEN ${intDigits} END) AS "p${i}"`,
      `max(CASE WHEN ${plainDecimal(v)} THEN length(split_part(${v}, '.', 2)) END) AS "s${i}"`,
      `count(${v}) AS "n${i}"`,
    ];
  });
  return `SELECT ${selects.join(', ')} FROM ${source}`;
}

/** The widest precision DuckDB's DECIMAL has. */
const MAX_DECIMAL_DIGITS = 38;

/**
 * The type of a column from its {@link typeMaskSql} figures: the first of BOOLEAN, BIGINT,
 * DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP, TIME that holds every value, else VARCHAR.
 * A column with no values at all is VARCHAR (as DuckDB's sniffer makes it).
 */
export function chooseExactType(figures: { mask: number; intDigits: number | null; scale: number | null; values: number }): CsvColumnType {
  const { mask, intDigits, scale, values } = figures;
  if (values === 0) return 'VARCHAR';
  const has = (bit: number) => (mask & bit) !== 0;
  if (has(MASK_BITS.BOOLEAN)) return 'BOOLEAN';
  if (has(MASK_BITS.BIGINT)) return 'BIGINT';
  if (has(MASK_BITS.DOUBLE)) return 'DOUBLE';
  if (has(MASK_BITS.DECIMAL) && intDigits !== null && scale !== null) {
    const precision = Math.max(1, intDigits + scale);
    if (precision <= MAX_DECIMAL_DIGITS) return `DECIMAL(${precision},${scale})`;
  }
  if (has(MASK_BITS.DATE)) return 'DATE';
  if (has(MASK_BITS.TIMESTAMP)) return 'TIMESTAMP';
  if (has(MASK_BITS.TIME)) return 'TIME';
  return 'VARCHAR';
}

/** Reads the figures of column `i` out of one row of {@link typeMaskSql}'s result. */
export function maskFigures(row: Record<string, unknown>, i: number): { mask: number; intDigits: number | null; scale: number | null; values: number } {
  const number = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
  return { mask: number(row[`m${i}`]) ?? ALL_BITS, intDigits: number(row[`p${i}`]), scale: number(row[`s${i}`]), values: number(row[`n${i}`]) ?? 0 };
}

/** Why a value keeps its column as text, in words: for the import's notes. */
export function whyNotType(type: CsvColumnType, value: string): string {
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (/^-?0\d/.test(value)) return `${shown} has a leading zero that a number would drop`;
  if (type === 'BIGINT' && /^-?\d+\.\d+$/.test(value)) return `${shown} has a fraction`;
  if (type === 'BIGINT' && /^-?\d+$/.test(value)) return `${shown} does not fit a 64-bit integer`;
  if ((type === 'DOUBLE' || type === 'BIGINT') && /e/i.test(value)) return `${shown} is out of the range of a double`;
  if (type === 'DOUBLE') return `${shown} has more digits than a double keeps`;
  if (type === 'TIMESTAMP' && /[+Zz]|-\d\d(:?\d\d)?$/.test(value)) return `${shown} has a UTC offset that a timestamp would drop`;
  return `${shown} is not a ${type.toLowerCase()}`;
}

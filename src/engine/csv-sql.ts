/**
 * How a CSV becomes a table, in one place: the engine runs it in DuckDB-WASM, and the
 * benchmark runs the very same statements in native DuckDB as its baseline. Pure: the
 * caller passes a {@link SqlRunner}; no DuckDB, no DOM here.
 */
import { quoteIdent, quoteLiteral } from '../sql';
import {
  candidateType,
  checkedSelectSql,
  chooseExactType,
  exactCondition,
  maskFigures,
  parseInexactError,
  typeMaskSql,
  whyNotType,
  type CsvColumn,
} from './csv-types';

/** The longest line (a row, quoted newlines included) a CSV may have. */
export const MAX_LINE_BYTES = 24 * 1024 * 1024;
/** DuckDB reads CSV in buffers that must hold the longest line. */
const CSV_BUFFER_BYTES = 32 * 1024 * 1024;

/** The row id column's preferred name; another is taken when the CSV has a column of that name. */
export const DEFAULT_ROW_ID_COLUMN = '__row_id';

const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * The delimiter of a CSV, read from its header line (outside quotes), or undefined for a
 * single column. DuckDB's sniffer, when a file does not parse with any dialect it tries
 * (a ragged row, an unterminated quote), falls back to reading each line as one column,
 * silently; with the delimiter given, the same file fails with the line that is wrong.
 */
export function delimiterOfHeader(head: string): string | undefined {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const char of head.replace(/^\uFEFF/, '')) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && (DELIMITERS as readonly string[]).includes(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const candidate of DELIMITERS) if ((counts.get(candidate) ?? 0) > (best ? counts.get(best)! : 0)) best = candidate;
  return best;
}

export interface CsvReadOptions {
  delimiter: string | undefined;
  /** Whether the first row names the columns (DuckDB's `header`). */
  header: boolean;
  /** Read every column as text (the checked import converts them itself). */
  allVarchar?: boolean;
}

/**
 * `read_csv(…)` of `fileName` with the engine's options. RFC 4180 quoting is fixed rather
 * than sniffed: a sniffer that gives up on an unterminated quote would otherwise read the
 * file with no quoting at all, silently. A quoted empty field ("") is an empty string,
 * not NULL: it was written as a string.
 */
export function readCsvSource(fileName: string, options: CsvReadOptions): string {
  const settings =
    `header = ${options.header}, auto_detect = true, quote = '"', escape = '"', ` +
    (options.delimiter ? `delim = ${quoteLiteral(options.delimiter)}, ` : '') +
    (options.allVarchar ? 'all_varchar = true, ' : '') +
    `strict_mode = true, null_padding = false, allow_quoted_nulls = false, ` +
    `max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${CSV_BUFFER_BYTES}`;
  return `read_csv(${quoteLiteral(fileName)}, ${settings})`;
}

/** Runs SQL and answers rows as objects keyed by column name (BIGINTs may come as bigint). */
export interface SqlRunner {
  rows(sql: string): Promise<Record<string, unknown>[]>;
  run(sql: string): Promise<void>;
}

/**
 * A column name that none of `names` takes, compared as DuckDB compares identifiers
 * (case-insensitively): `preferred`, else `preferred_1`, `preferred_2`, …
 */
export function freeColumnName(names: readonly string[], preferred: string): string {
  const taken = new Set(names.map((n) => n.toLowerCase()));
  if (!taken.has(preferred.toLowerCase())) return preferred;
  for (let i = 1; ; i++) if (!taken.has(`${preferred}_${i}`.toLowerCase())) return `${preferred}_${i}`;
}

export interface CsvImportPlan {
  columns: CsvColumn[];
  rowIdColumn: string;
  /** Columns whose type is not the one DuckDB's sniffer proposed, and why. */
  notes: string[];
  /**
   * With `header`: the first row's names would also be valid values of their columns'
   * types (numbers, dates), so the file probably has no header row.
   */
  headerLooksLikeData: boolean;
}

/**
 * Creates `table` from the CSV `fileName` (registered with the engine): every value kept
 * exactly (see csv-types.ts), a row id column numbering the rows in file order. DuckDB's
 * errors are thrown as they are; the caller words them.
 */
export async function importCsvTable(sql: SqlRunner, fileName: string, table: string, options: Omit<CsvReadOptions, 'allVarchar'>): Promise<CsvImportPlan> {
  const typed = readCsvSource(fileName, options);
  const text = readCsvSource(fileName, { ...options, allVarchar: true });
  const sniffed = await sql.rows(`SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM ${typed})`);
  const names = sniffed.map((c) => String(c.name));
  const rowIdColumn = freeColumnName(names, DEFAULT_ROW_ID_COLUMN);
  let columns: CsvColumn[] = sniffed.map((c) => ({ name: String(c.name), type: candidateType(String(c.type)) }));
  const notes: string[] = [];
  const create = (cols: readonly CsvColumn[]) => sql.run(`CREATE OR REPLACE TABLE ${quoteIdent(table)} AS ${checkedSelectSql(text, cols, rowIdColumn)}`);
  try {
    await create(columns);
  } catch (error) {
    const inexact = parseInexactError(error instanceof Error ? error.message : String(error));
    if (!inexact) throw error;
    // A value late in the file would change under the sniffed type: find, in one pass,
    // the types that hold every value of every column, and read the file again with them.
    const [figures] = await sql.rows(typeMaskSql(text, names));
    const exact = columns.map((c, i) => ({ name: c.name, type: chooseExactType(maskFigures(figures ?? {}, i)) }));
    exact.forEach((c, i) => {
      const was = columns[i].type;
      if (c.type === was) return;
      const why = i === inexact.column ? `: row ${inexact.row.toLocaleString('en-US')} has ${whyNotType(was, inexact.value)}` : ` because some of its values would change as ${was}`;
      notes.push(`Column "${c.name}" is ${c.type === 'VARCHAR' ? 'text' : c.type}, not ${was}${why}.`);
    });
    columns = exact;
    await create(columns);
  }
  return { columns, rowIdColumn, notes, headerLooksLikeData: options.header ? await headerLooksLikeData(sql, columns) : false };
}

/** True when a header name would be a valid value of its column's (non-text) type. */
async function headerLooksLikeData(sql: SqlRunner, columns: readonly CsvColumn[]): Promise<boolean> {
  const typed = columns.filter((c) => c.type !== 'VARCHAR');
  if (typed.length === 0) return false;
  const checks = typed.map((c) => {
    const v = quoteLiteral(c.name);
    const x = `TRY_CAST(${v} AS ${c.type})`;
    return `(${x} IS NOT NULL AND ${exactCondition(c.type, v, x)})`;
  });
  const [row] = await sql.rows(`SELECT (${checks.join(' OR ')}) AS fits`);
  return row?.fits === true;
}

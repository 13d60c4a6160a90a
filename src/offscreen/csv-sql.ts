/**
 * The SQL that reads a CSV, in one place: the engine runs it, and the benchmark runs the
 * very same statement in native DuckDB as its baseline. Pure: no DuckDB, no DOM.
 */
import { quoteIdent, quoteLiteral } from '../sql';
import { ROW_ID_COLUMN } from './tables';

/** The longest line (a row, quoted newlines included) a CSV may have. */
export const MAX_LINE_BYTES = 24 * 1024 * 1024;
/** DuckDB reads CSV in buffers that must hold the longest line. */
const CSV_BUFFER_BYTES = 32 * 1024 * 1024;

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

/**
 * `read_csv(…)` of `fileName` with the engine's options. RFC 4180 quoting is fixed rather
 * than sniffed: a sniffer that gives up on an unterminated quote would otherwise read the
 * file with no quoting at all, silently. A quoted empty field ("") is an empty string,
 * not NULL: it was written as a string.
 */
export function readCsvSource(fileName: string, delimiter: string | undefined): string {
  const options =
    `header = true, auto_detect = true, quote = '"', escape = '"', ` +
    (delimiter ? `delim = ${quoteLiteral(delimiter)}, ` : '') +
    `strict_mode = true, null_padding = false, allow_quoted_nulls = false, ` +
    `max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${CSV_BUFFER_BYTES}`;
  return `read_csv(${quoteLiteral(fileName)}, ${options})`;
}

/**
 * Creates `table` from `source` with the row id. row_number() OVER () with no partition or
 * order runs as DuckDB's streaming window: it numbers rows as the single-threaded CSV scan
 * delivers them, i.e. in file order.
 */
export function createTableFromCsvSql(table: string, source: string): string {
  return `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS SELECT (row_number() OVER () - 1)::BIGINT AS ${quoteIdent(ROW_ID_COLUMN)}, * FROM ${source}`;
}

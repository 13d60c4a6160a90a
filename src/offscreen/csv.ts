/**
 * CSV → DuckDB table, read straight from a file staged in the extension's OPFS (so a
 * file of hundreds of MB never passes through JSON messaging or a JS string).
 */
import { DuckDBDataProtocol } from '@duckdb/duckdb-wasm';
import type { ColumnSchema } from '../protocol';
import { UserFacingError } from '../errors';
import { quoteIdent } from '../sql';
import type { DuckDBHost } from './duckdb';
import { ROW_ID_COLUMN, describeColumns, queryJson } from './tables';
import { createTableFromCsvSql, delimiterOfHeader, readCsvSource } from './csv-sql';

/** How much of the file is looked at to tell text from binary. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Creates (or replaces) `table` from the CSV in `handle`, with types detected by DuckDB
 * and a `__row_id` column numbering the rows in file order.
 */
export async function loadCsvIntoTable(duck: DuckDBHost, handle: FileSystemFileHandle, table: string): Promise<{ rowCount: number; schema: ColumnSchema[] }> {
  const file = await handle.getFile();
  await refuseNonText(file);
  const delimiter = delimiterOfHeader(await file.slice(0, SNIFF_BYTES).text());
  const registered = `staged-${crypto.randomUUID()}.csv`;
  let source = '';
  // DuckDB holds an exclusive lock on a registered OPFS file until dropFile: always drop.
  await duck.db.registerFileHandle(registered, handle, DuckDBDataProtocol.BROWSER_FSACCESS, true);
  try {
    source = readCsvSource(registered, delimiter);
    const columns = await queryJson(duck, `SELECT column_name FROM (DESCRIBE SELECT * FROM ${source})`);
    if (columns.rows.some(([name]) => name === ROW_ID_COLUMN)) {
      throw new UserFacingError('CsvError', `The CSV has a column named "${ROW_ID_COLUMN}", a name the inspector reserves for the row order. Rename that column and load it again.`);
    }
    await duck.conn.query(createTableFromCsvSql(table, source));
  } catch (error) {
    if (error instanceof UserFacingError) throw error;
    const problem = String(error).includes('automatically detect the CSV parsing dialect')
      ? await diagnoseInconsistentCsv(duck, file, source)
      : describeDuckDBError(error);
    throw new UserFacingError('CsvError', `The CSV could not be read: ${problem}`, { cause: error, explainsCause: true });
  } finally {
    await duck.db.dropFile(registered);
  }
  const { rows } = await queryJson(duck, `SELECT count(*)::BIGINT FROM ${quoteIdent(table)}`);
  return { rowCount: Number(rows[0]?.[0]), schema: await describeColumns(duck, table) };
}

/**
 * When no dialect fits the whole file, DuckDB says only that. Find what is wrong: a quote
 * that is never closed, or the first row with the wrong number of columns (DuckDB's
 * rejects table records it when asked to skip bad rows instead of failing).
 */
async function diagnoseInconsistentCsv(duck: DuckDBHost, file: File, source: string): Promise<string> {
  const openQuote = await findUnclosedQuote(file);
  if (openQuote !== undefined) return `line ${openQuote}: a quote opened here is never closed.`;
  try {
    await duck.conn.query(`SELECT count(*) FROM ${source.replace(/\)$/, ', store_rejects = true)')}`);
    const { rows } = await queryJson(duck, 'SELECT line, error_message FROM reject_errors ORDER BY line LIMIT 1');
    if (rows[0]) return `line ${String(rows[0][0])}: ${String(rows[0][1])}.`;
  } catch (error) {
    console.warn('could not locate the bad row', error);
  }
  return 'its rows do not split into the same columns with any delimiter DuckDB tried.';
}

/** The line on which a quote opens that is never closed, reading the file as a stream. */
export async function findUnclosedQuote(file: Blob): Promise<number | undefined> {
  let line = 1;
  let quoted = false;
  let openedOn = 0;
  const reader = file.stream().pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const char of value) {
      if (char === '"') {
        quoted = !quoted;
        if (quoted) openedOn = line;
      } else if (char === '\n') line += 1;
    }
  }
  return quoted ? openedOn : undefined;
}

/** Empty and binary files get a plain answer before DuckDB tries its sniffer on them. */
async function refuseNonText(file: File): Promise<void> {
  if (file.size === 0) throw new UserFacingError('CsvError', 'The file is empty: there is nothing to snapshot.');
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  // No text encoding we read puts NUL bytes in text; zip, Parquet, images and the like all have them.
  if (head.includes(0)) throw new UserFacingError('CsvError', 'This file is binary, not CSV text (it contains NUL bytes). Choose a .csv file.');
}

/**
 * DuckDB's CSV errors are precise but long ("CSV Error on Line: 3", the problem, then
 * the original line, the options and possible fixes): keep the line number and the problem.
 */
export function describeDuckDBError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n\n')[0]!
    .split('\n')
    .map((line) => line.replace(/^(Invalid Input|Conversion|Binder|Parser|Catalog|IO) Error: /, '').trim())
    // The offending line itself can be megabytes of user data: the line number is enough.
    .filter((line) => line && !line.startsWith('Original Line:'));
  const text = lines.slice(0, 2).join(': ').replace(/^CSV Error on Line: (\d+): /, 'line $1: ');
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}

/**
 * CSV → DuckDB table, read straight from a file staged in the extension's OPFS (so a
 * file of hundreds of MB never passes through JSON messaging or a JS string).
 */
import { DuckDBDataProtocol } from '@duckdb/duckdb-wasm';
import type { ColumnSchema } from '../protocol';
import { UserFacingError } from '../errors';
import { quoteIdent, quoteLiteral } from '../sql';
import type { DuckDBHost } from './duckdb';
import { ROW_ID_COLUMN, describeColumns, queryJson } from './tables';

/**
 * Creates (or replaces) `table` from the CSV in `handle`, with types detected by DuckDB
 * and a `__row_id` column numbering the rows in file order.
 */
export async function loadCsvIntoTable(duck: DuckDBHost, handle: FileSystemFileHandle, table: string): Promise<{ rowCount: number; schema: ColumnSchema[] }> {
  const registered = `staged-${crypto.randomUUID()}.csv`;
  // DuckDB holds an exclusive lock on a registered OPFS file until dropFile: always drop.
  await duck.db.registerFileHandle(registered, handle, DuckDBDataProtocol.BROWSER_FSACCESS, true);
  try {
    // row_number() OVER () with no partition or order runs as DuckDB's streaming window:
    // it numbers rows as the single-threaded CSV scan delivers them, i.e. in file order.
    await duck.conn.query(
      `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS ` +
        `SELECT (row_number() OVER () - 1)::BIGINT AS ${quoteIdent(ROW_ID_COLUMN)}, * ` +
        `FROM read_csv(${quoteLiteral(registered)}, header = true, auto_detect = true)`,
    );
  } catch (error) {
    throw new UserFacingError('CsvError', `The CSV could not be read: ${describeDuckDBError(error)}`, { cause: error });
  } finally {
    await duck.db.dropFile(registered);
  }
  const { rows } = await queryJson(duck, `SELECT count(*)::BIGINT FROM ${quoteIdent(table)}`);
  return { rowCount: Number(rows[0]?.[0]), schema: await describeColumns(duck, table) };
}

/** DuckDB's messages are precise but long; keep the first paragraph, which says what is wrong. */
function describeDuckDBError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n\n')[0]!.trim();
}

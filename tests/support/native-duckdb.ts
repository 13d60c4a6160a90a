/**
 * Native DuckDB (@duckdb/node-api), one thread, no extension downloads: the independent
 * Parquet reader of the tests (it shares no code with parquet-wasm, the extension's
 * encoder), the fixture writer of the demo, and the baseline of the benchmark.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface NativeDuckDB {
  conn: DuckDBConnection;
  close(): void;
}

export async function nativeDuckDB(): Promise<NativeDuckDB> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await instance.connect();
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs SQL and returns rows as JSON-friendly objects (BIGINT and friends as strings). */
export async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson();
}

/** SQL string literal for native DuckDB (file paths). */
export function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * How two relations differ as multisets of rows (EXCEPT ALL both ways): rows of `read` not
 * in `source` (`extra`), rows of `source` not in `read` (`missing`), and `read`'s row count.
 * Equal means { extra: 0, missing: 0 } with the count expected.
 */
export async function compareRows(conn: DuckDBConnection, read: string, source: string): Promise<{ extra: number; missing: number; n: number }> {
  const [diff] = await rows(
    conn,
    `SELECT (SELECT count(*) FROM (SELECT * FROM ${read} EXCEPT ALL SELECT * FROM ${source})) AS extra,
      (SELECT count(*) FROM (SELECT * FROM ${source} EXCEPT ALL SELECT * FROM ${read})) AS missing, (SELECT count(*) FROM ${read}) AS n`,
  );
  return { extra: Number(diff.extra), missing: Number(diff.missing), n: Number(diff.n) };
}

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

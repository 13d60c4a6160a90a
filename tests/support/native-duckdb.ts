/**
 * Native DuckDB (@duckdb/node-api) as an independent reader of what the extension wrote:
 * its Parquet reader shares no code with parquet-wasm, the extension's encoder.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export async function nativeDuckDB(): Promise<{ conn: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
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
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** SQL string literal for native DuckDB (paths in tests). */
export function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Real Parquet bytes for tests and the demo, written by native DuckDB (@duckdb/node-api)
 * at run time, so no binary fixture is ever committed.
 */
import { readFile } from 'node:fs/promises';
import { lit, nativeDuckDB, rows } from './native-duckdb';

/** A native DuckDB that writes Parquet files. Close it when done. */
export interface ParquetWriter {
  /** Writes the rows of `selectSql` to `path` as ZSTD Parquet and returns the file's bytes. */
  write(path: string, selectSql: string, options?: { rowGroupSize?: number }): Promise<Uint8Array<ArrayBuffer>>;
  /** Runs a query and returns its rows as JSON-friendly objects (BIGINT as strings). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** Starts an in-memory native DuckDB (one thread; no extension downloads). */
export async function createParquetWriter(): Promise<ParquetWriter> {
  const { conn: connection, close } = await nativeDuckDB();
  return {
    async write(path, selectSql, options = {}) {
      const rowGroup = options.rowGroupSize ? `, ROW_GROUP_SIZE ${Math.floor(options.rowGroupSize)}` : '';
      await connection.run(`COPY (${selectSql}) TO ${lit(path)} (FORMAT PARQUET, COMPRESSION ZSTD${rowGroup})`);
      const buffer = await readFile(path);
      return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
    },
    rows: (sql) => rows(connection, sql),
    close,
  };
}

/** `count` order rows with ids `first..first+count-1`: a few column types, deterministic. */
export function ordersSql(first: number, count: number): string {
  return `SELECT range AS order_id,
    (range % 97)::INTEGER AS customer_id,
    round((range * 37 % 10000) / 100.0, 2)::DOUBLE AS amount,
    DATE '2026-01-01' + (range % 31)::INTEGER AS order_date,
    CASE WHEN range % 7 = 0 THEN NULL ELSE range % 2 = 0 END AS paid
  FROM range(${Math.floor(first)}, ${Math.floor(first + count)})`;
}

/** `count` customer rows. */
export function customersSql(count: number): string {
  return `SELECT range AS customer_id, 'Customer ' || range AS name, ['de', 'fr', 'nl', 'pl'][range % 4 + 1] AS country
  FROM range(${Math.floor(count)})`;
}

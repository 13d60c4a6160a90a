/**
 * Baselines in native DuckDB (@duckdb/node-api), one thread, run on the same files and
 * rows as the extension: what the same work costs without WebAssembly or a browser.
 */
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { lit, nativeDuckDB, rows as queryRows } from '../tests/support/native-duckdb';
import { delimiterOfHeader, importCsvTable, type SqlRunner } from '../src/engine/csv-sql';
import { typedTableSql } from './data';
import { checksumSql } from '../src/engine/checksum';

export interface NativeDuckDB {
  version: string;
  /** Runs one statement; returns its wall time in ms. */
  timed(sql: string): Promise<number>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export { lit };

export async function openNative(): Promise<NativeDuckDB> {
  const { conn, close } = await nativeDuckDB();
  await conn.run('SET preserve_insertion_order = true');
  const rows = (sql: string) => queryRows(conn, sql);
  const [version] = await rows('SELECT version() AS v');
  return {
    version: String(version?.v),
    async timed(sql) {
      const started = performance.now();
      await conn.run(sql);
      return performance.now() - started;
    },
    rows,
    close,
  };
}

/** Runs the extension's CSV import (src/engine/csv-sql.ts: the same statements) on `path`. */
export async function extensionCsvImport(native: NativeDuckDB, path: string, table: string): Promise<void> {
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'r');
  const length = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const runner: SqlRunner = { rows: (sql) => native.rows(sql), run: async (sql) => void (await native.timed(sql)) };
  await importCsvTable(runner, path, table, { delimiter: delimiterOfHeader(head.subarray(0, length).toString('utf8')), header: true });
}

/** Loads the CSV like the extension does (timed, with the row count it also runs). */
export async function nativeLoadCsv(native: NativeDuckDB, path: string, table: string): Promise<number> {
  const started = performance.now();
  await extensionCsvImport(native, path, table);
  await native.rows(`SELECT count(*)::BIGINT AS n FROM ${table}`);
  return performance.now() - started;
}

/**
 * The import as it was before exact typing: DuckDB's sampled types (values past its sample
 * converted without a check), with row numbering. The difference to {@link nativeLoadCsv}
 * is what keeping every value exactly costs.
 */
export async function nativeSampledCsv(native: NativeDuckDB, path: string, table: string): Promise<number> {
  return native.timed(`CREATE OR REPLACE TABLE ${table} AS SELECT (row_number() OVER () - 1)::BIGINT AS "__row_id", * FROM read_csv(${lit(path)}, header = true, auto_detect = true)`);
}

/** Just reading the CSV into a table: DuckDB's own CSV speed, without the row numbering. */
export async function nativePlainCsv(native: NativeDuckDB, path: string, table: string): Promise<number> {
  return native.timed(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_csv(${lit(path)}, header = true, auto_detect = true)`);
}

/** Loads `csvPath` and casts it to the benchmark's typed table (not timed). */
export async function nativeTypedTable(native: NativeDuckDB, csvPath: string, table: string): Promise<void> {
  await extensionCsvImport(native, csvPath, `${table}_csv`);
  await native.timed(typedTableSql(`${table}_csv`, table));
  await native.timed(`DROP TABLE ${table}_csv`);
}

/** `COPY … TO '…parquet' (ZSTD, row groups of 100,000)` of the rows the exporter writes. */
export async function nativeCopyToParquet(native: NativeDuckDB, table: string, path: string, rowGroupSize: number): Promise<number> {
  rmSync(path, { force: true });
  return native.timed(
    `COPY (SELECT * EXCLUDE ("__row_id") FROM ${table}) TO ${lit(path)} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE ${rowGroupSize})`,
  );
}

/** What restore does (read the Parquet back, number the rows, checksum), natively. */
export async function nativeRestore(native: NativeDuckDB, parquetPath: string, table: string): Promise<number> {
  const started = performance.now();
  await native.timed(`CREATE OR REPLACE TABLE ${table} AS SELECT (row_number() OVER () - 1)::BIGINT AS "__row_id", * FROM read_parquet(${lit(parquetPath)})`);
  const columns = (await native.rows(`SELECT column_name AS name, column_type AS type FROM (DESCRIBE ${table})`)).map((c) => ({ name: String(c.name), type: String(c.type) })).filter((c) => c.name !== '__row_id');
  await native.rows(checksumSql(table, '__row_id', columns));
  return performance.now() - started;
}

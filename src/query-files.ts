/** Which files open in the Query view, and the tables they become (shared by the panel and the engine). */

/** The formats a file can be opened in Query as, told by its name (the engine then checks its bytes). */
export type QueryFileFormat = 'parquet' | 'csv' | 'json';

export function queryFileFormat(name: string): QueryFileFormat | null {
  const extension = /\.([^./]+)$/.exec(name.toLowerCase())?.[1] ?? '';
  if (extension === 'parquet' || extension === 'parq') return 'parquet';
  if (extension === 'csv' || extension === 'tsv') return 'csv';
  if (extension === 'json' || extension === 'jsonl' || extension === 'ndjson') return 'json';
  return null;
}

/** A file's name without its extension: the name of the table it becomes. */
export function tableStem(name: string): string {
  return name.replace(/\.[^.]+$/, '') || name;
}

/** DuckDB's own schemas: a database file named after one (`main.duckdb`) must not have its tables copied into it. */
const DUCKDB_SCHEMAS = new Set(['main', 'temp', 'information_schema', 'pg_catalog']);

/**
 * The schema a database file's tables are copied into: its stem, or `<stem>_db` where the
 * stem names one of DuckDB's own schemas (identifiers are case-insensitive): the tables of
 * a `main.duckdb` would otherwise replace the snapshots' tables in `main`.
 */
export function databaseSchemaFor(stem: string): string {
  return DUCKDB_SCHEMAS.has(stem.toLowerCase()) ? `${stem}_db` : stem;
}

/** The table named `base`, unless a committed snapshot has that id (whose table it would hide): then `<base>_file`. */
export function tableNameFor(base: string, snapshotIds: readonly string[]): string {
  return snapshotIds.some((id) => id.toLowerCase() === base.toLowerCase()) ? `${base}_file` : base;
}

/** The table a file becomes: its name without the extension, unless a snapshot has that id. */
export function tableNameForFile(name: string, snapshotIds: readonly string[]): string {
  return tableNameFor(tableStem(name), snapshotIds);
}

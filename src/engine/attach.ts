/**
 * A DuckDB database file, read without trusting or changing it: registered with DuckDB-WASM,
 * attached READ_ONLY under a name of its own, its tables listed with row counts and columns,
 * then detached and dropped (DuckDB holds a registered OPFS file until `dropFile`).
 */
import { DuckDBDataProtocol } from '@duckdb/duckdb-wasm';
import type { DatabaseContents } from '../protocol';
import { UserFacingError } from '../errors';
import { quoteIdent, quoteLiteral } from '../sql';
import type { DuckConnection } from './duck-query';
import { parseDuckDBError } from './duckdb-errors';
import { queryJson } from './tables';

/** Runs `work` with the database file `handle` attached READ_ONLY as `alias`; detaches and drops it after. */
async function withAttached<T>(duck: DuckConnection, handle: FileSystemFileHandle, work: (alias: string) => Promise<T>): Promise<T> {
  const id = crypto.randomUUID().replaceAll('-', '');
  const registered = `attached-${id}.duckdb`;
  const alias = `copy_${id}`;
  await duck.db.registerFileHandle(registered, handle, DuckDBDataProtocol.BROWSER_FSACCESS, true);
  try {
    try {
      await duck.conn.query(`ATTACH ${quoteLiteral(registered)} AS ${quoteIdent(alias)} (READ_ONLY)`);
    } catch (error) {
      const { type, message } = parseDuckDBError(error instanceof Error ? error.message : String(error));
      throw new UserFacingError('DatabaseError', `DuckDB could not open the copy: ${type ? `${type} Error: ` : ''}${message}`, { cause: error, explainsCause: true });
    }
    try {
      return await work(alias);
    } finally {
      await duck.conn.query(`DETACH ${quoteIdent(alias)}`);
    }
  } finally {
    await duck.db.dropFile(registered);
  }
}

/** The tables of the database file `handle`: names, row counts, columns. */
export function describeDuckdbFile(duck: DuckConnection, handle: FileSystemFileHandle): Promise<DatabaseContents> {
  return withAttached(duck, handle, async (alias) => {
    const { rows: tables } = await queryJson(duck, `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ${quoteLiteral(alias)} ORDER BY schema_name, table_name`);
    const { rows: columns } = await queryJson(
      duck,
      `SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = ${quoteLiteral(alias)} ORDER BY schema_name, table_name, column_index`,
    );
    const described: DatabaseContents['tables'] = [];
    for (const [schema, table] of tables.map((row) => row.map(String))) {
      const { rows } = await queryJson(duck, `SELECT count(*)::BIGINT FROM ${quoteIdent(alias)}.${quoteIdent(schema)}.${quoteIdent(table)}`);
      described.push({
        name: schema === 'main' ? table : `${schema}.${table}`,
        rows: Number(rows[0]?.[0] ?? 0),
        columns: columns.filter((c) => c[0] === schema && c[1] === table).map((c) => ({ name: String(c[2]), type: String(c[3]) })),
      });
    }
    const { rows: version } = await queryJson(duck, 'SELECT version()');
    return { readBy: `DuckDB ${String(version[0]?.[0] ?? '')}`.trim(), tables: described, note: 'the database file as it is on disk: what its .wal holds since the last checkpoint is not included' };
  });
}

/**
 * Copies every table of the database file `handle` into the engine's memory, in the schema
 * `schema` (replacing tables of the same names there): the file itself is attached only
 * while it is read, so the console never holds it. Answers the tables copied, with their rows.
 */
export function copyDuckdbFileIntoSchema(duck: DuckConnection, handle: FileSystemFileHandle, schema: string): Promise<{ schema: string; tables: { name: string; rows: number }[] }> {
  return withAttached(duck, handle, async (alias) => {
    const { rows } = await queryJson(duck, `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ${quoteLiteral(alias)} ORDER BY schema_name, table_name`);
    await duck.conn.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const tables: { name: string; rows: number }[] = [];
    for (const [from, table] of rows.map((row) => row.map(String))) {
      // Tables of another schema of the file keep it in their name: schema_table.
      const name = from === 'main' ? table : `${from}_${table}`;
      await duck.conn.query(`CREATE OR REPLACE TABLE ${quoteIdent(schema)}.${quoteIdent(name)} AS SELECT * FROM ${quoteIdent(alias)}.${quoteIdent(from)}.${quoteIdent(table)}`);
      const { rows: count } = await queryJson(duck, `SELECT count(*)::BIGINT FROM ${quoteIdent(schema)}.${quoteIdent(name)}`);
      tables.push({ name, rows: Number(count[0]?.[0] ?? 0) });
    }
    return { schema, tables };
  });
}

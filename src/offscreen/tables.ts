/**
 * Facts about DuckDB tables that snapshots record: schema, row count, checksum.
 */
import type { ColumnSchema, JsonValue } from '../protocol';
import { quoteIdent, quoteLiteral } from '../sql';
import type { DuckDBHost } from './duckdb';

/** The stable row identity every loaded or restored table carries: BIGINT, 0..n-1 in file order. */
export const ROW_ID_COLUMN = '__row_id';

/** Runs a query and returns its rows as plain JSON values (BigInt → number when safe, else string). */
export async function queryJson(duck: DuckDBHost, sql: string, limit = Number.POSITIVE_INFINITY): Promise<{ columns: string[]; rows: JsonValue[][] }> {
  const result = await duck.conn.query(sql);
  const columns = result.schema.fields.map((f) => f.name);
  const rows: JsonValue[][] = [];
  const count = Math.min(result.numRows, limit);
  for (let i = 0; i < count; i++) {
    const row = result.get(i);
    rows.push(columns.map((c) => toJson(row?.[c])));
  }
  return { columns, rows };
}

function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') return toJson(value.toJSON());
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return String(value);
}

/** The user's columns of `table` (without {@link ROW_ID_COLUMN}), as DuckDB types them. */
export async function describeColumns(duck: DuckDBHost, table: string): Promise<ColumnSchema[]> {
  const { rows } = await queryJson(duck, `DESCRIBE ${quoteIdent(table)}`);
  return rows
    .map(([name, type]) => ({ name: String(name), type: String(type) }))
    .filter((c) => c.name !== ROW_ID_COLUMN);
}

export async function tableExists(duck: DuckDBHost, table: string): Promise<boolean> {
  const { rows } = await queryJson(
    duck,
    `SELECT count(*) FROM duckdb_tables() WHERE schema_name = current_schema() AND table_name = ${quoteLiteral(table)}`,
  );
  return Number(rows[0]?.[0]) > 0;
}

/**
 * Row count and an order-sensitive content checksum: the sum of DuckDB's `hash()` of each
 * whole row, row id included (so moving a row changes it). Computed the same way on the
 * source table at export and on the restored table, it shows that every value came back.
 */
export async function tableChecksum(duck: DuckDBHost, table: string): Promise<{ rowCount: number; checksum: string }> {
  const { rows } = await queryJson(
    duck,
    `SELECT count(*)::BIGINT AS n, coalesce(sum(hash(t)), 0)::VARCHAR AS checksum FROM ${quoteIdent(table)} AS t`,
  );
  const [n, checksum] = rows[0] ?? [];
  return { rowCount: Number(n), checksum: String(checksum) };
}

/**
 * What the engine asks of a DuckDB-WASM instance, free of how it was started: the
 * extension's own (src/engine/duckdb.ts) or an app's, handed to the library (lib/).
 */
import type { AsyncDuckDB, AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { arrowIpcFileToStream } from './arrow-ipc';

export interface DuckConnection {
  db: AsyncDuckDB;
  /** One connection, used by one operation at a time. */
  conn: AsyncDuckDBConnection;
}

/** DuckDB's memory: its limit and what its buffers hold now (tables, hash tables, caches). */
export async function engineMemory(duck: DuckConnection): Promise<{ limitBytes: number; usedBytes: number }> {
  const result = await duck.conn.query(
    "SELECT current_setting('memory_limit') AS limit_text, (SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory())::DOUBLE AS used",
  );
  const row = result.toArray()[0] as { limit_text: string; used: number } | undefined;
  return { limitBytes: parseByteSize(String(row?.limit_text)), usedBytes: Number(row?.used ?? 0) };
}

const SIZE_UNITS: Record<string, number> = { B: 1, BYTES: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };

/** DuckDB's size text ('3.1 GiB', '64.0 MiB', '1000 bytes') in bytes. */
export function parseByteSize(text: string): number {
  const match = /^\s*([\d.]+)\s*([A-Za-z]+)\s*$/.exec(text);
  const unit = match ? SIZE_UNITS[match[2].toUpperCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`Not a size DuckDB writes: "${text}"`);
  return Math.round(Number(match[1]) * unit);
}

/** Runs SQL and returns the raw Arrow IPC stream, without materialising a JS Arrow table. */
export async function queryArrowIPC(duck: DuckConnection, sql: string): Promise<Uint8Array> {
  const file = await duck.conn.useUnsafe((db, connId) => db.runQuery(connId, sql));
  return arrowIpcFileToStream(file);
}

/**
 * DuckDB-WASM, hosted by the offscreen document: started once, lazily, from the
 * extension's own files (no CDN: MV3 forbids remote code).
 */
import { AsyncDuckDB, ConsoleLogger, LogLevel } from '@duckdb/duckdb-wasm';
import duckdbWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import duckdbWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import { UserFacingError, withTimeout } from '../errors';
import { quoteIdent, quoteLiteral } from '../sql';
import { engineMemory, type DuckConnection } from './duck-query';
import type { EngineStatus, EngineTable } from '../protocol';

/** Without `'wasm-unsafe-eval'` in the CSP, instantiate() never settles: never wait forever. */
const STARTUP_TIMEOUT_MS = 45_000;

export interface DuckDBHost extends DuckConnection {
  worker: Worker;
  version: string;
  /** When this instance started (a new one after each recycle). */
  startedAt: string;
  /** DuckDB's own memory limit, as it started with it (`RESET memory_limit` does not bring it back). */
  defaultMemoryLimit: string;
}

let host: Promise<DuckDBHost> | undefined;
/** The memory limit the user set (`null`: DuckDB's default); reapplied to every new instance. */
let memoryLimitBytes: number | null = null;

/** The DuckDB instance, started on first use. A failed start is retried on the next call. */
export function getDuckDB(): Promise<DuckDBHost> {
  host ??= startDuckDB().catch((error: unknown) => {
    host = undefined;
    throw error;
  });
  return host;
}

async function startDuckDB(): Promise<DuckDBHost> {
  const worker = new Worker(duckdbWorkerUrl);
  let workerError: string | undefined;
  worker.addEventListener('error', (event) => {
    workerError = event.message || 'the DuckDB worker failed to load';
  });
  const db = new AsyncDuckDB(new ConsoleLogger(LogLevel.WARNING), worker);
  try {
    // A missing or unreadable wasm file makes instantiate() wait forever rather than fail.
    const wasm = await fetch(duckdbWasmUrl, { method: 'HEAD' }).catch((error: unknown) => new Error(String(error)));
    if (wasm instanceof Error || !wasm.ok) {
      workerError = `its WebAssembly file ${duckdbWasmUrl} is missing from the extension`;
      throw new Error(workerError, { cause: wasm instanceof Error ? wasm : undefined });
    }
    await withTimeout(db.instantiate(duckdbWasmUrl), STARTUP_TIMEOUT_MS, 'DuckDB-WASM did not start in time.');
    // Parquet and other extensions would be downloaded at first use; an extension may not
    // load remote code, and without the network a missing extension crashes the engine.
    // Refusing autoload turns such a query into a clean Catalog Error instead.
    await db.open({ query: { castBigIntToDouble: false } });
    const conn = await db.connect();
    await conn.query('SET autoinstall_known_extensions = false');
    await conn.query('SET autoload_known_extensions = false');
    await conn.query('SET preserve_insertion_order = true');
    const defaultMemoryLimit = String((await conn.query("SELECT current_setting('memory_limit') AS v")).toArray()[0]?.v);
    if (memoryLimitBytes !== null) await conn.query(memoryLimitSql(memoryLimitBytes));
    const version = await db.getVersion();
    return { db, conn, worker, version, startedAt: new Date().toISOString(), defaultMemoryLimit };
  } catch (error) {
    worker.terminate();
    throw new UserFacingError(
      'DuckDBStartError',
      `The database engine (DuckDB-WASM) could not start${workerError ? `: ${workerError}` : ''}. Reinstalling the extension restores its files.`,
      { cause: error },
    );
  }
}

/** What the engine holds now, without starting it. */
export async function engineStatus(): Promise<EngineStatus> {
  const current = host && (await host.catch(() => undefined));
  if (!current) return { running: false, duckdbVersion: null, startedAt: null, memory: null, tables: [] };
  return { running: true, duckdbVersion: current.version, startedAt: current.startedAt, memory: await engineMemory(current), tables: await userTables(current) };
}

/** Stops the engine (its memory never shrinks otherwise); the next call starts a new one. */
export async function resetDuckDB(): Promise<void> {
  const current = host;
  host = undefined;
  if (!current) return;
  const started = await current.catch(() => undefined);
  if (started) await started.db.terminate();
}

let queue: Promise<unknown> = Promise.resolve();
let queued = 0;

/**
 * Runs operations one after another. DuckDB-WASM has one thread here and exports hold
 * the single connection across many statements; a second export waits its turn.
 */
export function runExclusive<T>(operation: () => Promise<T>): Promise<T> {
  queued += 1;
  cancelRecycle();
  const result = queue.then(operation, operation).finally(() => {
    queued -= 1;
    if (queued === 0) scheduleRecycle();
  });
  queue = result.catch(() => undefined);
  return result;
}

/**
 * WebAssembly memory never shrinks: after a big import or restore the worker keeps its
 * peak (PLATFORM-NOTES). When the engine has been idle this long and holds no table
 * anybody kept, it is stopped; the next request starts a fresh one (about 2 s).
 */
export const RECYCLE_IDLE_MS = 15_000;
let recycleTimer: ReturnType<typeof setTimeout> | undefined;

function cancelRecycle(): void {
  if (recycleTimer !== undefined) clearTimeout(recycleTimer);
  recycleTimer = undefined;
}

function scheduleRecycle(): void {
  cancelRecycle();
  if (!host) return;
  recycleTimer = setTimeout(() => {
    recycleTimer = undefined;
    void runExclusive(async () => {
      const current = host && (await host.catch(() => undefined));
      // Any table keeps it, the console's last result too (the user may still download it).
      if (!current || Number((await current.conn.query('SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE NOT internal')).toArray()[0]?.n) > 0) return;
      await resetDuckDB();
    }).catch((error: unknown) => console.warn('could not recycle the engine', error));
  }, RECYCLE_IDLE_MS);
}


/** Tables of the engine's database, without DuckDB's internal ones. */
export async function userTables(duck: DuckDBHost): Promise<EngineTable[]> {
  const listed = (await duck.conn.query(
    // The console's result and diff (temporary, `__console_…`) are the console's working state, not tables anybody kept.
    "SELECT database_name AS db, schema_name AS schema, table_name AS name, column_count AS columns FROM duckdb_tables() WHERE NOT internal AND NOT (temporary AND starts_with(table_name, '__console_')) ORDER BY schema_name <> 'main', schema_name, table_name",
  )).toArray() as { db: string; schema: string; name: string; columns: unknown }[];
  if (listed.length === 0) return [];
  // Counted, not duckdb_tables()' estimated_size: after an UPDATE that counts each changed row twice.
  const counted = (await duck.conn.query(
    listed.map((t, i) => `SELECT ${i} AS i, count(*)::BIGINT AS n FROM ${quoteIdent(t.db)}.${quoteIdent(t.schema)}.${quoteIdent(t.name)}`).join(' UNION ALL '),
  )).toArray() as { i: number; n: bigint }[];
  const rows = new Map(counted.map((c) => [Number(c.i), Number(c.n)]));
  return listed.map((t, i) => ({ name: t.name, rows: rows.get(i) ?? 0, columns: Number(t.columns), ...(t.schema === 'main' ? {} : { schema: t.schema }) }));
}

/** Sets DuckDB's memory limit, for this instance and every later one; `null` restores the default. */
export async function setMemoryLimit(bytes: number | null): Promise<void> {
  memoryLimitBytes = bytes;
  const current = host && (await host.catch(() => undefined));
  if (!current) return;
  await current.conn.query(bytes === null ? `SET memory_limit = ${quoteLiteral(current.defaultMemoryLimit)}` : memoryLimitSql(bytes));
}

function memoryLimitSql(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 16 * 1024 * 1024) throw new UserFacingError('InvalidOptionError', 'The engine needs a memory limit of at least 16 MiB.');
  return `SET memory_limit = '${Math.floor(bytes / 1024)}KiB'`;
}

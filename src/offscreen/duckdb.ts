/**
 * DuckDB-WASM, hosted by the offscreen document: started once, lazily, from the
 * extension's own files (no CDN: MV3 forbids remote code).
 */
import { AsyncDuckDB, ConsoleLogger, LogLevel, type AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import duckdbWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import duckdbWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import { UserFacingError, withTimeout } from '../errors';
import { arrowIpcFileToStream } from './arrow-ipc';

/** Without `'wasm-unsafe-eval'` in the CSP, instantiate() never settles: never wait forever. */
const STARTUP_TIMEOUT_MS = 45_000;

export interface DuckDBHost {
  db: AsyncDuckDB;
  /** One connection, used by one operation at a time (see {@link runExclusive}). */
  conn: AsyncDuckDBConnection;
  worker: Worker;
  version: string;
}

let host: Promise<DuckDBHost> | undefined;

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
    const version = await db.getVersion();
    return { db, conn, worker, version };
  } catch (error) {
    worker.terminate();
    throw new UserFacingError(
      'DuckDBStartError',
      `The database engine (DuckDB-WASM) could not start${workerError ? `: ${workerError}` : ''}. Reinstalling the extension restores its files.`,
      { cause: error },
    );
  }
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

/**
 * Runs operations one after another. DuckDB-WASM has one thread here and exports hold
 * the single connection across many statements; a second export waits its turn.
 */
export function runExclusive<T>(operation: () => Promise<T>): Promise<T> {
  const result = queue.then(operation, operation);
  queue = result.catch(() => undefined);
  return result;
}

/** Runs SQL and returns the raw Arrow IPC stream, without materialising a JS Arrow table. */
export async function queryArrowIPC(duck: DuckDBHost, sql: string): Promise<Uint8Array> {
  const file = await duck.conn.useUnsafe((db, connId) => db.runQuery(connId, sql));
  return arrowIpcFileToStream(file);
}

// The demo app's own snapshots, saved the right way: its DuckDB-WASM table exported with the
// exporter library (lib/index.ts, imported by its package name as an app would), each part
// read back and checked, the manifest last. Plain JS; scripts/serve-demo.ts bundles it with
// Vite (DuckDB-WASM's worker and both wasm files are emitted beside it) as bundle/save-snapshot.js.
import * as duckdb from '@duckdb/duckdb-wasm';
import duckdbWasm from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import duckdbWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import { exportTableToParquet, verifySnapshot } from 'opfs-snapshot-inspector';
import { tasksSql } from './tasks.js';

/** Where the library writes: beside the demo's other snapshots, in a folder of its own. */
const LIBRARY_FOLDER = 'cleanslate/saved';

/** @type {Promise<{ db: duckdb.AsyncDuckDB, conn: duckdb.AsyncDuckDBConnection }> | undefined} */
let started;

function startDuckDB() {
  started ??= (async () => {
    const db = new duckdb.AsyncDuckDB(new duckdb.ConsoleLogger(duckdb.LogLevel.WARNING), new Worker(duckdbWorker));
    await db.instantiate(duckdbWasm);
    return { db, conn: await db.connect() };
  })();
  return started;
}

/**
 * Makes the app's `tasks` table (see tasks.js) and saves it as a snapshot with the library;
 * then verifies it. Resolves to the manifest.
 * @param {{ rows?: number, rowsPerPart?: number, snapshotId?: string, onProgress?: (p: unknown) => void }} [options]
 */
export async function saveSnapshot({ rows = 1200, rowsPerPart = 500, snapshotId, onProgress } = {}) {
  onProgress?.({ phase: 'starting DuckDB' });
  const { db, conn } = await startDuckDB();
  onProgress?.({ phase: 'making the table' });
  await conn.query(`CREATE OR REPLACE TABLE tasks AS ${tasksSql(rows)}`);
  const root = await navigator.storage.getDirectory();
  let dir = root;
  for (const segment of LIBRARY_FOLDER.split('/')) dir = await dir.getDirectoryHandle(segment, { create: true });
  const store = { db, conn, dir };
  const manifest = await exportTableToParquet(store, 'tasks', { snapshotId, rowsPerPart, rowIdColumn: 'id', sourceName: 'tasks', onProgress });
  const verified = await verifySnapshot(store, manifest.snapshotId);
  if (!verified.ok) throw new Error(`The saved snapshot did not verify: ${verified.problems.join('; ')}`);
  return manifest;
}

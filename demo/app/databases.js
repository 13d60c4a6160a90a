// The demo app's databases, as data apps keep them in OPFS beside their snapshots:
// - a DuckDB-WASM database opened at `opfs://cleanslate-app.duckdb`, kept open while the page
//   runs (DuckDB holds it and its `.wal` with sync access handles);
// - a SQLite database written by a real SQLite (sqlite-wasm, in memory, its bytes exported)
//   at cleanslate/db/notes.sqlite3;
// - sqlite-wasm's `opfs-sahpool` VFS in a worker (sahpool-worker.js), whose slot files have
//   opaque names and hold `/tasks.sqlite3`, kept open like an app's.
// Bundled by scripts/serve-demo.ts with Vite (bundle/databases.js).
import * as duckdb from '@duckdb/duckdb-wasm';
import duckdbWasm from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import duckdbWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';

/** At the root: DuckDB-WASM opens `opfs://` paths there. */
export const DUCKDB_PATH = 'cleanslate-app.duckdb';
export const SQLITE_PATH = 'cleanslate/db/notes.sqlite3';
export const SAHPOOL_DIRECTORY = '.cleanslate-sahpool';

/** @type {{ db: duckdb.AsyncDuckDB, conn: duckdb.AsyncDuckDBConnection } | undefined} */
let app;

/** Opens the app's DuckDB database in OPFS (made on first use) and keeps it open. Resolves to its row count and DuckDB's own idea of its size. */
export async function openAppDatabase() {
  if (!app) {
    const db = new duckdb.AsyncDuckDB(new duckdb.ConsoleLogger(duckdb.LogLevel.WARNING), new Worker(duckdbWorker));
    await db.instantiate(duckdbWasm);
    await db.open({ path: `opfs://${DUCKDB_PATH}`, accessMode: duckdb.DuckDBAccessMode.READ_WRITE });
    const conn = await db.connect();
    await conn.query(`CREATE TABLE IF NOT EXISTS tasks AS
      SELECT i::INTEGER AS id, 'task ' || i AS title, i % 3 = 0 AS done FROM range(1000) t(i)`);
    await conn.query('CHECKPOINT');
    app = { db, conn };
  }
  const [{ n }] = await appQuery('SELECT count(*)::INTEGER AS n FROM tasks');
  // What DuckDB says of its file: its size on disk (three 4 KiB headers and its blocks).
  const [{ size }] = await appQuery('SELECT (total_blocks * block_size + 3 * 4096)::BIGINT AS size FROM pragma_database_size() WHERE database_name = current_database()');
  return { rows: n, bytes: Number(size) };
}

/** Runs a query on the app's open database: what the app does next, whatever the inspector did meanwhile. */
export async function appQuery(sql) {
  if (!app) throw new Error('The app database is not open');
  const table = await app.conn.query(sql);
  return table.toArray().map((row) => row.toJSON());
}

/** Closes the app's database (its handles are released). */
export async function closeAppDatabase() {
  if (!app) return;
  const { db, conn } = app;
  app = undefined;
  await conn.close();
  await db.terminate();
}

/** SQLite's own answer for a database: its tables and row counts, and its header fields as PRAGMAs give them. */
function describeSqlite(sqlite3, db) {
  const tables = db.selectValues("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  const pragma = (name) => db.exec({ sql: `PRAGMA ${name}`, rowMode: 'array', returnValue: 'resultRows' })[0]?.[0];
  return {
    tables: Object.fromEntries(tables.map((name) => [name, db.selectValue(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`)])),
    pageSize: pragma('page_size'),
    pageCount: pragma('page_count'),
    // sqlite-wasm is built without UTF-16 (and so without this pragma): what it writes is UTF-8.
    encoding: pragma('encoding') ?? 'UTF-8',
    userVersion: pragma('user_version'),
    sqliteVersion: sqlite3.version.libVersion,
  };
}

/**
 * Writes cleanslate/db/notes.sqlite3 with a real SQLite: made in memory, its bytes exported
 * and written to OPFS. Resolves to what SQLite says of it (tables, row counts, header fields).
 */
export async function writeSqliteDatabase() {
  const sqlite3 = await sqlite3InitModule();
  const db = new sqlite3.oo1.DB(':memory:');
  try {
    db.exec(`PRAGMA page_size = 4096; PRAGMA user_version = 7;
      CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE tags (note_id INTEGER, tag TEXT);
      INSERT INTO notes (body) WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 2500)
        SELECT 'note ' || value || ' — naïve café' FROM n;
      INSERT INTO tags SELECT id, 'tag' || (id % 5) FROM notes WHERE id % 2 = 0;`);
    const described = describeSqlite(sqlite3, db);
    const bytes = sqlite3.capi.sqlite3_js_db_export(db);
    let folder = await navigator.storage.getDirectory();
    const segments = SQLITE_PATH.split('/');
    const name = segments.pop();
    for (const segment of segments) folder = await folder.getDirectoryHandle(segment, { create: true });
    const writable = await (await folder.getFileHandle(name, { create: true })).createWritable();
    await writable.write(bytes);
    await writable.close();
    return { ...described, bytes: bytes.length };
  } finally {
    db.close();
  }
}

/** @type {Worker | undefined} */
let pool;

/** Starts the sahpool worker: a real SQLite keeps `/tasks.sqlite3` in opaque slot files, open. Resolves to what SQLite says of it. */
export function startSahpool() {
  pool ??= new Worker(new URL('./sahpool-worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    pool.onmessage = (event) => (event.data.ok ? resolve(event.data.value) : reject(new Error(event.data.error)));
    pool.postMessage({ type: 'open', directory: SAHPOOL_DIRECTORY });
  });
}

/** Ends the sahpool worker (its handles are released with it). */
export function stopSahpool() {
  pool?.terminate();
  pool = undefined;
}

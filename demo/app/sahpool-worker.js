// sqlite-wasm's opfs-sahpool VFS, as an app runs it: in a worker, every slot file held by a
// sync access handle while the VFS is installed. Keeps `/tasks.sqlite3` open.
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';

let db;
let wal;
let journalMode;
let poolUtil;

self.onmessage = async (event) => {
  try {
    if (event.data.type !== 'open') throw new Error(`unknown request ${event.data.type}`);
    if (!db) {
      const sqlite3 = await sqlite3InitModule();
      poolUtil = await sqlite3.installOpfsSAHPoolVfs({ directory: event.data.directory, initialCapacity: 4 });
      db = new poolUtil.OpfsSAHPoolDb('/tasks.sqlite3');
      db.exec(`CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, title TEXT);
        INSERT INTO tasks (title) WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 300)
          SELECT 'task ' || value FROM n WHERE (SELECT count(*) FROM tasks) = 0;`);
    }
    if (!wal) {
      // A database in WAL mode, as SQLite writes it where there is no shared memory: with exclusive locking.
      wal = new poolUtil.OpfsSAHPoolDb('/journal.sqlite3');
      wal.exec('PRAGMA locking_mode = EXCLUSIVE');
      journalMode = wal.selectValue('PRAGMA journal_mode = WAL');
      wal.exec(`CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, at TEXT);
        INSERT INTO events (at) WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 40) SELECT 'event ' || value FROM n;`);
    }
    self.postMessage({
      ok: true,
      value: { rows: db.selectValue('SELECT count(*) FROM tasks'), pageSize: db.selectValue('PRAGMA page_size'), pageCount: db.selectValue('PRAGMA page_count'), walJournalMode: journalMode, walRows: wal.selectValue('SELECT count(*) FROM events') },
    });
  } catch (error) {
    self.postMessage({ ok: false, error: `${error?.name}: ${error?.message}` });
  }
};

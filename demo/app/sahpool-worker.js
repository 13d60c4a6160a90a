// sqlite-wasm's opfs-sahpool VFS, as an app runs it: in a worker, every slot file held by a
// sync access handle while the VFS is installed. Keeps `/tasks.sqlite3` open.
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';

let db;

self.onmessage = async (event) => {
  try {
    if (event.data.type !== 'open') throw new Error(`unknown request ${event.data.type}`);
    if (!db) {
      const sqlite3 = await sqlite3InitModule();
      const poolUtil = await sqlite3.installOpfsSAHPoolVfs({ directory: event.data.directory, initialCapacity: 4 });
      db = new poolUtil.OpfsSAHPoolDb('/tasks.sqlite3');
      db.exec(`CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, title TEXT);
        INSERT INTO tasks (title) WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 300)
          SELECT 'task ' || value FROM n WHERE (SELECT count(*) FROM tasks) = 0;`);
    }
    self.postMessage({ ok: true, value: { rows: db.selectValue('SELECT count(*) FROM tasks'), pageSize: db.selectValue('PRAGMA page_size'), pageCount: db.selectValue('PRAGMA page_count') } });
  } catch (error) {
    self.postMessage({ ok: false, error: `${error?.name}: ${error?.message}` });
  }
};

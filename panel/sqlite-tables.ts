/**
 * The tables of a SQLite database, read by SQLite itself (sqlite-wasm, shipped inside the
 * extension) from a copy of the file's bytes: the copy is opened in memory, read-only
 * (`sqlite3_deserialize`), so the page's own file — perhaps open in the app's SQLite — is
 * never opened, locked or written.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { quoteIdent, quoteLiteral } from '../src/sql';
import type { DatabaseContents } from '../src/protocol';

let started: ReturnType<typeof sqlite3InitModule> | undefined;

/** sqlite-wasm, started once (again after a failure). */
function sqlite(): ReturnType<typeof sqlite3InitModule> {
  started ??= sqlite3InitModule().catch((error: unknown) => {
    started = undefined;
    throw new Error(`SQLite (sqlite-wasm) could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  return started;
}

/** The tables of the SQLite database whose whole file is `image` (a copy: it is changed). */
export async function sqliteTables(image: Uint8Array): Promise<DatabaseContents> {
  const sqlite3 = await sqlite();
  let note: string | undefined;
  // A WAL-mode header makes SQLite look for a -wal beside an in-memory image and fail: read
  // it as a rollback-journal database, as of its last checkpoint.
  if (image[18] === 2 || image[19] === 2) {
    image[18] = 1;
    image[19] = 1;
    note = 'a WAL-mode database, read as of its last checkpoint: what its -wal file holds is not included';
  }
  const db = new sqlite3.oo1.DB();
  try {
    const pointer = sqlite3.wasm.allocFromTypedArray(image);
    // FREEONCLOSE: SQLite frees the copy with the connection (and at once if this fails).
    const rc = sqlite3.capi.sqlite3_deserialize(db, 'main', pointer, image.length, image.length, sqlite3.capi.SQLITE_DESERIALIZE_FREEONCLOSE | sqlite3.capi.SQLITE_DESERIALIZE_READONLY);
    if (rc !== 0) throw new Error(`SQLite could not open the copy: ${sqlite3.capi.sqlite3_js_rc_str(rc) ?? `error ${rc}`}`);
    const names = db.selectValues("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name") as string[];
    const tables = names.map((name): DatabaseContents['tables'][number] => {
      const table = quoteIdent(name);
      const columns = db.selectObjects(`SELECT name, type FROM pragma_table_info(${quoteLiteral(name)})`) as { name: string; type: string }[];
      return { name, rows: Number(db.selectValue(`SELECT count(*) FROM ${table}`)), columns: columns.map((c) => ({ name: String(c.name), type: String(c.type || '(none)') })) };
    });
    return { readBy: `SQLite ${sqlite3.version.libVersion}`, tables, note };
  } finally {
    db.close();
  }
}

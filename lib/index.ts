/**
 * The verified Parquet exporter, for web apps that use DuckDB-WASM: the same code the
 * extension's engine runs (src/engine/), given the app's own DuckDB instance and an OPFS
 * folder of the app's choice. It runs in a page or a worker of the app's origin.
 *
 * ```ts
 * import { exportTableToParquet } from 'opfs-snapshot-inspector';
 * const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('snapshots', { create: true });
 * const manifest = await exportTableToParquet({ db, conn, dir }, 'orders');
 * ```
 *
 * Every part is written under a temporary name, read back and checked (size, magic bytes,
 * footer row count) before it gets its name; the manifest is written last; a failure or
 * an abort removes every file the export made. While it runs, the export holds a Web Lock
 * named after the folder and snapshot, which the DevTools panel's purge respects.
 */
import type { AsyncDuckDB, AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { Type } from 'apache-arrow';
import type { OperationPhase, SnapshotManifest } from '../src/protocol';
import { quoteIdent } from '../src/sql';
import { errorName } from '../src/errors';
import { exportTableToParquet as exportWithEngine } from '../src/engine/exporter';
import { restoreSnapshot as restoreWithEngine, verifySnapshot as verifyWithEngine } from '../src/engine/restore';
import { startParquetCodec } from '../src/engine/parquet-codec';
import type { DuckConnection } from '../src/engine/duck-query';
import { describeColumns, queryJson, rowIdColumnOf, tableExists } from '../src/engine/tables';
import { freeColumnName } from '../src/engine/csv-sql';
import { listManifests, removeSnapshotFiles, settleInterruptedWork, snapshotFileNames } from '../src/engine/snapshot-files';
import { assertValidSnapshotId, snapshotIdFromFileName, unusedSnapshotId } from '../src/snapshot/names';
import { listFileNames } from '../src/opfs/fs';
import { snapshotsInUse, withSnapshotLock } from '../src/snapshot/locks';
import { SCAN_LIMITS, checkReadFor, type ScannedFile } from '../src/opfs/scan-types';
import { askedByPath, parseCheckEntry, recordCheck } from '../src/opfs/page-answers';
import { readForVerdict } from '../src/inspected-page/check';
import { classifyFiles, type FileReport } from '../src/opfs/classify';

export type { SnapshotManifest, SnapshotPartInfo, ColumnSchema, RestoreResult, VerifyResult } from '../src/protocol';
export type { FileReport, FileHealth, FileStatus, FileRole } from '../src/opfs/classify';

/** Where snapshots are read and written, with what. */
export interface SnapshotStore {
  /** The app's DuckDB-WASM instance. */
  db: AsyncDuckDB;
  /** A connection of it. Give the library one no other code uses while it runs: an export runs many statements on it. */
  conn: AsyncDuckDBConnection;
  /** The OPFS folder of the snapshots (any folder of the app's origin). */
  dir: FileSystemDirectoryHandle;
  /**
   * Where parquet-wasm's `parquet_wasm_bg.wasm` is served from. Default: next to
   * parquet-wasm's own module, which Vite and other bundlers copy and point to.
   */
  parquetWasmUrl?: string | URL;
}

export interface ExportProgress {
  phase: OperationPhase;
  rowsDone: number;
  rowsTotal: number;
  part?: number;
  parts?: number;
}

export interface ExportTableOptions {
  /** The snapshot's id (its files' names). Default: the table's name and the time, e.g. `orders-20261202t101500z`. */
  snapshotId?: string;
  /**
   * A unique, ordered integer column that orders the rows (kept in the snapshot as a column
   * of its own). Default: the table's storage order (DuckDB's `rowid`). Either way the table
   * is numbered through a temporary view, never copied.
   */
  rowIdColumn?: string;
  /** A snapshot with more rows is cut into parts of this many. Default 250,000. */
  rowsPerPart?: number;
  /** Rows per Parquet row group. Default 100,000. */
  rowGroupSize?: number;
  /** Recorded in the manifest as where the data came from. Default: the table's name. */
  sourceName?: string;
  /** Aborting stops the export; nothing of it is kept. */
  signal?: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
}

/** The folder's path from the OPFS root: the snapshots' Web Locks are named after it. */
async function lockFolderOf(dir: FileSystemDirectoryHandle): Promise<string> {
  const path = await (await navigator.storage.getDirectory()).resolve(dir);
  if (path === null) throw new Error('The snapshot folder is not inside this origin\'s Origin Private File System.');
  return path.join('/');
}

async function engineParts(store: SnapshotStore): Promise<{ duck: DuckConnection; codec: Awaited<ReturnType<typeof startParquetCodec>>; lockFolder: string }> {
  const [codec, lockFolder] = await Promise.all([startParquetCodec(store.parquetWasmUrl), lockFolderOf(store.dir)]);
  return { duck: { db: store.db, conn: store.conn }, codec, lockFolder };
}

/**
 * DuckDB-WASM applies the query casts an app may open it with (castBigIntToDouble,
 * castDecimalToDouble, castTimestampToDate) to every result it hands out, the Arrow the
 * exporter encodes included: a snapshot written through it would hold doubles and dates
 * where the table holds integers, decimals and times, and still pass every check of its
 * files. Refused before anything is written, saying which setting to turn off.
 */
async function refuseLossyQueryCasts(store: SnapshotStore): Promise<void> {
  const probe = await store.conn.query("SELECT 9007199254740993::BIGINT AS b, 1.5::DECIMAL(18, 1) AS d, TIMESTAMP '2000-01-01 12:34:56.789' AS t");
  const expected: [typeId: Type, setting: string][] = [
    [Type.Int, 'castBigIntToDouble'],
    [Type.Decimal, 'castDecimalToDouble'],
    [Type.Timestamp, 'castTimestampToDate'],
  ];
  const on = expected.filter(([typeId], i) => probe.schema.fields[i]?.type.typeId !== typeId).map(([, setting]) => setting);
  if (on.length > 0) {
    throw new Error(
      `This DuckDB was opened with ${on.join(', ')}: every result it gives, the rows a snapshot is written from included, has those values changed (a BIGINT above 2^53, a DECIMAL's digits, a TIMESTAMP's time of day). Open it with { query: { ${on.map((setting) => `${setting}: false`).join(', ')} } } to export; nothing was written.`,
    );
  }
}

/**
 * A temporary view of `table` with a BIGINT row number 0..n-1 in the order wanted: the
 * key itself when it already is exactly that, else its rank. Dropped by `drop()`.
 */
async function numberedView(duck: DuckConnection, table: string, key: string | undefined): Promise<{ view: string; rowId: string; sorted: boolean; drop(): Promise<void> }> {
  if (!(await tableExists(duck, table))) throw new Error(`There is no table "${table}" to export.`);
  // A key must exist and be an integer (the same rule the engine applies to its own row id).
  if (key !== undefined) await rowIdColumnOf(duck, table, key);
  const columns = (await describeColumns(duck, table, '')).map((c) => c.name);
  // A column of that name hides DuckDB's own row id (names are matched in any case): the rows would be ordered by the app's values unchecked.
  const shadow = key === undefined ? columns.find((name) => name.toLowerCase() === 'rowid') : undefined;
  if (shadow !== undefined) {
    throw new Error(`Table "${table}" has a column "${shadow}", which hides DuckDB's own row id: pass rowIdColumn (a unique integer column, "${shadow}" itself if it is one) to order its rows; nothing was written.`);
  }
  const order = key === undefined ? 'rowid' : quoteIdent(key);
  // rowid is unique by construction: counting its distinct values would cost a hash table for nothing.
  const distinctSql = key === undefined ? 'count(*)' : `count(DISTINCT ${order})`;
  const { rows } = await queryJson(duck, `SELECT count(*)::BIGINT, ${distinctSql}::BIGINT, min(${order})::HUGEINT::VARCHAR, max(${order})::HUGEINT::VARCHAR FROM ${quoteIdent(table)}`);
  const [n, distinct, min, max] = (rows[0] ?? []).map((v) => (v === null ? null : String(v)));
  if (key !== undefined && distinct !== n) throw new Error(`Column "${key}" of "${table}" is not unique (or holds NULLs): it cannot order the rows into parts.`);
  const dense = n === '0' || (min === '0' && max !== null && BigInt(max) === BigInt(n ?? '0') - 1n);
  const rowId = freeColumnName(columns, '__row_id');
  const view = `__snapshot_view_${crypto.randomUUID().replaceAll('-', '')}`;
  // Uncast when dense, so that DuckDB pushes each part's range filter down to the scan (by rowid or zone maps).
  const number = dense ? order : `(row_number() OVER (ORDER BY ${order}) - 1)::BIGINT`;
  await duck.conn.query(`CREATE TEMPORARY VIEW ${quoteIdent(view)} AS SELECT *, ${number} AS ${quoteIdent(rowId)} FROM ${quoteIdent(table)}`);
  return {
    view,
    rowId,
    // The storage order is the scan order; any other key needs each part sorted.
    sorted: key !== undefined || !dense,
    drop: async () => void (await duck.conn.query(`DROP VIEW IF EXISTS ${quoteIdent(view)}`)),
  };
}

/**
 * Writes `table` as a verified snapshot in `store.dir`: parts of `rowsPerPart` rows, each
 * read back and checked, then the manifest. Resolves with the manifest; rejects with
 * nothing of the snapshot left.
 */
export async function exportTableToParquet(store: SnapshotStore, table: string, options: ExportTableOptions = {}): Promise<SnapshotManifest> {
  // The default id is stamped to the second: a second save within it gets `-2`, `-3`… rather than failing.
  const snapshotId = options.snapshotId ?? unusedSnapshotId(snapshotIdFromFileName(table), await listFileNames(store.dir));
  assertValidSnapshotId(snapshotId);
  await refuseLossyQueryCasts(store);
  const { duck, codec, lockFolder } = await engineParts(store);
  // One transaction: each part, its checksum and the counts read the table as it was when the
  // export began, whatever the app's other connections write meanwhile (parts of two states
  // would each verify). Inside a transaction of the app's own, that one does it.
  const own = await beginTransaction(duck);
  let numbered: Awaited<ReturnType<typeof numberedView>> | undefined;
  let done = false;
  try {
    numbered = await numberedView(duck, table, options.rowIdColumn);
    const manifest = await exportWithEngine(
      { duck, codec, dir: store.dir, lockFolder, signal: options.signal, onProgress: options.onProgress },
      {
        table: numbered.view,
        snapshotId,
        sourceName: options.sourceName ?? table,
        options: { rowsPerPart: options.rowsPerPart, rowGroupSize: options.rowGroupSize, rowIdColumn: numbered.rowId },
        sortParts: numbered.sorted,
      },
    );
    await numbered.drop();
    if (own) await duck.conn.query('COMMIT');
    done = true;
    return manifest;
  } finally {
    // Rolled back, the temporary view goes with it; in the app's transaction it is dropped.
    if (!done) await (own ? duck.conn.query('ROLLBACK') : numbered?.drop())?.catch((error: unknown) => console.warn('could not end the export\'s transaction', error));
  }
}

/** Begins a transaction on the library's connection: false when the app already runs one there. */
async function beginTransaction(duck: DuckConnection): Promise<boolean> {
  try {
    await duck.conn.query('BEGIN TRANSACTION');
    return true;
  } catch (error) {
    if (/within a transaction/i.test(error instanceof Error ? error.message : String(error))) return false;
    throw error;
  }
}

/**
 * Reads snapshot `snapshotId` into table `table` (replacing it once the new one is complete,
 * with a `__row_id` column numbering the rows) and says whether its checksum matches the
 * manifest. Rows that do not match replace no table: a table of that name is kept as it was.
 * A snapshot whose files do not match its manifest is refused before any read.
 */
export async function restoreSnapshot(store: SnapshotStore, snapshotId: string, table: string, options: { signal?: AbortSignal; onProgress?: (progress: ExportProgress) => void } = {}) {
  const { duck, codec, lockFolder } = await engineParts(store);
  return restoreWithEngine({ duck, codec, dir: store.dir, lockFolder, signal: options.signal, onProgress: options.onProgress }, snapshotId, table);
}

/** Checks every part against the manifest and recomputes the checksum part by part (one part in memory at a time). */
export async function verifySnapshot(store: SnapshotStore, snapshotId: string, options: { signal?: AbortSignal; onProgress?: (progress: ExportProgress) => void } = {}) {
  const { duck, codec, lockFolder } = await engineParts(store);
  return verifyWithEngine({ duck, codec, dir: store.dir, lockFolder, signal: options.signal, onProgress: options.onProgress }, snapshotId);
}

/** The committed snapshots of `dir` (those with a valid manifest). */
export async function listSnapshots(dir: FileSystemDirectoryHandle): Promise<SnapshotManifest[]> {
  return listManifests(dir);
}

/**
 * Removes every file of snapshot `snapshotId` from `dir`, the manifest first, under the
 * snapshot's lock (waiting for an export or restore of it to end).
 */
export async function deleteSnapshot(dir: FileSystemDirectoryHandle, snapshotId: string): Promise<{ removed: string[] }> {
  assertValidSnapshotId(snapshotId);
  const lockFolder = await lockFolderOf(dir);
  return withSnapshotLock(lockFolder, snapshotId, async () => {
    const { removed } = await removeSnapshotFiles(dir, snapshotId, await snapshotFileNames(dir, snapshotId));
    return { removed };
  });
}

/**
 * Removes what exports and deletions cut off midway (a tab closed, a worker stopped) left
 * in `dir`, exactly as their intent records name it: the parts and temporary files of an
 * export that never committed; the temporary files of one that did (its snapshot is kept);
 * the rest of a deletion's files. Snapshots whose lock is held (an export running in
 * another tab) are skipped, and so is every file no intent names. Call it when the app
 * starts; an export under an interrupted one's id does the same for that id by itself.
 */
export async function sweepInterrupted(dir: FileSystemDirectoryHandle): Promise<{ removed: string[] }> {
  return { removed: await settleInterruptedWork(dir, await lockFolderOf(dir)) };
}

/**
 * Every file under `dir` (its subfolders included) that is empty, corrupt, temporary or
 * part of an incomplete snapshot, judged as the DevTools panel judges them. Files of a
 * snapshot whose lock is held right now (an export running) are left out: they are being
 * written. So is a file or folder removed while it is looked at (a running export renames
 * and removes its own): what is gone is not broken. Paths are relative to `dir`.
 */
export async function findBrokenFiles(dir: FileSystemDirectoryHandle): Promise<FileReport[]> {
  const lockFolder = await lockFolderOf(dir);
  const files: ScannedFile[] = [];
  const gone = (error: unknown) => errorName(error) === 'NotFoundError';
  const walk = async (folder: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
    try {
      for await (const [name, handle] of (folder as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (handle.kind === 'directory') {
          await walk(handle as FileSystemDirectoryHandle, path);
          continue;
        }
        let file: File;
        try {
          file = await (handle as FileSystemFileHandle).getFile();
        } catch (error) {
          if (gone(error)) continue;
          throw error;
        }
        const scanned: ScannedFile = { path, name, folder: prefix, size: file.size, lastModified: file.lastModified };
        const read = checkReadFor(name, file.size);
        if (read) {
          const checked = parseCheckEntry(await readForVerdict(file, path, read, SCAN_LIMITS.maxFooterBytes), path, askedByPath([{ path, size: file.size, lastModified: file.lastModified, read }]));
          recordCheck(scanned, checked);
        }
        files.push(scanned);
      }
    } catch (error) {
      // The folder itself went while it was listed: nothing more of it is there to judge.
      if (!gone(error)) throw error;
    }
  };
  await walk(dir, '');
  const busy = await snapshotsInUse();
  const reports = classifyFiles({ files });
  const folderOf = (report: FileReport) => [lockFolder, report.folder].filter(Boolean).join('/');
  // A running export's `.tmp` parts carry its snapshot id too: they are left out with its other files.
  return reports.filter((r) => r.health !== 'ok' && r.health !== 'pending' && !(r.snapshotId !== undefined && busy.has(`${folderOf(r)}/${r.snapshotId}`)));
}

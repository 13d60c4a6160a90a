/**
 * The engine: DuckDB-WASM plus the snapshot operations, as handlers of {@link OffscreenApi}.
 * Hosted by the offscreen document in Chrome (service workers cannot start Workers); any
 * context with a DOM and Workers can host it.
 */
import type { DiffSide, ExportOptions, ExportResult, LoadCsvResult, OffscreenApi } from '../protocol';
import { emitEvent, type Handlers } from '../messaging';
import { CancelledError, UserFacingError } from '../errors';
import { quoteIdent } from '../sql';
import { copyDuckdbFileIntoSchema, describeDuckdbFile } from './attach';
import { getDirectory, listFileNames, opfsRoot, removeIfExists, splitPath } from '../opfs/fs';
import { SNAPSHOTS_DIR, STAGING_DIR, assertValidSnapshotId, unusedSnapshotId } from '../snapshot/names';
import { engineStatus, getDuckDB, runExclusive, setMemoryLimit, type DuckDBHost } from './duckdb';
import { parquetCodecInWorker } from './parquet-worker-codec';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { loadCsvIntoTable } from './csv';
import { exportTableToParquet } from './exporter';
import { loadParquetFiles, restoreSnapshot, verifySnapshot } from './restore';
import { listManifests, removeSnapshotFiles, snapshotFileNames, snapshotsDirectory, withSnapshotLock } from './snapshot-files';
import { describeColumns, queryJson, rowIdColumnOf, tableExists } from './tables';
import { DEFAULT_ROW_ID_COLUMN } from './csv-sql';
import { cancelOperation, listOperations, runOperation, type ReportProgress } from './operations';
import { claimStagedFile, sweepAbandoned } from './sweep';
import { databaseSchemaFor, queryFileFormat, tableNameFor, tableStem } from '../query-files';
import { diffRows, diffTables, ensureSnapshotsLoaded, loadFileAsTable, loadedRowIdColumn, resultAsArrowIpc, resultAsCsvRows, runStatement, tablesNamedIn, type LoadSnapshot } from './console';

/**
 * Parquet codec workers: two where there are two cores or more, so that a restore or verify
 * decodes two parts at once beside DuckDB's worker (measured on 2 cores: 0.83x the time with
 * one, bench/README.md; an export encodes one part at a time, to keep its memory to two
 * parts), one on a single core.
 */
const CODEC_WORKERS = Math.min(2, Math.max(1, navigator.hardwareConcurrency || 1));

/** Parquet encoding and decoding, in workers of their own (started at the first use). */
const codec = parquetCodecInWorker(() => new Worker(new URL('./parquet-worker.ts', import.meta.url), { type: 'module' }), parquetWasmUrl, { workers: CODEC_WORKERS });

/** The name of a staged CSV, refusing anything outside `staging/`. */
function stagedName(stagedPath: string): string {
  const { folders, name } = splitPath(stagedPath);
  if (folders.length !== 1 || folders[0] !== STAGING_DIR) throw new UserFacingError('InvalidPathError', `CSV files are read from "${STAGING_DIR}/" only.`);
  return name;
}

/** Reads a staged CSV into `table`; the staged copy is removed whatever happens. */
async function loadStagedCsv(stagedPath: string, table: string, header: boolean | undefined, report: ReportProgress): Promise<LoadCsvResult> {
  const started = performance.now();
  const name = stagedName(stagedPath);
  const staging = await getDirectory(await opfsRoot(), STAGING_DIR, { create: true });
  try {
    let handle: FileSystemFileHandle;
    try {
      handle = await staging.getFileHandle(name);
    } catch (error) {
      throw new UserFacingError('CsvError', `The staged CSV "${stagedPath}" is not in OPFS.`, { cause: error });
    }
    report({ phase: 'loading', rowsDone: 0, rowsTotal: 0 });
    const loaded = await loadCsvIntoTable(await getDuckDB(), staging, handle, table, { header });
    return { table, ...loaded, elapsedMs: performance.now() - started };
  } finally {
    await removeIfExists(staging, name);
  }
}

async function exportTable(
  request: { table: string; snapshotId: string; sourceName: string; options?: ExportOptions },
  signal: AbortSignal,
  onProgress: ReportProgress,
): Promise<ExportResult> {
  const started = performance.now();
  const [duck, dir] = await Promise.all([getDuckDB(), snapshotsDirectory()]);
  const manifest = await exportTableToParquet({ duck, codec, dir, lockFolder: SNAPSHOTS_DIR, signal, onProgress }, request);
  return { manifest, elapsedMs: performance.now() - started };
}

async function dropTable(duck: DuckDBHost, table: string): Promise<void> {
  await duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
}

/** Console statements and diffs running or waiting their turn, by the id the panel gave them. */
const consoleRuns = new Map<string, AbortController>();
/** The columns the last diff compared (its rows are kept in the engine until the next one). */
let lastDiffCompared: string[] = [];

/** Runs console work in the engine's queue, cancellable by `queryId` while it waits or runs. */
/** The file at `path` of the extension's OPFS, or a clear error if it is gone. */
async function stagedHandle(path: string): Promise<FileSystemFileHandle> {
  const { folders, name } = splitPath(path);
  try {
    return await (await getDirectory(await opfsRoot(), folders.join('/'))).getFileHandle(name);
  } catch (error) {
    throw new UserFacingError('QueryFileError', `${name} is not in the extension's storage (any more).`, { cause: error });
  }
}

function consoleWork<T>(queryId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (consoleRuns.has(queryId)) return Promise.reject(new Error(`Query ${queryId} is already under way.`));
  const controller = new AbortController();
  consoleRuns.set(queryId, controller);
  return runExclusive(async () => {
    try {
      return await work(controller.signal);
    } catch (error) {
      // Whatever step the cancel stopped (a snapshot's load, the statement), it was the user's cancel.
      if (controller.signal.aborted) throw new CancelledError('The query was cancelled.');
      throw error;
    }
  }).finally(() => consoleRuns.delete(queryId));
}

/** A snapshot of the extension's storage read into a table (the restore, checked against its manifest); its progress told as the query's. */
function loadSnapshotTable(queryId: string): LoadSnapshot {
  return async (snapshotId, table, signal) => {
    const [duck, dir] = await Promise.all([getDuckDB(), snapshotsDirectory()]);
    const onProgress: ReportProgress = (p) => emitEvent('progress', { operationId: queryId, ...p });
    const restored = await restoreSnapshot({ duck, codec, dir, lockFolder: SNAPSHOTS_DIR, signal, onProgress }, snapshotId, table);
    return { problems: restored.problems, rowIdColumn: restored.rowIdColumn };
  };
}

/** A side of a diff as a table and its row id column (a file's table has the one it was given when opened). */
async function diffSide(duck: DuckDBHost, side: DiffSide): Promise<{ table: string; rowId: string }> {
  if ('snapshot' in side) return { table: side.snapshot, rowId: loadedRowIdColumn(duck, side.snapshot) ?? DEFAULT_ROW_ID_COLUMN };
  if (!(await tableExists(duck, side.table))) throw new UserFacingError('DiffError', `There is no table "${side.table}" any more: open its file in Query again.`);
  try {
    return { table: side.table, rowId: await rowIdColumnOf(duck, side.table) };
  } catch (error) {
    throw new UserFacingError('DiffError', `Table "${side.table}" has no row id to match rows by: choose a key column.`, { cause: error });
  }
}

/** The engine's request handlers. */
export const engineHandlers: Handlers<OffscreenApi> = {
  ping() {
    // Through the queue like any work, so that an engine started only to answer this stops again when idle.
    return runExclusive(async () => ({ duckdbVersion: (await getDuckDB()).version }));
  },

  loadCsv({ stagedPath, table, header, operationId }) {
    // Claimed at once, before the operation waits its turn: the sweep leaves it alone.
    const release = claimStagedFile(stagedName(stagedPath));
    return runOperation('loadCsv', stagedPath, operationId, (_signal, report) => loadStagedCsv(stagedPath, table, header, report)).finally(release);
  },

  importCsv({ stagedPath, snapshotId, sourceName, header, options, operationId }) {
    assertValidSnapshotId(snapshotId);
    const release = claimStagedFile(stagedName(stagedPath));
    return runOperation('importCsv', sourceName, operationId, async (signal, report) => {
      const started = performance.now();
      const table = `__import_${crypto.randomUUID().replaceAll('-', '')}`;
      try {
        const load = await loadStagedCsv(stagedPath, table, header, report);
        signal.throwIfAborted();
        // Imports run one at a time (runOperation), so the id chosen here stays free until the export takes its lock.
        const id = unusedSnapshotId(snapshotId, await listFileNames(await snapshotsDirectory()));
        const exported = await exportTable({ table, snapshotId: id, sourceName, options: { ...options, rowIdColumn: load.rowIdColumn } }, signal, report);
        return { load, export: exported, elapsedMs: performance.now() - started };
      } finally {
        // The table was only a step on the way to the snapshot: free its memory now.
        await dropTable(await getDuckDB(), table);
      }
    }).finally(release);
  },

  exportSnapshot({ table, snapshotId, sourceName, options, operationId }) {
    return runOperation('exportSnapshot', snapshotId, operationId, (signal, report) => exportTable({ table, snapshotId, sourceName, options }, signal, report));
  },

  async cancelOperation({ operationId }) {
    return { cancelled: cancelOperation(operationId) };
  },

  async getOperations() {
    return listOperations();
  },

  sweepAbandoned() {
    return sweepOnce(async () => {
      // What the start-up sweep (always the first in line) removed is reported once, to
      // whoever asks first (the panel).
      const atStart = removedAtStart.splice(0);
      return { removed: [...atStart, ...(await sweepAbandoned())] };
    });
  },

  restoreSnapshot({ snapshotId, table, operationId }) {
    return runOperation('restoreSnapshot', snapshotId, operationId, async (signal, onProgress) => {
      const started = performance.now();
      const [duck, dir] = await Promise.all([getDuckDB(), snapshotsDirectory()]);
      const restored = await restoreSnapshot({ duck, codec, dir, lockFolder: SNAPSHOTS_DIR, signal, onProgress }, snapshotId, table);
      return { ...restored, elapsedMs: performance.now() - started };
    });
  },

  verifySnapshot({ snapshotId, operationId }) {
    return runOperation('verifySnapshot', snapshotId, operationId, async (signal, onProgress) => {
      const started = performance.now();
      const [duck, dir] = await Promise.all([getDuckDB(), snapshotsDirectory()]);
      const verified = await verifySnapshot({ duck, codec, dir, lockFolder: SNAPSHOTS_DIR, signal, onProgress }, snapshotId);
      return { ...verified, elapsedMs: performance.now() - started };
    });
  },

  async listSnapshots() {
    return listManifests(await snapshotsDirectory());
  },

  async deleteSnapshot({ snapshotId, files }) {
    assertValidSnapshotId(snapshotId);
    const dir = await snapshotsDirectory();
    return withSnapshotLock(snapshotId, async () => {
      const names = files ? files.map((f) => f.name) : await snapshotFileNames(dir, snapshotId);
      return removeSnapshotFiles(dir, snapshotId, names, files ? new Map(files.map((f) => [f.name, f.size])) : undefined);
    });
  },

  engineStatus() {
    return engineStatus();
  },

  configureEngine({ memoryLimitBytes }) {
    return runExclusive(async () => {
      await setMemoryLimit(memoryLimitBytes);
      return engineStatus();
    });
  },

  dropTable({ table }) {
    return runExclusive(async () => {
      await dropTable(await getDuckDB(), table);
      return { dropped: true };
    });
  },

  runSql({ sql, queryId }) {
    return consoleWork(queryId, async (signal) => {
      const started = performance.now();
      const duck = await getDuckDB();
      const named = await tablesNamedIn(duck.conn, sql);
      const { loaded, notes } = await ensureSnapshotsLoaded(duck, named, await listManifests(await snapshotsDirectory(), named), loadSnapshotTable(queryId), signal);
      const result = await runStatement(duck, sql, signal);
      return { ...result, loaded, notes, elapsedMs: performance.now() - started };
    });
  },

  async cancelSql({ queryId }) {
    const run = consoleRuns.get(queryId);
    run?.abort();
    return { cancelled: run !== undefined };
  },

  describeDatabaseCopy({ path, queryId }) {
    return consoleWork(queryId, async () => describeDuckdbFile(await getDuckDB(), await stagedHandle(path)));
  },

  openDatabaseInQuery({ path, schema, queryId }) {
    return consoleWork(queryId, async () => copyDuckdbFileIntoSchema(await getDuckDB(), await stagedHandle(path), databaseSchemaFor(schema)));
  },

  openFileInQuery({ files, table: wanted, queryId }) {
    return consoleWork(queryId, async (signal) => {
      if (files.length === 0) throw new UserFacingError('QueryFileError', 'No file to open.');
      if (files.length > 1 && files.some((f) => queryFileFormat(f.name) !== 'parquet')) throw new UserFacingError('QueryFileError', 'Only Parquet files are read together into one table.');
      const opened = await Promise.all(
        files.map(async ({ path, name }) => {
          const { folders, name: fileName } = splitPath(path);
          try {
            const dir = await getDirectory(await opfsRoot(), folders.join('/'));
            return { name, dir, handle: await dir.getFileHandle(fileName) };
          } catch (error) {
            throw new UserFacingError('QueryFileError', `${name} is not in the extension's storage (any more).`, { cause: error });
          }
        }),
      );
      const duck = await getDuckDB();
      const base = wanted ?? tableStem(files[0].name);
      const table = tableNameFor(base, (await listManifests(await snapshotsDirectory(), [base])).map((m) => m.snapshotId));
      const parquet = async (list: typeof opened, into: string) =>
        loadParquetFiles({ duck, codec, signal }, await Promise.all(list.map(async (f) => ({ file: await f.handle.getFile(), name: f.name }))), into);
      const loaded =
        opened.length > 1
          ? await (async () => {
              await parquet(opened, table);
              return { format: 'parquet' as const, rows: Number((await queryJson(duck, `SELECT count(*) FROM ${quoteIdent(table)}`)).rows[0]?.[0] ?? 0) };
            })()
          : await loadFileAsTable(
              duck,
              {
                parquet: (_file, into) => parquet(opened, into),
                csv: async (csvHandle, into) => void (await loadCsvIntoTable(duck, opened[0].dir, csvHandle, into)),
              },
              opened[0].handle,
              opened[0].name,
              table,
            );
      const columns = await describeColumns(duck, table, '');
      return { table, ...loaded, columns };
    });
  },

  sqlResultParquet({ name }) {
    return runExclusive(async () => {
      const duck = await getDuckDB();
      const { ipc, rows } = await resultAsArrowIpc(duck);
      const staging = await getDirectory(await opfsRoot(), STAGING_DIR, { create: true });
      const file = await staging.getFileHandle(stagedName(`${STAGING_DIR}/${name}`), { create: true });
      const bytes = await codec.encodeToFile(ipc, { rowGroupSize: 100_000 }, file);
      return { bytes, rows };
    });
  },

  sqlResultRows({ offset, count }) {
    return runExclusive(async () => resultAsCsvRows(await getDuckDB(), offset, count));
  },

  diffSnapshots({ a, b, key, queryId }) {
    return consoleWork(queryId, async (signal) => {
      const started = performance.now();
      const duck = await getDuckDB();
      const ids = [a, b].flatMap((side) => ('snapshot' in side ? [side.snapshot] : []));
      const manifests = await listManifests(await snapshotsDirectory(), ids);
      for (const id of ids) {
        if (!manifests.some((m) => m.snapshotId === id)) throw new UserFacingError('SnapshotNotFoundError', `There is no committed snapshot "${id}" to compare.`);
      }
      await ensureSnapshotsLoaded(duck, ids, manifests, loadSnapshotTable(queryId), signal);
      const [left, right] = [await diffSide(duck, a), await diffSide(duck, b)];
      const diff = await diffTables(duck, left, right, key, signal);
      lastDiffCompared = diff.compared;
      return { ...diff, a: left.table, b: right.table, elapsedMs: performance.now() - started };
    });
  },

  diffRows({ group, limit }) {
    return runExclusive(async () => diffRows(await getDuckDB(), group, lastDiffCompared, Math.min(limit, 10_000)));
  },

  queryRows({ sql, limit }) {
    return runExclusive(async () => queryJson(await getDuckDB(), sql, limit ?? 1000));
  },
};

/**
 * Called once by the host when it starts, before it can receive a request: whatever an
 * earlier engine left half-written (it was closed mid-export, the browser quit) is removed.
 */
const removedAtStart: string[] = [];

/**
 * Sweeps run one at a time (two at once would each report only what it removed first),
 * but not behind the operation queue: a sweep during an export skips its locked files
 * and returns at once.
 */
let sweeps: Promise<unknown> = Promise.resolve();
function sweepOnce<T>(sweep: () => Promise<T>): Promise<T> {
  const result = sweeps.then(sweep, sweep);
  sweeps = result.catch(() => undefined);
  return result;
}

export function startEngine(): Promise<void> {
  return sweepOnce(async () => {
    try {
      const removed = await sweepAbandoned();
      removedAtStart.push(...removed);
      if (removed.length > 0) console.info(`removed ${removed.length} leftovers of interrupted work`, removed);
    } catch (error) {
      console.error('could not sweep leftovers of interrupted work', error);
    }
  });
}

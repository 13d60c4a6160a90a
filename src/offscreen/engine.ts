/**
 * The engine: DuckDB-WASM plus the snapshot operations, as handlers of {@link OffscreenApi}.
 * Hosted by the offscreen document in Chrome (service workers cannot start Workers); any
 * context with a DOM and Workers can host it.
 */
import type { OffscreenApi, OperationProgress } from '../protocol';
import { emitEvent, type Handlers } from '../messaging';
import { UserFacingError } from '../errors';
import { quoteIdent } from '../sql';
import { getFileByPath, opfsRoot, removeIfExists, splitPath, getDirectory } from '../opfs/fs';
import { STAGING_DIR } from '../snapshot/names';
import { getDuckDB, runExclusive } from './duckdb';
import { getParquetCodec } from './parquet-codec';
import { loadCsvIntoTable } from './csv';
import { exportTableToParquet } from './exporter';
import { restoreSnapshot, verifySnapshot } from './restore';
import { listManifests, removeSnapshotFiles, snapshotsDirectory, withSnapshotLock } from './snapshot-files';
import { queryJson } from './tables';

/** Running operations by id, so that `cancelOperation` can reach them. */
const running = new Map<string, AbortController>();

/** Runs `work` as a cancellable, queued operation that reports progress under `operationId`. */
function operation<T>(
  operationId: string | undefined,
  work: (signal: AbortSignal, report: (p: Omit<OperationProgress, 'operationId'>) => void) => Promise<T>,
): Promise<T> {
  const id = operationId ?? crypto.randomUUID();
  const controller = new AbortController();
  running.set(id, controller);
  const report = (p: Omit<OperationProgress, 'operationId'>) => emitEvent('progress', { operationId: id, ...p });
  return runExclusive(() => work(controller.signal, report)).finally(() => running.delete(id));
}

/** The engine's request handlers. */
export const engineHandlers: Handlers<OffscreenApi> = {
  async ping() {
    const duck = await getDuckDB();
    return { duckdbVersion: duck.version };
  },

  loadCsv({ stagedPath, table, operationId }) {
    return operation(operationId, async (_signal, report) => {
      const started = performance.now();
      const { folders } = splitPath(stagedPath);
      if (folders[0] !== STAGING_DIR) throw new UserFacingError('InvalidPathError', `CSV files are read from "${STAGING_DIR}/" only.`);
      const root = await opfsRoot();
      let handle: FileSystemFileHandle;
      try {
        handle = await getFileByPath(root, stagedPath);
      } catch (error) {
        throw new UserFacingError('CsvError', `The staged CSV "${stagedPath}" is not in OPFS.`, { cause: error });
      }
      report({ phase: 'loading', rowsDone: 0, rowsTotal: 0 });
      try {
        const duck = await getDuckDB();
        const loaded = await loadCsvIntoTable(duck, handle, table);
        return { table, ...loaded, elapsedMs: performance.now() - started };
      } finally {
        const { folders: dirs, name } = splitPath(stagedPath);
        await removeIfExists(await getDirectory(root, dirs.join('/')), name);
      }
    });
  },

  exportSnapshot({ table, snapshotId, sourceName, options, operationId }) {
    return operation(operationId, async (signal, onProgress) => {
      const started = performance.now();
      const [duck, codec, dir] = await Promise.all([getDuckDB(), getParquetCodec(), snapshotsDirectory()]);
      const manifest = await exportTableToParquet({ duck, codec, dir, signal, onProgress }, { table, snapshotId, sourceName, options });
      return { manifest, elapsedMs: performance.now() - started };
    });
  },

  async cancelOperation({ operationId }) {
    const controller = running.get(operationId);
    controller?.abort();
    return { cancelled: controller !== undefined };
  },

  restoreSnapshot({ snapshotId, table, operationId }) {
    return operation(operationId, async (signal, onProgress) => {
      const started = performance.now();
      const [duck, codec, dir] = await Promise.all([getDuckDB(), getParquetCodec(), snapshotsDirectory()]);
      const restored = await restoreSnapshot({ duck, codec, dir, signal, onProgress }, snapshotId, table);
      return { ...restored, elapsedMs: performance.now() - started };
    });
  },

  verifySnapshot({ snapshotId }) {
    return operation(undefined, async (signal, onProgress) => {
      const started = performance.now();
      const [duck, codec, dir] = await Promise.all([getDuckDB(), getParquetCodec(), snapshotsDirectory()]);
      const verified = await verifySnapshot({ duck, codec, dir, signal, onProgress }, snapshotId);
      return { ...verified, elapsedMs: performance.now() - started };
    });
  },

  async listSnapshots() {
    return listManifests(await snapshotsDirectory());
  },

  async deleteSnapshot({ snapshotId }) {
    const dir = await snapshotsDirectory();
    const removed = await withSnapshotLock(snapshotId, () => removeSnapshotFiles(dir, snapshotId));
    return { removed };
  },

  dropTable({ table }) {
    return runExclusive(async () => {
      const duck = await getDuckDB();
      await duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
      return { dropped: true };
    });
  },

  queryRows({ sql, limit }) {
    return runExclusive(async () => queryJson(await getDuckDB(), sql, limit ?? 1000));
  },
};


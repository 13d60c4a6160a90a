/**
 * The chunked Parquet-to-OPFS exporter: a DuckDB table in, a committed snapshot out.
 *
 * For each part (a range of `__row_id`, so DuckDB skips to it by zone maps instead of
 * re-sorting the table for every OFFSET):
 *   DuckDB → Arrow IPC → Parquet bytes → `<part>.tmp` in OPFS → read back and verified
 *   (size, 'PAR1' at both ends, footer row count, the export's id) → renamed to its final name.
 * Before any of that, an intent record lists every file the export may create, and the id
 * its parts carry in their footer, so that an export cut off by a crash is undone exactly
 * (src/snapshot/intent.ts). Only when every
 * part is verified is the manifest written, last; then the intent goes. Any failure
 * removes every file this export created; no other snapshot is touched. The stages of
 * consecutive parts overlap (src/engine/pipeline.ts): DuckDB queries part i+1 in its
 * worker while part i is encoded and written (the codec's worker) and part i−1 is read
 * back and verified, so at most one part is in each stage, and a failure is cleaned up
 * only once every stage has stopped.
 */
import type { ColumnSchema, ExportOptions, OperationProgress, SnapshotManifest, SnapshotPartInfo } from '../protocol';
import { CancelledError, UserFacingError, errorName } from '../errors';
import { integerLiteral, quoteIdent } from '../sql';
import { checkParquet } from '../parquet/footer';
import { fileExists, fileIfExists, listEntryNames, removeOnceReleased, renameFile, writeFile } from '../opfs/fs';
import {
  DEFAULT_ROWS_PER_PART,
  DEFAULT_ROW_GROUP_SIZE,
  assertValidSnapshotId,
  belongsToSnapshot,
  intentFileName,
  manifestFileName,
  planParts,
  tempFileName,
  type PartPlan,
} from '../snapshot/names';
import { MANIFEST_FORMAT_VERSION, serializeManifest } from '../snapshot/manifest';
import { EXPORT_ID_KEY } from '../snapshot/intent';
import { queryArrowIPC, type DuckConnection } from './duck-query';
import type { ParquetCodec } from './parquet-codec';
import { assertParquetKeeps, describeColumns, rowIdColumnOf, scansKeepStorageOrder, tableExists, tableRowCount } from './tables';
import { addChecksums, CHECKSUM_ALGORITHM, tableChecksum } from './checksum';
import { holdsRows } from './arrow-ipc';
import { removeIntent, settleIntent, writeIntent } from './snapshot-files';
import { withSnapshotLock } from '../snapshot/locks';
import { runPipeline, type PipelineStages } from './pipeline';

export interface ExportContext {
  duck: DuckConnection;
  codec: ParquetCodec;
  /** The folder the snapshot goes to: the extension's `snapshots/`, or an app's. */
  dir: FileSystemDirectoryHandle;
  /** The path of `dir` from the OPFS root: the snapshot's Web Lock is named after it, so a purge in the same origin skips it. */
  lockFolder: string;
  signal?: AbortSignal;
  onProgress?: (progress: Omit<OperationProgress, 'operationId'>) => void;
}

export interface ExportRequest {
  /** A table, or a view (the library numbers an app's table through a temporary view). */
  table: string;
  snapshotId: string;
  sourceName: string;
  options?: ExportOptions;
  /**
   * Order each part's rows by the row id. Not needed for the engine's own tables, stored in
   * row-id order (a scan keeps it, unless `preserve_insertion_order` is off, which the
   * exporter checks); needed for a row id that may not follow the storage order.
   */
  sortParts?: boolean;
}

/** A written part that did not read back as what was sent. */
export class PartVerificationError extends UserFacingError {
  constructor(message: string) {
    super('PartVerificationError', message);
  }
}

/**
 * Writes `table` as snapshot `snapshotId`. Resolves with the committed manifest, or rejects
 * with nothing of this snapshot left behind.
 */
export async function exportTableToParquet(ctx: ExportContext, request: ExportRequest): Promise<SnapshotManifest> {
  const { table, snapshotId, sourceName } = request;
  assertValidSnapshotId(snapshotId);
  const rowsPerPart = request.options?.rowsPerPart ?? DEFAULT_ROWS_PER_PART;
  const rowGroupSize = request.options?.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) throw new UserFacingError('InvalidOptionError', `Invalid row group size: ${rowGroupSize}`);
  const strategy = request.options?.partStrategy ?? 'keyset';
  if (strategy !== 'keyset' && strategy !== 'offset') throw new UserFacingError('InvalidOptionError', `Unknown part strategy: ${String(strategy)}`);
  if (!(await tableExists(ctx.duck, table))) {
    throw new UserFacingError('TableNotFoundError', `There is no table "${table}" to export. Load a CSV first.`);
  }

  const rowIdColumn = await rowIdColumnOf(ctx.duck, table, request.options?.rowIdColumn);

  return withSnapshotLock(ctx.lockFolder, snapshotId, async () => {
    // An intent of this snapshot is, now that we hold its lock, work that was cut off (a tab
    // closed mid-export): what it names exists only because of it, and goes first. A
    // committed snapshot is kept, and refused below.
    const settled = await settleIntent(ctx.dir, snapshotId);
    if (settled.length > 0) console.info(`removed what an interrupted export of snapshot ${snapshotId} left: ${settled.join(', ')}`);
    // Folders too: a folder under one of the snapshot's names would stop its rename, and it is not ours to remove.
    const existing = (await listEntryNames(ctx.dir)).filter((name) => belongsToSnapshot(name, snapshotId));
    if (existing.length > 0) {
      throw new UserFacingError(
        'SnapshotExistsError',
        `Snapshot "${snapshotId}" already has files (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}); delete it or choose another id.`,
      );
    }

    ctx.onProgress?.({ phase: 'counting', rowsDone: 0, rowsTotal: 0 });
    const schema = await describeColumns(ctx.duck, table, rowIdColumn);
    assertParquetKeeps(schema, `Table "${request.sourceName}"`);
    // The checksum is summed part by part in the pipeline, where DuckDB's worker computes it
    // while the encoder works; unless every part query sorts (a key that is not the storage
    // order), where one pass over the table costs less than a second sort per part.
    // With scans in any order (preserve_insertion_order off), a part is a range of row ids
    // in no order: sorted, or the snapshot would not restore to the table it was.
    const sorted = request.sortParts === true || !(await scansKeepStorageOrder(ctx.duck));
    const wholeTable = sorted ? await tableChecksum(ctx.duck, quoteIdent(table), rowIdColumn, schema) : null;
    const rowCount = wholeTable?.rowCount ?? (await tableRowCount(ctx.duck, table));
    const plan = planParts(snapshotId, rowCount, rowsPerPart);
    const created = new Set<string>();
    // Parts being written (see partStages): a clean-up waits for them.
    const writes = new Set<Promise<number>>();
    // Parts' files the codec opened ahead of an encode that has not come: a clean-up closes them.
    const openedAhead = new Set<FileSystemFileHandle>();
    try {
      const manifestName = manifestFileName(snapshotId);
      const planned = [...plan.flatMap((p) => [tempFileName(p.name), p.name]), tempFileName(manifestName), manifestName];
      created.add(intentFileName(snapshotId));
      // Each part carries this id in its footer: a sweep removes a file under a part's name
      // only if it carries it, not one that other code wrote there after a crash.
      const exportId = crypto.randomUUID();
      await writeIntent(ctx.dir, { formatVersion: 2, kind: 'export', snapshotId, files: planned, exportId, startedAt: new Date().toISOString() });
      const textColumns = schema.filter((c) => c.type === 'VARCHAR' || c.type === 'BLOB').map((c) => c.name);
      const job = { table, rowIdColumn, columns: schema, textColumns, exportId, wholeTableChecksum: wholeTable?.checksum ?? null, parts: plan.length, rowsTotal: rowCount, rowGroupSize, strategy, sorted };
      const { stages, checksum } = partStages(ctx, job, created, writes, openedAhead);
      // One part being encoded at a time, however many workers the codec has (measured with
      // two at once: 0.9x the time, but the extra memory at 3M rows 0.9-2.0x that at 1M, up
      // to 146 MiB; bench/README.md); besides it, the next part's rows and the Parquet
      // bytes of the part before while they are written.
      const parts = await runPipeline(plan, stages, ctx.signal);
      ctx.signal?.throwIfAborted();
      ctx.onProgress?.({ phase: 'committing', rowsDone: rowCount, rowsTotal: rowCount, part: plan.length, parts: plan.length });
      const manifest: SnapshotManifest = {
        formatVersion: MANIFEST_FORMAT_VERSION,
        snapshotId,
        sourceName,
        rowCount,
        schema,
        parts,
        checksum: { algorithm: CHECKSUM_ALGORITHM, value: checksum() },
        compression: 'ZSTD',
        rowGroupSize,
        rowsPerPart,
        createdAt: new Date().toISOString(),
      };
      await assertPartsInPlace(ctx.dir, parts, created);
      await commitManifest(ctx.dir, manifest, created);
      // Committed: the record of what this export was doing has served its purpose.
      await removeIntent(ctx.dir, snapshotId);
      return manifest;
    } catch (error) {
      // A part may still be being written (its store never came): the clean-up waits for it.
      await Promise.allSettled([...writes, ...[...openedAhead].map((file) => ctx.codec.closeAhead(file))]);
      await removeCreatedFiles(ctx.dir, created, error);
      throw explainExportFailure(error, snapshotId);
    }
  });
}

interface PartJob {
  table: string;
  rowIdColumn: string;
  /** The columns the checksum covers, besides the row id. */
  columns: readonly ColumnSchema[];
  /** Those of them that hold text or bytes (see `EncodeSettings.textColumns`). */
  textColumns: readonly string[];
  /** Written into every part's footer (see src/snapshot/intent.ts). */
  exportId: string;
  /** The table's checksum when it was computed before the parts; else each part's is summed. */
  wholeTableChecksum: string | null;
  parts: number;
  rowsTotal: number;
  rowGroupSize: number;
  strategy: ExportOptions['partStrategy'];
  sorted: boolean;
}

/**
 * The three stages of a part, run overlapped by {@link runPipeline}: DuckDB queries the
 * next part (its rows, then their checksum) in its worker while this one is encoded and
 * written as `.tmp` (by the codec: in the engine, its worker) and the one before is read
 * back, checked and renamed. A part leaves the encoder once it is encoded: its write goes
 * on in the codec's worker while the next part is encoded (by the other worker), and the
 * store waits for it; `writes` holds the writes under way, for a clean-up to wait for, and
 * `openedAhead` the parts' files the codec opened while their rows were queried and no
 * encode took yet, for a clean-up to close. The content checksum is the sum of the parts'
 * (a sum of per-row hashes adds up), so no pass over the whole table comes before the first part. Progress counts the rows of verified
 * parts, so it only grows.
 */
function partStages(ctx: ExportContext, job: PartJob, created: Set<string>, writes: Set<Promise<number>>, openedAhead: Set<FileSystemFileHandle>) {
  let rowsVerified = 0;
  let checksum = '0';
  const progress = (phase: 'encoding' | 'writing' | 'verifying', part: PartPlan) =>
    ctx.onProgress?.({ phase, rowsDone: rowsVerified, rowsTotal: job.rowsTotal, part: part.index, parts: job.parts });
  const rowId = quoteIdent(job.rowIdColumn);
  // No ORDER BY for row-id ranges: rows are stored in row-id order (the table is created in
  // that order and never updated) and DuckDB preserves insertion order on scans
  // (preserve_insertion_order; when it is off, `sorted` is set). Sorting 250,000 rows per
  // part would cost more than the encoding; tests check the order.
  let sorting = job.sorted;
  const partRows = (part: PartPlan) =>
    job.strategy === 'offset'
      ? `SELECT * FROM ${quoteIdent(job.table)} ORDER BY ${rowId} LIMIT ${integerLiteral(part.endRow - part.firstRow)} OFFSET ${integerLiteral(part.firstRow)}`
      : `SELECT * FROM ${quoteIdent(job.table)} WHERE ${rowId} >= ${integerLiteral(part.firstRow)} AND ${rowId} < ${integerLiteral(part.endRow)}` +
        (sorting ? ` ORDER BY ${rowId}` : '');
  // The setting is global: another connection of the app may turn it off mid-export, for good
  // or only while one of our reads runs. An unsorted read carries a condition on it, which
  // DuckDB folds when it plans the read: away with the setting on, to no rows with it off
  // (an error instead would abort the export's transaction). A part that came back empty
  // is read again, sorted, as is every part after it.
  const unsorted = () => !sorting && job.strategy !== 'offset';
  const fetchRows = (part: PartPlan) =>
    queryArrowIPC(ctx.duck, `SELECT * EXCLUDE (${rowId}) FROM (${partRows(part)})${unsorted() ? " WHERE current_setting('preserve_insertion_order')::BOOLEAN" : ''}`);
  const stages: PipelineStages<PartPlan, { ipc: Uint8Array; file: FileSystemFileHandle }, { written: Promise<number>; file: FileSystemFileHandle }, SnapshotPartInfo> = {
    async fetch(part) {
      // The part's file first, opened by the codec while DuckDB queries the rows: its worker
      // is idle then, and the open's round trips are over by the time the bytes are encoded.
      // Created here, under the snapshot's lock, not by the codec (its worker may outlive
      // this document by seconds, and a file it created then would land after the sweep).
      const tempName = tempFileName(part.name);
      created.add(tempName);
      const file = await ctx.dir.getFileHandle(tempName, { create: true });
      ctx.codec.openAhead(file);
      openedAhead.add(file);
      let ipc = await fetchRows(part);
      if (unsorted() && part.endRow > part.firstRow && !holdsRows(ipc)) {
        sorting = true;
        ipc = await fetchRows(part);
      }
      if (job.wholeTableChecksum !== null) return { ipc, file };
      const sum = await tableChecksum(ctx.duck, `(${partRows(part)})`, job.rowIdColumn, job.columns);
      const expectedRows = part.endRow - part.firstRow;
      if (sum.rowCount !== expectedRows) {
        throw new PartVerificationError(`The table's row ids ${part.firstRow.toLocaleString('en-US')}–${(part.endRow - 1).toLocaleString('en-US')} hold ${sum.rowCount.toLocaleString('en-US')} rows, not ${expectedRows.toLocaleString('en-US')}: they are not numbered 0, 1, 2… without gaps.`);
      }
      checksum = addChecksums(checksum, sum.checksum);
      return { ipc, file };
    },
    async transform({ ipc, file }, part) {
      // Said for the first part only: later parts are encoded while the one before is
      // checked, and the progress a user sees follows the part being checked, so its number only grows.
      if (part.index === 0) progress('encoding', part);
      // Done once the part is encoded: the next part is encoded (by the codec's other worker)
      // while this one is written, so a write the disk holds up does not hold up the encoder.
      let encoded!: () => void;
      const encodedNow = new Promise<void>((resolve) => (encoded = resolve));
      openedAhead.delete(file);
      const written = ctx.codec.encodeToFile(ipc, { rowGroupSize: job.rowGroupSize, textColumns: job.textColumns, metadata: { [EXPORT_ID_KEY]: job.exportId } }, file, encoded);
      writes.add(written);
      // Its failure is the store's to report (or the clean-up's to wait for), not an unhandled one.
      written.catch(() => undefined).finally(() => writes.delete(written));
      await Promise.race([encodedNow, written]);
      return { written, file };
    },
    async store({ written, file: handle }, part) {
      const expectedRows = part.endRow - part.firstRow;
      progress('writing', part);
      const byteLength = await written;
      const tempName = tempFileName(part.name);

      ctx.signal?.throwIfAborted();
      progress('verifying', part);
      const check = await checkParquet(await handle.getFile());
      if (check.status !== 'ok') throw new PartVerificationError(`Part ${part.name} did not verify after writing: ${check.status === 'empty' ? 'it is 0 bytes' : check.reason}.`);
      if (check.bytes !== byteLength) throw new PartVerificationError(`Part ${part.name} has ${check.bytes} bytes in OPFS, ${byteLength} were written.`);
      if (check.rows !== expectedRows) throw new PartVerificationError(`Part ${part.name} holds ${check.rows} rows, ${expectedRows} were sent.`);
      if (check.exportId !== job.exportId) throw new PartVerificationError(`Part ${part.name} does not carry this export's id: it is not the file that was written.`);

      if (await fileExists(ctx.dir, part.name)) throw new UserFacingError('SnapshotExistsError', `${part.name} appeared while it was being written.`);
      await renameFile(handle, part.name);
      // Ours only once renamed: a rename that failed must not send the clean-up after a file of that name.
      created.add(part.name);
      created.delete(tempName);
      rowsVerified += expectedRows;
      progress('verifying', part);
      return { name: part.name, rows: expectedRows, bytes: byteLength };
    },
  };
  return { stages, checksum: () => job.wholeTableChecksum ?? checksum };
}

/**
 * Each verified part is still there at the size it was verified at, right before the
 * manifest commits to them: the Web Lock keeps this exporter and the panel apart, not other
 * code of an app, which may have removed or replaced a part meanwhile. A part of another
 * size is no longer ours to remove on the way out; one that is gone needs no removing.
 */
async function assertPartsInPlace(dir: FileSystemDirectoryHandle, parts: readonly SnapshotPartInfo[], created: Set<string>): Promise<void> {
  // All at once: each is a round trip to the browser, twelve of them at 3M rows.
  const sizes = await Promise.all(parts.map(async (part) => (await fileIfExists(dir, part.name))?.size ?? null));
  for (const [i, part] of parts.entries()) {
    const size = sizes[i];
    if (size === part.bytes) continue;
    created.delete(part.name);
    const what = size === null ? 'is gone' : `now holds ${size.toLocaleString('en-US')} bytes, not the ${part.bytes.toLocaleString('en-US')} that were verified (it was left as it is)`;
    throw new PartVerificationError(`Part ${part.name} ${what}: something else changed the snapshot's files while it was written, so no manifest was written.`);
  }
}

/** Writes the manifest under a temporary name, reads it back, and renames it: the commit point. */
async function commitManifest(dir: FileSystemDirectoryHandle, manifest: SnapshotManifest, created: Set<string>): Promise<void> {
  const finalName = manifestFileName(manifest.snapshotId);
  const tempName = tempFileName(finalName);
  const text = serializeManifest(manifest);
  created.add(tempName);
  const handle = await writeFile(dir, tempName, text);
  const readBack = await (await handle.getFile()).text();
  if (readBack !== text) throw new PartVerificationError(`The manifest of "${manifest.snapshotId}" did not read back as written.`);
  // A rename replaces a file of that name (Chrome's move()): one that other code wrote meanwhile is left as it is.
  if (await fileExists(dir, finalName)) {
    throw new UserFacingError('SnapshotExistsError', `${finalName} appeared while the snapshot was written (other code wrote it): it was left as it is, and no manifest of this export was written.`);
  }
  await renameFile(handle, finalName);
  created.add(finalName);
  created.delete(tempName);
}

async function removeCreatedFiles(dir: FileSystemDirectoryHandle, created: Set<string>, reason: unknown): Promise<void> {
  // The manifest goes first (until it is gone, a reader could take the parts as committed),
  // the intent last (until it is gone, the sweep can finish what this clean-up could not).
  const rank = (name: string) => (name.endsWith('.manifest.json') ? 0 : name.endsWith('.intent.json') ? 2 : 1);
  const names = [...created].sort((a, b) => rank(a) - rank(b));
  let left = 0;
  for (const name of names) {
    // With a file left behind, the intent stays: the next sweep removes what it lists.
    if (rank(name) === 2 && left > 0) break;
    try {
      await removeOnceReleased(dir, name);
    } catch (error) {
      // Keep going: the other files must still go.
      left += 1;
      console.error(`could not remove ${name} after a failed export`, error, 'export failed because', reason);
    }
  }
}

/** Turns storage and cancellation failures into messages a user can act on. */
function explainExportFailure(error: unknown, snapshotId: string): unknown {
  if (errorName(error) === 'QuotaExceededError') {
    return new UserFacingError(
      'StorageFullError',
      `Not enough storage to write snapshot "${snapshotId}". Free some space (or purge empty files) and try again; nothing of this snapshot was kept.`,
      { cause: error },
    );
  }
  if (errorName(error) === 'AbortError' || error instanceof CancelledError) {
    return new CancelledError(`Export of "${snapshotId}" was cancelled; nothing of it was kept.`);
  }
  if (error instanceof UserFacingError) return error;
  return new UserFacingError('ExportError', `Export of "${snapshotId}" failed; nothing of it was kept.`, { cause: error });
}

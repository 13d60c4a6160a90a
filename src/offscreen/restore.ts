/**
 * Restore and verification: a snapshot's parts read back into DuckDB, in part order,
 * with `__row_id` rebuilt from the file order, and compared with the manifest.
 */
import type { OperationProgress, RestoreResult, SnapshotManifest, VerifyResult } from '../protocol';
import { UserFacingError } from '../errors';
import { quoteIdent } from '../sql';
import { checkParquet } from '../parquet/footer';
import type { DuckDBHost } from './duckdb';
import type { ParquetCodec } from './parquet-codec';
import { ROW_ID_COLUMN, tableChecksum } from './tables';
import { readManifest, withSnapshotLock } from './snapshot-files';

export interface RestoreContext {
  duck: DuckDBHost;
  codec: ParquetCodec;
  dir: FileSystemDirectoryHandle;
  signal?: AbortSignal;
  onProgress?: (progress: Omit<OperationProgress, 'operationId'>) => void;
}

/** Reads snapshot `snapshotId` into table `table` (replacing it) and returns its checksum. */
export async function restoreSnapshot(ctx: RestoreContext, snapshotId: string, table: string): Promise<Omit<RestoreResult, 'elapsedMs'>> {
  return withSnapshotLock(snapshotId, async () => {
    const manifest = await readManifest(ctx.dir, snapshotId);
    await loadParts(ctx, manifest, table);
    const { rowCount, checksum } = await tableChecksum(ctx.duck, table);
    return { table, rowCount, checksum };
  });
}

/** Restores into a scratch table, compares with the manifest, and drops the scratch table. */
export async function verifySnapshot(ctx: RestoreContext, snapshotId: string): Promise<Omit<VerifyResult, 'elapsedMs'>> {
  return withSnapshotLock(snapshotId, async () => {
    const manifest = await readManifest(ctx.dir, snapshotId);
    const expected = { rowCount: manifest.rowCount, checksum: manifest.checksum.value };
    const problems = await checkPartFiles(ctx.dir, manifest);
    if (problems.length > 0) return { snapshotId, ok: false, expected, actual: { rowCount: 0, checksum: '' }, problems };
    const scratch = `__verify_${crypto.randomUUID().replaceAll('-', '')}`;
    try {
      await loadParts(ctx, manifest, scratch);
      const actual = await tableChecksum(ctx.duck, scratch);
      if (actual.rowCount !== expected.rowCount) problems.push(`${actual.rowCount} rows read back, the manifest says ${expected.rowCount}.`);
      if (actual.checksum !== expected.checksum) problems.push('The content checksum differs from the one recorded at export.');
      return { snapshotId, ok: problems.length === 0, expected, actual, problems };
    } finally {
      await ctx.duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(scratch)}`);
    }
  });
}

/** Structural checks of every part against the manifest, without decoding any data. */
async function checkPartFiles(dir: FileSystemDirectoryHandle, manifest: SnapshotManifest): Promise<string[]> {
  const problems: string[] = [];
  for (const part of manifest.parts) {
    let file: File;
    try {
      file = await (await dir.getFileHandle(part.name)).getFile();
    } catch (error) {
      problems.push(`${part.name} is missing (${error instanceof Error ? error.name : String(error)}).`);
      continue;
    }
    const check = await checkParquet(file);
    if (check.status === 'empty') problems.push(`${part.name} is 0 bytes.`);
    else if (check.status === 'corrupt') problems.push(`${part.name} is corrupt: ${check.reason}.`);
    else {
      if (check.bytes !== part.bytes) problems.push(`${part.name} has ${check.bytes} bytes, the manifest says ${part.bytes}.`);
      if (check.rows !== part.rows) problems.push(`${part.name} holds ${check.rows} rows, the manifest says ${part.rows}.`);
    }
  }
  return problems;
}

/**
 * Appends the parts in order into a staging table, then numbers the rows: a table that is
 * only appended to keeps DuckDB's `rowid` in insertion order, which is the file order.
 */
async function loadParts(ctx: RestoreContext, manifest: SnapshotManifest, table: string): Promise<void> {
  const staging = `__restore_${crypto.randomUUID().replaceAll('-', '')}`;
  try {
    let rowsDone = 0;
    for (const [index, part] of manifest.parts.entries()) {
      ctx.signal?.throwIfAborted();
      ctx.onProgress?.({ phase: 'restoring', rowsDone, rowsTotal: manifest.rowCount, part: index, parts: manifest.parts.length });
      let file: File;
      try {
        file = await (await ctx.dir.getFileHandle(part.name)).getFile();
      } catch (error) {
        throw new UserFacingError('SnapshotDamagedError', `Snapshot "${manifest.snapshotId}" is missing its part ${part.name}.`, { cause: error });
      }
      let ipc: Uint8Array;
      try {
        ipc = ctx.codec.decode(new Uint8Array(await file.arrayBuffer()));
      } catch (error) {
        throw new UserFacingError('SnapshotDamagedError', `Part ${part.name} of "${manifest.snapshotId}" could not be decoded.`, { cause: error });
      }
      await ctx.duck.conn.useUnsafe((db, connId) => db.insertArrowFromIPCStream(connId, ipc, { name: staging, create: index === 0 }));
      rowsDone += part.rows;
    }
    await ctx.duck.conn.query(
      `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS SELECT rowid::BIGINT AS ${quoteIdent(ROW_ID_COLUMN)}, * FROM ${quoteIdent(staging)} ORDER BY rowid`,
    );
  } finally {
    await ctx.duck.conn.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`);
  }
}

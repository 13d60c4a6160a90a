/**
 * Copies of a page's files in the extension's staging folder, for the engine to read (it
 * reads only its own origin's OPFS): each file travels by ranged reads (never one message),
 * under a staging lock per copy so that no sweep takes it, and the copies are removed once
 * `work` is done with them, whatever happened.
 */
import { STAGING_DIR } from '../src/snapshot/names';
import { withStagingLock } from '../src/snapshot/locks';
import { getDirectory, opfsRoot, removeIfExists } from '../src/opfs/fs';
import { readAsBlob, type DownloadFile } from './download';
import type { OpfsSource } from './sources';

/** Runs `work` holding the staging locks of every name. */
function withStagingLocks<T>(names: readonly string[], work: () => Promise<T>): Promise<T> {
  return names.length === 0 ? work() : withStagingLock(names[0], () => withStagingLocks(names.slice(1), work));
}

/**
 * Copies `files` of the inspected page (read through `page`: bound to the origin they were
 * listed from) into staging/ as `${prefix}-<i>` and runs `work` with their paths there;
 * `onBytes` hears how far each copy is.
 */
export async function withPageCopies<T>(page: OpfsSource, files: readonly DownloadFile[], prefix: string, onBytes: (file: DownloadFile, index: number, bytes: number) => void, work: (paths: string[]) => Promise<T>): Promise<T> {
  const staged = files.map((_, i) => `${prefix}-${i}`);
  return withStagingLocks(staged, async () => {
    const staging = await getDirectory(await opfsRoot(), STAGING_DIR, { create: true });
    try {
      for (const [i, file] of files.entries()) {
        const blob = await readAsBlob(page, file, (bytes) => onBytes(file, i, bytes));
        const writable = await (await staging.getFileHandle(staged[i], { create: true })).createWritable();
        await blob.stream().pipeTo(writable);
      }
      return await work(staged.map((name) => `${STAGING_DIR}/${name}`));
    } finally {
      for (const name of staged) await removeIfExists(staging, name).catch((error: unknown) => console.warn(`could not remove the staged copy ${name}`, error));
    }
  });
}

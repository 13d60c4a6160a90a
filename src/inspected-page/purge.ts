import type { Premise, PurgeEntry, PurgeTarget } from '../opfs/scan-types';

/**
 * Removes exactly the listed files below `root`: never a folder (`getFileHandle` refuses
 * those with TypeMismatchError, and `removeEntry` is never recursive), never a path that
 * was not listed, and never a file whose size is no longer the listed `size` (that one is
 * reported `changed` and left in place). The size is read with `getFile()` right before
 * `removeEntry`; a write landing between those two calls is not detected. A target's
 * `premises` (the files its verdict rests on: a part that was missing, the manifest that
 * said so) are looked at then too: one that is no longer as listed keeps the file, `changed`.
 *
 * A file named like a snapshot's (`<id>.parquet`, `<id>_part_<n>.parquet`, its manifest,
 * intent or `.tmp` files) is removed only while holding that snapshot's Web Lock, taken
 * without waiting: an exporter that holds it (the extension's engine, or an app using the
 * exporter library) is writing those files, so they are reported `locked`. A file another
 * purge removed meanwhile (a second DevTools window) is `missing`, not `locked`.
 *
 * A target marked `directory` is removed after every file, deepest first, and never
 * recursively: only once it is empty. One that still holds something (a file kept as
 * changed or locked, one written since it was listed) stays, reported `changed`.
 *
 * Up to 64 files are worked on at once; a second purge of the same origin waits for this
 * one (a Web Lock). One outcome per distinct path (a repeated path
 * counts once, with its first size), in the order given; `onProgress` gets each outcome
 * as it is known, so that a purge cut short (the page reloaded) still says what it did.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function purgeOpfsFiles(
  root: FileSystemDirectoryHandle,
  targets: readonly PurgeTarget[],
  onProgress: (filesDone: number, finished: PurgeEntry) => void,
  /** False once the panel has given up on this purge (it waited too long for another purge's lock, or went away): nothing more is removed. */
  wanted: () => boolean = () => true,
): Promise<{ results: PurgeEntry[]; bytesFreed: number }> {
  // Literals, not PURGE_CONCURRENCY or snapshot/names.ts: this function is sent as source text
  // (page-scan.test.ts keeps the name pattern equal to parseSnapshotFileName).
  // Measured in a page (2,500 empty files in 18 folders, twice): 16 at once took 3.0–3.6 s, 64 took 2.4–2.5 s (taking the snapshot locks included).
  const concurrency = 64;
  const lockPrefix = 'opfs-snapshot-inspector:snapshot:';
  const snapshotName = /^(?:(.+)_part_\d+\.parquet|(.+)\.parquet|(.+)\.manifest\.json|(.+)\.intent\.json)(?:\.tmp)?$/;
  // A verdict rests on a few files at most (the panel names a handful of a snapshot's missing parts).
  const maxPremises = 64;
  const locks = typeof navigator === 'object' && navigator !== null ? (navigator).locks : undefined;
  const unique: PurgeTarget[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const path = String(target.path);
    if (seen.has(path)) continue;
    seen.add(path);
    const time = target.lastModified;
    // Premises as they came: each is checked for its shape where it is used, and one that is not a premise keeps its file.
    const premises = Array.isArray(target.premises) ? target.premises : [];
    unique.push({ path, size: target.directory === true ? 0 : target.size, lastModified: typeof time === 'number' && Number.isFinite(time) ? time : undefined, directory: target.directory === true, premises });
  }
  const results: PurgeEntry[] = new Array<PurgeEntry>(unique.length);
  let next = 0;
  let done = 0;
  // Purged files usually share a few folders: resolve each folder once, not once per file.
  const folders = new Map<string, Promise<FileSystemDirectoryHandle>>();
  const folderAt = (segments: string[]): Promise<FileSystemDirectoryHandle> => {
    const key = segments.join('/');
    let folder = folders.get(key);
    if (!folder) {
      folder = segments.length === 0 ? Promise.resolve(root) : folderAt(segments.slice(0, -1)).then((parent) => parent.getDirectoryHandle(segments[segments.length - 1]));
      // A folder that failed to open (gone, not a folder) is looked up again for the next file.
      folder.catch(() => folders.delete(key));
      folders.set(key, folder);
    }
    return folder;
  };
  const errorNameOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '');

  /** Whether `premise` is still so: its file absent, or there at its listed size and time. Anything else (a folder of that name, an error) says no. */
  const stillSo = async (premise: Premise): Promise<boolean> => {
    if (typeof premise !== 'object' || premise === null || typeof premise.path !== 'string') return false;
    const { size, lastModified } = premise;
    if (size !== null && (typeof size !== 'number' || !Number.isSafeInteger(size))) return false;
    const segments = premise.path.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return false;
    const name = segments.pop() as string;
    try {
      const file = await (await (await folderAt(segments)).getFileHandle(name)).getFile();
      return size !== null && file.size === size && (typeof lastModified !== 'number' || file.lastModified === lastModified);
    } catch (error) {
      return size === null && errorNameOf(error) === 'NotFoundError';
    }
  };
  const premisesHold = async (premises: readonly Premise[]): Promise<boolean> =>
    premises.length <= maxPremises && (await Promise.all(premises.map(stillSo))).every(Boolean);

  const removeOne = async (folder: FileSystemDirectoryHandle, path: string, name: string, size: number, lastModified: number | undefined, premises: readonly Premise[]): Promise<PurgeEntry> => {
    let bytes = 0;
    // A refused removal (NoModificationAllowedError: a handle holds the file open, or
    // something else is writing or removing it right now) is tried again a moment later: a
    // file gone by then was removed by someone else (missing); one still refused is held (locked).
    for (const pause of [0, 20, 80]) {
      if (pause > 0) await new Promise((wake) => setTimeout(wake, pause));
      try {
        const handle = await folder.getFileHandle(name);
        const file = await handle.getFile();
        bytes = file.size;
        // Another size, or the same size written anew (an app that rewrote the file since it was listed): not what the user chose.
        if (bytes !== size || (lastModified !== undefined && file.lastModified !== lastModified)) return { path, outcome: 'changed', bytes };
        // What made it purgeable changed since (a missing part written, its manifest rewritten): not what the user chose either.
        if (premises.length > 0 && !(await premisesHold(premises))) return { path, outcome: 'changed', bytes };
        await folder.removeEntry(name);
        return { path, outcome: 'removed', bytes };
      } catch (error) {
        const errorName = errorNameOf(error);
        const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
        if (errorName === 'NotFoundError') return { path, outcome: 'missing', bytes: 0 };
        if (errorName === 'NoModificationAllowedError' || errorName === 'InvalidStateError') continue;
        if (errorName === 'TypeMismatchError') return { path, outcome: 'failed', bytes, error: `TypeMismatchError: not a file (${message})` };
        return { path, outcome: 'failed', bytes, error: `${errorName || 'Error'}: ${message}` };
      }
    }
    return { path, outcome: 'locked', bytes };
  };

  const purgeOne = async (path: string, size: number, lastModified: number | undefined, premises: readonly Premise[]): Promise<PurgeEntry> => {
    const segments = path.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      return { path, outcome: 'failed', bytes: 0, error: 'TypeError: not a valid file path' };
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return { path, outcome: 'failed', bytes: 0, error: 'TypeError: not a valid listed size' };
    }
    const name = segments.pop() as string;
    let folder: FileSystemDirectoryHandle;
    try {
      folder = await folderAt(segments);
    } catch (error) {
      if (errorNameOf(error) === 'NotFoundError') return { path, outcome: 'missing', bytes: 0 };
      return { path, outcome: 'failed', bytes: 0, error: `${errorNameOf(error) || 'Error'}: could not open its folder` };
    }
    const match = snapshotName.exec(name);
    const snapshotId = match ? (match[1] ?? match[2] ?? match[3] ?? match[4]) : undefined;
    if (snapshotId === undefined || !locks || typeof locks.request !== 'function') return removeOne(folder, path, name, size, lastModified, premises);
    const held = await holdSnapshotLock(`${lockPrefix}${segments.join('/')}/${snapshotId}`);
    return held ? removeOne(folder, path, name, size, lastModified, premises) : { path, outcome: 'locked', bytes: 0 };
  };

  // Each snapshot's lock is taken once, without waiting, by the first file that needs it, and
  // held until the purge ends: its other files (worked on at the same time) share it.
  const lockReleases: (() => void)[] = [];
  const snapshotLocks = new Map<string, Promise<boolean>>();
  const holdSnapshotLock = (lockName: string): Promise<boolean> => {
    let held = snapshotLocks.get(lockName);
    if (!held) {
      held = new Promise<boolean>((settle) => {
        (locks as LockManager)
          .request(lockName, { mode: 'exclusive', ifAvailable: true }, (lock) => {
            settle(lock !== null);
            return lock === null ? undefined : new Promise<void>((release) => lockReleases.push(release));
          })
          .catch(() => settle(false));
      });
      snapshotLocks.set(lockName, held);
    }
    return held;
  };

  const removeFolder = async (path: string): Promise<PurgeEntry> => {
    const segments = path.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      return { path, outcome: 'failed', bytes: 0, error: 'TypeError: not a valid folder path' };
    }
    const name = segments.pop() as string;
    try {
      const parent = await folderAt(segments);
      await parent.getDirectoryHandle(name); // a file of that name is not this folder
      await parent.removeEntry(name); // never recursive: refused while anything is inside
      folders.delete(path);
      return { path, outcome: 'removed', bytes: 0 };
    } catch (error) {
      const errorName = errorNameOf(error);
      if (errorName === 'NotFoundError') return { path, outcome: 'missing', bytes: 0 };
      if (errorName === 'InvalidModificationError') return { path, outcome: 'changed', bytes: 0 };
      if (errorName === 'NoModificationAllowedError') return { path, outcome: 'locked', bytes: 0 };
      if (errorName === 'TypeMismatchError') return { path, outcome: 'failed', bytes: 0, error: 'TypeMismatchError: not a folder' };
      return { path, outcome: 'failed', bytes: 0, error: `${errorName || 'Error'}: could not remove the folder` };
    }
  };

  const fileIndexes: number[] = [];
  const folderIndexes: number[] = [];
  unique.forEach((target, index) => (target.directory ? folderIndexes : fileIndexes).push(index));
  const finish = (index: number, entry: PurgeEntry) => {
    results[index] = entry;
    done++;
    onProgress(done, entry);
  };
  // A fixed pool of workers taking the next file: results land at their input index.
  const givenUp = (path: string): PurgeEntry => ({ path, outcome: 'failed', bytes: 0, error: 'GivenUp: the panel had stopped waiting for this purge, so nothing more was removed' });
  const worker = async (): Promise<void> => {
    while (next < fileIndexes.length) {
      const index = fileIndexes[next++];
      finish(index, wanted() ? await purgeOne(unique[index].path, unique[index].size, unique[index].lastModified, unique[index].premises ?? []) : givenUp(unique[index].path));
    }
  };
  const runWorkers = async (): Promise<void> => {
    const workers: Promise<void>[] = [];
    for (let i = 0; i < Math.min(concurrency, fileIndexes.length); i++) workers.push(worker());
    await Promise.all(workers);
    // Then the folders, deepest first: a folder's subfolders are gone (or kept) before it is tried.
    const depth = (index: number) => unique[index].path.split('/').length;
    for (const index of folderIndexes.sort((a, b) => depth(b) - depth(a))) finish(index, wanted() ? await removeFolder(unique[index].path) : givenUp(unique[index].path));
  };
  // Two purges of one origin (two DevTools windows, two tabs) run one after the other: two
  // removals of one file at once both fail in Chrome, and each would report the file as
  // held open. In turn, the second finds what the first removed gone (missing).
  try {
    if (locks && typeof locks.request === 'function') await locks.request('opfs-snapshot-inspector:purge', { mode: 'exclusive' }, runWorkers);
    else await runWorkers();
  } finally {
    for (const release of lockReleases) release();
  }

  let bytesFreed = 0;
  for (const entry of results) if (entry.outcome === 'removed') bytesFreed += entry.bytes;
  return { results, bytesFreed };
}

/**
 * The extension's `snapshots/` folder: manifests, intents, locks and the removal of a
 * snapshot's files.
 */
import type { SnapshotManifest } from '../protocol';
import { fileExists, fileIfExists, getDirectory, listFileNames, opfsRoot, removeIfExists, removeOnceReleased, writeFile } from '../opfs/fs';
import { SNAPSHOTS_DIR, assertValidSnapshotId, belongsToSnapshot, intentFileName, manifestFileName, parseSnapshotFileName } from '../snapshot/names';
import { parseManifest } from '../snapshot/manifest';
import { parseIntent, serializeIntent, type FileStamp, type SnapshotIntent } from '../snapshot/intent';
import { checkParquet } from '../parquet/footer';
import { ifSnapshotUnlocked, withSnapshotLock as withLockIn } from '../snapshot/locks';
import { UserFacingError } from '../errors';

export async function snapshotsDirectory(): Promise<FileSystemDirectoryHandle> {
  return getDirectory(await opfsRoot(), SNAPSHOTS_DIR, { create: true });
}

/** Runs `work` holding the lock of the extension's snapshot `snapshotId`. */
export function withSnapshotLock<T>(snapshotId: string, work: () => Promise<T>): Promise<T> {
  return withLockIn(SNAPSHOTS_DIR, snapshotId, work);
}

export async function readManifest(dir: FileSystemDirectoryHandle, snapshotId: string): Promise<SnapshotManifest> {
  assertValidSnapshotId(snapshotId);
  let text: string;
  try {
    text = await (await (await dir.getFileHandle(manifestFileName(snapshotId))).getFile()).text();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotFoundError') {
      throw new UserFacingError('SnapshotNotFoundError', `There is no committed snapshot "${snapshotId}".`, { cause: error });
    }
    throw error;
  }
  let manifest: SnapshotManifest;
  try {
    manifest = parseManifest(text);
  } catch (error) {
    throw new UserFacingError('InvalidManifestError', `The manifest of "${snapshotId}" is damaged: ${error instanceof Error ? error.message : String(error)}`, { cause: error, explainsCause: true });
  }
  if (manifest.snapshotId !== snapshotId) {
    throw new UserFacingError('InvalidManifestError', `The manifest of "${snapshotId}" names another snapshot ("${manifest.snapshotId}").`);
  }
  return manifest;
}

/**
 * Every committed snapshot, newest first; with `only`, just those whose id is one of these
 * names in any letter case (so that a statement naming two tables reads two manifests, not
 * all of them). Unreadable manifests are skipped (the panel flags them).
 */
export async function listManifests(dir: FileSystemDirectoryHandle, only?: readonly string[]): Promise<SnapshotManifest[]> {
  const wanted = only && new Set(only.map((n) => n.toLowerCase()));
  const manifests: SnapshotManifest[] = [];
  for (const name of await listFileNames(dir)) {
    const role = parseSnapshotFileName(name);
    if (role.kind !== 'manifest' || (wanted && !wanted.has(role.snapshotId.toLowerCase()))) continue;
    try {
      manifests.push(await readManifest(dir, role.snapshotId));
    } catch (error) {
      console.warn(`skipping unreadable manifest ${name}`, error);
    }
  }
  return manifests.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Records what work on `snapshotId` is about to do. The caller holds the snapshot's lock. */
export async function writeIntent(dir: FileSystemDirectoryHandle, intent: SnapshotIntent): Promise<void> {
  await writeFile(dir, intentFileName(intent.snapshotId), serializeIntent(intent));
}

export async function removeIntent(dir: FileSystemDirectoryHandle, snapshotId: string): Promise<void> {
  await removeIfExists(dir, intentFileName(snapshotId));
}

/**
 * Removes exactly `names` of snapshot `snapshotId` (manifest first, so that a crash half-way
 * leaves an uncommitted set of parts rather than a manifest without parts), recording the
 * deletion as an intent first, with each file's size and modification time, so that an
 * interrupted one is finished later, on those very files only. With `sizes`, a file whose
 * size is no longer the listed one is kept and reported. The caller holds the snapshot's
 * lock. Names that are not this snapshot's are refused.
 */
export async function removeSnapshotFiles(
  dir: FileSystemDirectoryHandle,
  snapshotId: string,
  names: readonly string[],
  sizes?: ReadonlyMap<string, number>,
): Promise<{ removed: string[]; changed: string[]; missing: string[] }> {
  for (const name of names) {
    if (!belongsToSnapshot(name, snapshotId) || name === intentFileName(snapshotId)) {
      throw new UserFacingError('InvalidPathError', `"${name}" is not a file of snapshot "${snapshotId}".`);
    }
  }
  const manifest = manifestFileName(snapshotId);
  const ordered = [...names.filter((n) => n === manifest), ...names.filter((n) => n !== manifest)];
  const outcome = { removed: [] as string[], changed: [] as string[], missing: [] as string[] };
  const stamps: Record<string, FileStamp> = {};
  for (const [i, stamp] of (await Promise.all(ordered.map((name) => stampOf(dir, name)))).entries()) {
    const name = ordered[i];
    const listed = sizes?.get(name);
    if (stamp === null) outcome.missing.push(name);
    else if (listed !== undefined && stamp.size !== listed) outcome.changed.push(name);
    else stamps[name] = stamp;
  }
  const doomed = ordered.filter((name) => name in stamps);
  await writeIntent(dir, { formatVersion: 2, kind: 'delete', snapshotId, files: doomed, stamps, startedAt: new Date().toISOString() });
  for (const name of doomed) {
    if (await removeIfExists(dir, name)) outcome.removed.push(name);
    else outcome.missing.push(name);
  }
  await removeIntent(dir, snapshotId);
  return outcome;
}

/** A file's size and modification time now; null when there is no such file. */
async function stampOf(dir: FileSystemDirectoryHandle, name: string): Promise<FileStamp | null> {
  const file = await fileIfExists(dir, name);
  return file && { size: file.size, lastModified: file.lastModified };
}

/** Names of every file of `snapshotId` in `dir` now (final and temporary), without its intent. */
export async function snapshotFileNames(dir: FileSystemDirectoryHandle, snapshotId: string): Promise<string[]> {
  return (await listFileNames(dir)).filter((n) => belongsToSnapshot(n, snapshotId) && n !== intentFileName(snapshotId));
}

/**
 * Finishes or undoes what an interrupted piece of work recorded in its intent, exactly:
 * - an export that committed (its manifest exists): only its temporary files go;
 * - an export that did not: its temporary files go, and each part under its final name
 *   whose footer carries the export's id (a file other code wrote under that name, after
 *   the crash, carries another or none, and stays);
 * - a deletion: the rest of its files go, each only while its size and modification time
 *   are still those recorded when the deletion began.
 * An intent that cannot be read (0 bytes: cut off while being written, before anything
 * else was) goes alone. An intent that is not ours (unparseable, naming other files) is
 * left in place: nothing is deleted on a guess. A file still held open (by a worker of
 * the interrupted work, which the browser stops a moment after its document) is waited
 * for; the intent goes last, so that what could not be removed is tried again by the next
 * sweep. Call while holding the snapshot's lock.
 */
export async function settleIntent(dir: FileSystemDirectoryHandle, snapshotId: string): Promise<string[]> {
  const name = intentFileName(snapshotId);
  let file: File;
  try {
    file = await (await dir.getFileHandle(name)).getFile();
  } catch (error) {
    // A folder under the intent's name is not one (and no clean-up removes a folder).
    if (error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')) return [];
    throw error;
  }
  if (file.size === 0) return (await removeIfExists(dir, name)) ? [name] : [];
  let intent: SnapshotIntent;
  try {
    intent = parseIntent(await file.text(), snapshotId);
  } catch (error) {
    console.warn(`leaving ${name} alone: it is not an intent this extension wrote`, error);
    return [];
  }
  const committed = intent.kind === 'export' && (await fileExists(dir, manifestFileName(snapshotId)));
  const doomed = committed ? intent.files.filter((n) => parseSnapshotFileName(n).kind === 'temp') : intent.files;
  const removed: string[] = [];
  const manifest = manifestFileName(snapshotId);
  for (const target of [...doomed.filter((n) => n === manifest), ...doomed.filter((n) => n !== manifest)]) {
    // Asked again before every attempt: a file held open when first tried may be rewritten by whoever held it.
    let kept = false;
    const meant = async () => {
      kept = !(await isWhatTheWorkMeant(dir, intent, target));
      return !kept;
    };
    if (await removeOnceReleased(dir, target, meant)) removed.push(target);
    else if (kept) console.warn(`keeping ${target}: it is not the file the interrupted ${intent.kind} of snapshot ${snapshotId} meant (other code wrote it)`);
  }
  if (await removeIfExists(dir, name)) removed.push(name);
  return removed;
}

/**
 * Whether `name`, as it is now, is the file `intent` meant: a temporary file of an export
 * (only exports write under those names); a part that carries the export's id; a file of a
 * deletion still as it was.
 */
async function isWhatTheWorkMeant(dir: FileSystemDirectoryHandle, intent: SnapshotIntent, name: string): Promise<boolean> {
  if (intent.kind === 'export' && parseSnapshotFileName(name).kind === 'temp') return true;
  const file = await fileIfExists(dir, name);
  // Nothing to remove (a folder of that name is never removed: removeIfExists takes files only).
  if (file === null) return true;
  if (intent.kind === 'delete') {
    const stamp = intent.stamps[name];
    return stamp !== undefined && stamp.size === file.size && stamp.lastModified === file.lastModified;
  }
  if (intent.exportId === null) return false;
  const check = await checkParquet(file);
  return check.status === 'ok' && check.exportId === intent.exportId;
}

/**
 * Settles (see {@link settleIntent}) the interrupted work of every snapshot in `dir` whose
 * lock nobody holds: work whose lock is held is running, and its files are left alone.
 * Returns the names removed. A snapshot that cannot be settled now keeps its intent, so
 * that the next sweep tries again; the others are settled meanwhile.
 */
export async function settleInterruptedWork(dir: FileSystemDirectoryHandle, lockFolder: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listFileNames(dir)) {
    const role = parseSnapshotFileName(name);
    if (role.kind !== 'intent') continue;
    try {
      removed.push(...((await ifSnapshotUnlocked(lockFolder, role.snapshotId, () => settleIntent(dir, role.snapshotId))) ?? []));
    } catch (error) {
      console.error(`could not settle the interrupted work on snapshot ${role.snapshotId}`, error);
    }
  }
  return removed;
}

/**
 * The extension's `snapshots/` folder: manifests, locks and removal of a snapshot's files.
 */
import type { SnapshotManifest } from '../protocol';
import { getDirectory, listFileNames, opfsRoot, removeIfExists } from '../opfs/fs';
import { SNAPSHOTS_DIR, assertValidSnapshotId, belongsToSnapshot, manifestFileName, parseSnapshotFileName } from '../snapshot/names';
import { parseManifest } from '../snapshot/manifest';
import { UserFacingError } from '../errors';

export { withSnapshotLock } from '../snapshot/locks';

export async function snapshotsDirectory(): Promise<FileSystemDirectoryHandle> {
  return getDirectory(await opfsRoot(), SNAPSHOTS_DIR, { create: true });
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
  const manifest = parseManifest(text);
  if (manifest.snapshotId !== snapshotId) {
    throw new UserFacingError('InvalidManifestError', `The manifest of "${snapshotId}" names another snapshot ("${manifest.snapshotId}").`);
  }
  return manifest;
}

/** Every committed snapshot, newest first. Unreadable manifests are skipped (the panel flags them). */
export async function listManifests(dir: FileSystemDirectoryHandle): Promise<SnapshotManifest[]> {
  const manifests: SnapshotManifest[] = [];
  for (const name of await listFileNames(dir)) {
    const role = parseSnapshotFileName(name);
    if (role.kind !== 'manifest') continue;
    try {
      manifests.push(await readManifest(dir, role.snapshotId));
    } catch (error) {
      console.warn(`skipping unreadable manifest ${name}`, error);
    }
  }
  return manifests.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * Removes every file of `snapshotId`, manifest first, so that a crash half-way leaves
 * an uncommitted (flagged, purgeable) set of parts rather than a manifest without parts.
 * The caller holds the snapshot's lock.
 */
export async function removeSnapshotFiles(dir: FileSystemDirectoryHandle, snapshotId: string): Promise<string[]> {
  const names = (await listFileNames(dir)).filter((n) => belongsToSnapshot(n, snapshotId));
  const manifest = manifestFileName(snapshotId);
  const ordered = [...names.filter((n) => n === manifest), ...names.filter((n) => n !== manifest)];
  const removed: string[] = [];
  for (const name of ordered) if (await removeIfExists(dir, name)) removed.push(name);
  return removed;
}

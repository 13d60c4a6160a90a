/**
 * Clean-up of what interrupted work leaves behind in the extension's own OPFS: the files
 * of a snapshot that has no manifest were written by an export that never committed
 * (the document hosting it was closed, the browser quit). They are removed only while
 * nobody holds the snapshot's lock, so a running export is never touched.
 */
import { getDirectory, listFileNames, opfsRoot, removeIfExists } from '../opfs/fs';
import { MANIFEST_SUFFIX, SNAPSHOTS_DIR, STAGING_DIR, parseSnapshotFileName } from '../snapshot/names';
import { ifSnapshotUnlocked } from '../snapshot/locks';
import { removeSnapshotFiles } from './snapshot-files';

/** A staged CSV this old was abandoned: its import would have read it long ago. */
const STALE_STAGING_MS = 60 * 60_000;

export async function sweepAbandoned(now = Date.now()): Promise<string[]> {
  const root = await opfsRoot();
  const removed: string[] = [];
  const snapshots = await getDirectory(root, SNAPSHOTS_DIR, { create: true });
  const names = await listFileNames(snapshots);
  const committed = new Set(names.filter((n) => n.endsWith(MANIFEST_SUFFIX)).map((n) => n.slice(0, -MANIFEST_SUFFIX.length)));
  const uncommitted = new Set<string>();
  for (const name of names) {
    const role = parseSnapshotFileName(name);
    if (role.kind === 'other' || role.snapshotId === undefined) continue;
    // A temporary file is debris even next to a manifest (e.g. a `.tmp` whose rename was cut off).
    if (!committed.has(role.snapshotId) || role.kind === 'temp') uncommitted.add(role.snapshotId);
  }
  for (const snapshotId of uncommitted) {
    const gone = await ifSnapshotUnlocked(snapshotId, async () => {
      if (!committed.has(snapshotId)) return removeSnapshotFiles(snapshots, snapshotId);
      const temps = (await listFileNames(snapshots)).filter((n) => {
        const role = parseSnapshotFileName(n);
        return role.kind === 'temp' && role.snapshotId === snapshotId;
      });
      for (const name of temps) await removeIfExists(snapshots, name);
      return temps;
    });
    for (const name of gone ?? []) removed.push(`${SNAPSHOTS_DIR}/${name}`);
  }
  const staging = await getDirectory(root, STAGING_DIR, { create: true });
  for (const name of await listFileNames(staging)) {
    const file = await (await staging.getFileHandle(name)).getFile();
    if (now - file.lastModified > STALE_STAGING_MS && (await removeIfExists(staging, name))) removed.push(`${STAGING_DIR}/${name}`);
  }
  return removed;
}

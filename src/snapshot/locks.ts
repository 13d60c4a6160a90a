/**
 * Web Locks over snapshot files, shared by every extension context (the offscreen
 * exporter and the panel's cleanup): a cleanup can never remove a part that an export
 * is writing, because both hold the snapshot's lock while they touch its files.
 */

const LOCK_PREFIX = 'opfs-snapshot-inspector:snapshot:';

export function snapshotLockName(snapshotId: string): string {
  return `${LOCK_PREFIX}${snapshotId}`;
}

/** Runs `work` holding the snapshot's exclusive lock, waiting for it if needed. */
export async function withSnapshotLock<T>(snapshotId: string, work: () => Promise<T>): Promise<T> {
  return await navigator.locks.request(snapshotLockName(snapshotId), { mode: 'exclusive' }, work);
}

/**
 * Runs `work` holding the snapshot's lock if nobody holds it; otherwise resolves to
 * `undefined` at once (the files are in use: a cleanup skips them).
 */
export async function ifSnapshotUnlocked<T>(snapshotId: string, work: () => Promise<T>): Promise<T | undefined> {
  return await navigator.locks.request(snapshotLockName(snapshotId), { mode: 'exclusive', ifAvailable: true }, (lock) =>
    lock ? work() : undefined,
  );
}

/** Ids of the snapshots whose lock someone holds or waits for right now. */
export async function snapshotsInUse(): Promise<Set<string>> {
  const { held = [], pending = [] } = await navigator.locks.query();
  const ids = new Set<string>();
  for (const lock of [...held, ...pending]) if (lock.name?.startsWith(LOCK_PREFIX)) ids.add(lock.name.slice(LOCK_PREFIX.length));
  return ids;
}

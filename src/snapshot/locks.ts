/**
 * Web Locks over snapshot files, shared by every context of one origin (the extension's
 * engine and panel; an app's exporter and the panel's purge in that app's page): a cleanup
 * can never remove a file that an export is writing, because both hold the snapshot's
 * lock while they touch its files.
 *
 * A lock names the snapshot's folder and id: two folders may hold snapshots of one id.
 */
const LOCK_PREFIX = 'opfs-snapshot-inspector:snapshot:';
const STAGING_LOCK_PREFIX = 'opfs-snapshot-inspector:staging:';

/** The lock of snapshot `snapshotId` in `folder` ('/'-separated path from the OPFS root). */
export function snapshotLockName(folder: string, snapshotId: string): string {
  return `${LOCK_PREFIX}${folder}/${snapshotId}`;
}

/** The folder and id a lock name of {@link snapshotLockName} stands for. */
export function parseSnapshotLockName(name: string): { folder: string; snapshotId: string } | undefined {
  if (!name.startsWith(LOCK_PREFIX)) return undefined;
  const rest = name.slice(LOCK_PREFIX.length);
  const cut = rest.lastIndexOf('/');
  return cut < 0 ? undefined : { folder: rest.slice(0, cut), snapshotId: rest.slice(cut + 1) };
}

/** Runs `work` holding the snapshot's exclusive lock, waiting for it if needed. */
export async function withSnapshotLock<T>(folder: string, snapshotId: string, work: () => Promise<T>): Promise<T> {
  return await navigator.locks.request(snapshotLockName(folder, snapshotId), { mode: 'exclusive' }, work);
}

/**
 * Runs `work` holding the snapshot's lock if nobody holds it; otherwise resolves to
 * `undefined` at once (the files are in use: a cleanup skips them).
 */
export async function ifSnapshotUnlocked<T>(folder: string, snapshotId: string, work: () => Promise<T>): Promise<T | undefined> {
  return await navigator.locks.request(snapshotLockName(folder, snapshotId), { mode: 'exclusive', ifAvailable: true }, (lock) =>
    lock ? work() : undefined,
  );
}

/** `folder/id` of every snapshot whose lock someone holds or waits for right now. */
export async function snapshotsInUse(): Promise<Set<string>> {
  const { held = [], pending = [] } = await navigator.locks.query();
  const keys = new Set<string>();
  for (const lock of [...held, ...pending]) {
    const parsed = lock.name === undefined ? undefined : parseSnapshotLockName(lock.name);
    if (parsed) keys.add(`${parsed.folder}/${parsed.snapshotId}`);
  }
  return keys;
}

/**
 * The lock of a CSV staged in `staging/<name>` for an import. Whoever needs the file held
 * takes it shared — the panel while it copies the file and until the engine answered, the
 * engine while its import is queued or running — so that both can hold it at once; the
 * sweep takes it exclusive, without waiting, and removes the file only when it gets it.
 */
export function stagingLockName(name: string): string {
  return `${STAGING_LOCK_PREFIX}${name}`;
}

/** Runs `work` holding the staged file's lock (shared). */
export async function withStagingLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  return await navigator.locks.request(stagingLockName(name), { mode: 'shared' }, work);
}

/** Takes the staged file's lock (shared) until the returned function is called. */
export function holdStagingLock(name: string): () => void {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  navigator.locks.request(stagingLockName(name), { mode: 'shared' }, () => released).catch((error: unknown) => console.warn(`could not hold the lock of staged ${name}`, error));
  return release;
}

/** Runs `work` if nobody is copying into staged file `name`; else resolves to `undefined`. */
export async function ifStagingUnlocked<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
  return await navigator.locks.request(stagingLockName(name), { mode: 'exclusive', ifAvailable: true }, (lock) => (lock ? work() : undefined));
}

/** Names of staged files somebody is copying into right now. */
export async function stagingInUse(): Promise<Set<string>> {
  const { held = [], pending = [] } = await navigator.locks.query();
  const names = new Set<string>();
  for (const lock of [...held, ...pending]) if (lock.name?.startsWith(STAGING_LOCK_PREFIX)) names.add(lock.name.slice(STAGING_LOCK_PREFIX.length));
  return names;
}

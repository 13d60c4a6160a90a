/**
 * Clean-up of what interrupted work leaves in the extension's own OPFS, limited to what is
 * provably that work's:
 * - `snapshots/`: only what an intent record names (see src/snapshot/intent.ts), and of
 *   that only a file that is still the one the work meant, and only
 *   while nobody holds that snapshot's lock (a running export is never touched). Files
 *   without an intent — a snapshot whose manifest was damaged, a part the user renamed, a
 *   `.tmp` of an older version — are never removed here: the panel shows them, and they go
 *   only through a confirmation that lists them.
 * - `staging/`: a CSV copy whose copier is gone: nobody holds its staging lock (the panel
 *   holds it while copying and until the engine has its request), no import of this
 *   engine has claimed it, and it has not been written to for {@link STAGING_GRACE_MS}
 *   (a file staged a moment ago may be one whose import request is still on its way).
 */
import { getDirectory, listFileNames, opfsRoot, removeIfExists } from '../opfs/fs';
import { SNAPSHOTS_DIR, STAGING_DIR } from '../snapshot/names';
import { holdStagingLock, ifStagingUnlocked } from '../snapshot/locks';
import { settleInterruptedWork } from './snapshot-files';

export const STAGING_GRACE_MS = 10_000;

/** Staged files that an import of this engine is reading or about to read. */
const claimedStaging = new Set<string>();

/**
 * Marks `staging/<name>` as taken by an import until `release` is called: in this engine at
 * once, and for every other context (the panel's listing) by holding its staging lock.
 */
export function claimStagedFile(name: string): () => void {
  claimedStaging.add(name);
  const releaseLock = holdStagingLock(name);
  return () => {
    claimedStaging.delete(name);
    releaseLock();
  };
}

/** The staged CSV a staging file name belongs to (Chrome's `.crswap` of an open writable included). */
function stagedBase(name: string): string {
  return name.endsWith('.crswap') ? name.slice(0, -'.crswap'.length) : name;
}

export async function sweepAbandoned(now = Date.now()): Promise<string[]> {
  const root = await opfsRoot();
  const snapshots = await getDirectory(root, SNAPSHOTS_DIR, { create: true });
  const removed = (await settleInterruptedWork(snapshots, SNAPSHOTS_DIR)).map((file) => `${SNAPSHOTS_DIR}/${file}`);
  const staging = await getDirectory(root, STAGING_DIR, { create: true });
  for (const name of await listFileNames(staging)) {
    const base = stagedBase(name);
    const gone = await ifStagingUnlocked(base, async () => {
      if (claimedStaging.has(base)) return false;
      const file = await (await staging.getFileHandle(name)).getFile();
      return now - file.lastModified > STAGING_GRACE_MS && (await removeIfExists(staging, name));
    });
    if (gone) removed.push(`${STAGING_DIR}/${name}`);
  }
  return removed;
}

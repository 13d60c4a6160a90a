/**
 * The two places the panel lists: the inspected page's OPFS (another origin, reached by
 * `inspectedWindow.eval`) and the extension's own OPFS (the panel's origin, read directly).
 * Both scan with the same walker and answer in the same validated shapes.
 */
import {
  collectScanSlices,
  pageLogPollExpression,
  pagePurgeExpression,
  pageReleaseExpression,
  pageScanExpression,
  pageScanPollExpression,
  pageScanSliceExpression,
  parsePurgePoll,
  parseScanHeaderPoll,
  purgeExtensionOpfs,
  scanExtensionOpfs,
  type PurgeEntry,
  type PurgeResult,
  type PurgeTarget,
  type ScanOptions,
  type ScanResult,
} from '../src/opfs/page-scan';
import { SNAPSHOTS_DIR, STAGING_DIR, parseSnapshotFileName } from '../src/snapshot/names';
import { snapshotsInUse, stagingInUse } from '../src/snapshot/locks';
import { PageUnavailableError, evalInPage, hasInspectedWindow, retryWhileNavigating, runPageTask, type PageTaskInterruptedError } from './inspected-window';

export type SourceKind = 'page' | 'extension';

export interface OpfsSource {
  kind: SourceKind;
  scan(onProgress: (filesSeen: number) => void): Promise<ScanResult>;
  /**
   * Removes exactly `targets`, each only if it still has the size the panel listed; files
   * that are held open or in use are reported as locked, files that changed as changed.
   * `onProgress` hears each outcome as it is known: a purge cut short (the page reloaded)
   * rejects with {@link PageTaskInterruptedError} holding the outcomes so far.
   */
  purge(targets: readonly PurgeTarget[], onProgress: (filesDone: number, finished: readonly PurgeEntry[]) => void): Promise<PurgeResult>;
  /** Paths among `paths` that the extension is writing right now (never offered for cleanup). */
  pathsInUse(paths: readonly string[]): Promise<Set<string>>;
}

const SCAN_OPTIONS: ScanOptions = { footerBytesLimit: 1024 * 1024, footerBudgetBytes: 32 * 1024 * 1024 };

let requestCounter = 0;
const newRequestId = () => `r${Date.now().toString(36)}${(requestCounter += 1)}`;

export const pageSource: OpfsSource = {
  kind: 'page',
  async scan(onProgress) {
    if (!hasInspectedWindow()) throw new Error('Open this panel in DevTools to inspect a page: here it only sees the extension.');
    // A scan that the page's navigation interrupts (while walking or while handing over) starts again.
    return retryWhileNavigating(4, async () => {
      const id = newRequestId();
      try {
        const header = await runPageTask(pageScanExpression(id, SCAN_OPTIONS), () => pageScanPollExpression(id), parseScanHeaderPoll, { onProgress });
        onProgress(header.fileCount);
        // The lists come in slices, each validated in its own task: the panel stays responsive at 100,000 files.
        return await collectScanSlices(header, async (list, start) => {
          const slice = await evalInPage(pageScanSliceExpression(id, list, start));
          if (slice === null) throw new PageUnavailableError('The inspected page navigated or reloaded during the operation.', true, 'gone');
          return slice;
        });
      } finally {
        // The page holds the whole answer until told otherwise; a page that cannot be told (it navigated) has dropped it anyway.
        await evalInPage(pageReleaseExpression(id)).catch((error: unknown) => console.warn('could not release the scan answer in the page', error));
      }
    });
  },
  async purge(targets, onProgress) {
    const id = newRequestId();
    let done = 0;
    return runPageTask(pagePurgeExpression(id, targets), (from) => pageLogPollExpression(id, from), (value) => parsePurgePoll(value, targets), {
      onEntries: (entries) => onProgress((done += entries.length), entries),
    });
  },
  async pathsInUse() {
    return new Set();
  },
};

/** The snapshot a file of the extension's `snapshots/` folder belongs to, if any. */
export function snapshotOf(path: string): string | undefined {
  const [folder, name, ...rest] = path.split('/');
  if (folder !== SNAPSHOTS_DIR || !name || rest.length > 0) return undefined;
  const role = parseSnapshotFileName(name);
  return role.kind === 'other' ? undefined : role.snapshotId;
}

export const extensionSource: OpfsSource = {
  kind: 'extension',
  async scan(onProgress) {
    return scanExtensionOpfs(await navigator.storage.getDirectory(), { ...SCAN_OPTIONS, onProgress });
  },
  async purge(targets, onProgress) {
    // The same purge as in the page: files of a snapshot go only while holding its lock,
    // taken without waiting, so those of a running export are skipped as locked.
    return purgeExtensionOpfs(await navigator.storage.getDirectory(), targets, (done, entry) => onProgress(done, [entry]));
  },
  async pathsInUse(paths) {
    const [snapshots, staging] = await Promise.all([snapshotsInUse(), stagingInUse()]);
    return new Set(
      paths.filter((path) => {
        const [folder, name, ...rest] = path.split('/');
        if (folder === STAGING_DIR && name && rest.length === 0) return staging.has(name.replace(/\.crswap$/, ''));
        return snapshots.has(`${SNAPSHOTS_DIR}/${snapshotOf(path) ?? ''}`);
      }),
    );
  },
};

export const sources: Record<SourceKind, OpfsSource> = { page: pageSource, extension: extensionSource };

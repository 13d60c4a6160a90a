/**
 * The two places the panel lists: the inspected page's OPFS (another origin, reached by
 * `inspectedWindow.eval`) and the extension's own OPFS (the panel's origin, read directly,
 * see extension-storage.ts). Both run the same page functions (src/inspected-page/) and
 * pass every answer through the same validators (src/opfs/page-answers.ts).
 */
import {
  parseCheckEntry,
  parseEditResult,
  parseHandleProbe,
  parseUploadOutcome,
  parseUploadState,
  parseLiveChanges,
  askedByPath,
  parsePoll,
  parsePurgeEntry,
  parsePurgeResult,
  parseReadResult,
  parseWalkEntry,
  parseWalkSummary,
  requestedPaths,
  deliverWalkAnswers,
  walkAnswerParser,
  type CheckedFile,
  type HandleProbe,
  type LiveChanges,
  type WalkListener,
} from '../src/opfs/page-answers';
import { SCAN_LIMITS, type CheckRequest, type EditResult, type UploadOutcome, type UploadState, type PurgeEntry, type PurgeResult, type PurgeTarget, type ReplaceCondition, type WalkEntry, type WalkOptions, type WalkSummary } from '../src/opfs/scan-types';
import { SNAPSHOTS_DIR, STAGING_DIR, parseSnapshotFileName } from '../src/snapshot/names';
import { snapshotsInUse, stagingInUse } from '../src/snapshot/locks';
import { evalInPage, hasInspectedWindow, runPageTask } from './inspected-window';
import { UPLOAD_CHUNK_BYTES, abortUploadExpression, beginUploadExpression, finishUploadExpression, writeUploadExpression, checkExpression, collectChangesExpression, probeHandlesExpression, makeFolderExpression, moveExpression, purgeExpression, readExpression, statExpression, unwatchExpression, walkExpression, watchExpression } from './page-expressions';
import { extensionStorage } from './extension-storage';

export type SourceKind = 'page' | 'extension';

/** Walks that also read: not in an origin listed in `unlessOrigins`, whose verdicts the panel knows. */
export interface WalkReads {
  unlessOrigins: string[];
}

export interface OpfsSource {
  kind: SourceKind;
  /**
   * Lists every folder and file (size and time), handing entries over as they are found;
   * with `reads`, also reads what each file's verdict needs as soon as it is listed (a first
   * scan then reads while it walks). Once `wanted()` turns false the walk stops (and
   * rejects with a PageTaskStoppedError).
   */
  walk(listener: WalkListener, wanted?: () => boolean, reads?: WalkReads): Promise<WalkSummary>;
  /** Reads what the verdicts of `requests` need, handing results over as they come; stops like {@link walk}. */
  check(requests: readonly CheckRequest[], onChecked: (files: readonly CheckedFile[]) => void, wanted?: () => boolean): Promise<void>;
  /**
   * Removes exactly `targets`, each only if it still has the size the panel listed; files
   * that are held open or in use are reported as locked, files that changed as changed.
   * `onProgress` hears each outcome as it is known: a purge cut short (the page reloaded)
   * rejects with a PageTaskInterruptedError, after the outcomes heard so far.
   */
  purge(targets: readonly PurgeTarget[], onProgress: (filesDone: number, finished: readonly PurgeEntry[]) => void): Promise<PurgeResult>;
  /** Bytes `start`..`end` of a file (at most a few MiB per call), with its size and time now. */
  read(path: string, start: number, end: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; size: number; lastModified: number }>;
  /** Moves or renames `from` to `to`, never over an existing entry (see moveOpfsEntry). */
  move(from: string, to: string, size: number | null): Promise<EditResult>;
  /** Makes the folder `path` (see makeOpfsFolder). */
  makeFolder(path: string): Promise<EditResult>;
  /**
   * Writes `file` into `folder` (made if missing) as `name`, by chunks under a temporary name
   * (see src/inspected-page/upload.ts); over an existing file only when `replace`. `onBytes`
   * hears the bytes written; an abort of `signal` stops it and removes the temporary file.
   */
  upload(file: Blob, folder: string, name: string, replace: ReplaceCondition | null, onBytes: (written: number) => void, signal: AbortSignal): Promise<UploadOutcome>;
  /** Paths among `paths` that the extension is writing right now (never offered for cleanup). */
  pathsInUse(paths: readonly string[]): Promise<Set<string>>;
  /** Which of `paths` a handle holds open right now, asked without writing anything; and the Web Locks held or awaited. */
  probeHandles(paths: readonly string[]): Promise<HandleProbe>;
  /** Lists `paths` anew (what a live watch reported): files, folders with their contents, and `g` for paths gone. */
  stat(paths: readonly string[], onEntries: (entries: readonly WalkEntry[]) => void): Promise<void>;
  /** Starts recording the storage's changes (its FileSystemObserver); 'unsupported' where there is none. */
  watch(): Promise<'started' | 'unsupported'>;
  /** The changes recorded since the last call, touching no file; null when no watch runs (the page navigated). */
  collectChanges(): Promise<LiveChanges | null>;
  unwatch(): Promise<void>;
}

/** How large a footer the check reads: larger ones are reported as not read. */
export const CHECK_OPTIONS = { footerBytesLimit: 1024 * 1024, concurrency: 128 } as const;

/**
 * The walk's options: it reads too when asked to, one file at a time until every file is
 * listed (list first, check after). Measured at 10,000 files (`npm run bench`), 16 reads
 * while listing listed every file 0.1–0.25 s later than one, and checked them no sooner.
 */
export function walkOptions(reads: WalkReads | undefined): WalkOptions {
  return reads ? { check: { ...CHECK_OPTIONS, whileListing: 1, textBytesLimit: SCAN_LIMITS.maxRecordTextLength, unlessOrigins: reads.unlessOrigins } } : {};
}

/** Chunks of an upload sent ahead of what the page has written. */
const UPLOAD_CHUNKS_QUEUED = 4;
/** How long an upload waits for the page to write any of the bytes it holds. */
const UPLOAD_STALL_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The state of an upload in the page; an upload the page no longer has is an error. */
async function writeUpload(uploadId: string, base64: string): Promise<UploadState> {
  const state = parseUploadState(await evalInPage(writeUploadExpression(uploadId, base64)));
  if (!state) throw new Error('The page no longer has this upload (it reloaded, or heard nothing for a minute).');
  return state;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

let requestCounter = 0;
const newRequestId = (kind: string) => `${kind}${Date.now().toString(36)}${(requestCounter += 1)}`;

/**
 * The inspected page's OPFS. With `origin` (the one its files were listed from), every task
 * that reads or changes a listed file starts only in a page of that origin: a navigation
 * the panel has not heard of yet turns an action into an error, never into a change to
 * another site's files of the same names.
 */
export function pageSourceAt(origin?: string): OpfsSource {
  return {
    kind: 'page',
    async walk(listener, wanted, reads) {
      if (!hasInspectedWindow()) throw new Error('Open this panel in DevTools to inspect a page: here it only sees the extension.');
      const id = newRequestId('walk');
      const parse = walkAnswerParser();
      return runPageTask(id, walkExpression(id, walkOptions(reads)), (value) => parsePoll(value, parseWalkSummary, parse), {
        onEntries: (answers) => deliverWalkAnswers(answers, listener),
        intervalMs: 40,
        wanted,
      });
    },
    async check(requests, onChecked, wanted) {
      if (requests.length === 0) return;
      const id = newRequestId('check');
      const asked = askedByPath(requests);
      await runPageTask(id, checkExpression(id, requests, CHECK_OPTIONS, origin), (value) => parsePoll(value, () => undefined, (entry, what) => parseCheckEntry(entry, what, asked)), {
        onEntries: onChecked,
        intervalMs: 40,
        wanted,
      });
    },
    async purge(targets, onProgress) {
      const id = newRequestId('purge');
      const allowed = requestedPaths(targets);
      let done = 0;
      return runPageTask(id, purgeExpression(id, targets, origin), (value) => parsePoll(value, (result) => parsePurgeResult(result, targets), (entry, what) => parsePurgeEntry(entry, what, allowed)), {
        onEntries: (entries) => onProgress((done += entries.length), entries),
      });
    },
    async read(path, start, end) {
      const id = newRequestId('read');
      return runPageTask(id, readExpression(id, path, start, end, origin), (value) => parsePoll(value, (result) => parseReadResult(result, end - start)), { intervalMs: 15 });
    },
    async move(from, to, size) {
      const id = newRequestId('move');
      return runPageTask(id, moveExpression(id, from, to, size, origin), (value) => parsePoll(value, parseEditResult), { intervalMs: 15 });
    },
    async makeFolder(path) {
      const id = newRequestId('mkdir');
      return runPageTask(id, makeFolderExpression(id, path, origin), (value) => parsePoll(value, parseEditResult), { intervalMs: 15 });
    },
    async upload(file, folder, name, replace, onBytes, signal) {
      const uploadId = newRequestId('up');
      const tempName = `${name}.${uploadId}.upload.tmp`;
      const beginId = newRequestId('ub');
      await runPageTask(beginId, beginUploadExpression(beginId, uploadId, folder, tempName, origin), (value) => parsePoll(value, () => undefined), { intervalMs: 15 });
      try {
        for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
          signal.throwIfAborted();
          const bytes = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
          const sent = offset + bytes.length;
          let state = await writeUpload(uploadId, toBase64(bytes));
          // No more than a few chunks wait in the page: its memory stays bounded whatever the size.
          // Stop stops the wait too, and a page that writes nothing for long (or answers counts it cannot have) ends it.
          let progressAt = performance.now();
          let written = state.written;
          while (state.queued - state.written > UPLOAD_CHUNKS_QUEUED * UPLOAD_CHUNK_BYTES && state.error === null) {
            if (state.queued > sent || state.written > state.queued) throw new Error(`The page answered the upload with counts it cannot have (${state.written} of ${state.queued} bytes written, ${sent} sent).`);
            if (state.written !== written) [written, progressAt] = [state.written, performance.now()];
            else if (performance.now() - progressAt > UPLOAD_STALL_MS) throw new Error(`The page wrote none of the upload's bytes for ${UPLOAD_STALL_MS / 1000} s.`);
            signal.throwIfAborted();
            await sleep(10);
            state = await writeUpload(uploadId, '');
          }
          if (state.error !== null) break; // finishing reports it, and removes the temporary file
          onBytes(state.written);
        }
        signal.throwIfAborted();
        const finishId = newRequestId('uf');
        return await runPageTask(finishId, finishUploadExpression(finishId, uploadId, name, file.size, replace), (value) => parsePoll(value, parseUploadOutcome), { intervalMs: 15 });
      } catch (error) {
        await evalInPage(abortUploadExpression(uploadId)).catch(() => undefined);
        throw error;
      }
    },
    async pathsInUse() {
      return new Set();
    },
    async probeHandles(paths) {
      const id = newRequestId('held');
      return runPageTask(id, probeHandlesExpression(id, paths), (value) => parsePoll(value, (result) => parseHandleProbe(result, paths)), { intervalMs: 15 });
    },
    async stat(paths, onEntries) {
      const id = newRequestId('stat');
      await runPageTask(id, statExpression(id, paths), (value) => parsePoll(value, () => undefined, parseWalkEntry), { onEntries, intervalMs: 40 });
    },
    async watch() {
      const answer = await evalInPage(watchExpression());
      if (answer !== 'started' && answer !== 'unsupported') throw new Error('The page answered the live watch with something else than started or unsupported.');
      return answer;
    },
    collectChanges: async () => parseLiveChanges(await evalInPage(collectChangesExpression())),
    async unwatch() {
      await evalInPage(unwatchExpression());
    },
  };
}

const pageSource = pageSourceAt();

/** The snapshot a file of the extension's `snapshots/` folder belongs to, if any. */
export function snapshotOf(path: string): string | undefined {
  const [folder, name, ...rest] = path.split('/');
  if (folder !== SNAPSHOTS_DIR || !name || rest.length > 0) return undefined;
  const role = parseSnapshotFileName(name);
  return role.kind === 'other' ? undefined : role.snapshotId;
}

export const extensionSource: OpfsSource = {
  kind: 'extension',
  walk: (listener, wanted, reads) => extensionStorage.walk(listener, walkOptions(reads), wanted),
  check: (requests, onChecked, wanted) => extensionStorage.check(requests, CHECK_OPTIONS, onChecked, wanted),
  purge: (targets, onProgress) => extensionStorage.purge(targets, onProgress),
  read: (path, start, end) => extensionStorage.read(path, start, end),
  move: (from, to, size) => extensionStorage.move(from, to, size),
  upload: (file, folder, name, replace, onBytes, signal) => extensionStorage.upload(file, folder, name, replace, onBytes, signal),
  makeFolder: (path) => extensionStorage.makeFolder(path),
  stat: (paths, onEntries) => extensionStorage.stat(paths, onEntries),
  watch: async () => extensionStorage.watch(),
  collectChanges: async () => extensionStorage.collectChanges(),
  unwatch: async () => extensionStorage.unwatch(),
  async probeHandles() {
    // The extension's own files are held only by its engine, which says what it writes (pathsInUse).
    const { held = [], pending = [] } = await navigator.locks.query();
    const shape = (lock: LockInfo) => ({ name: lock.name ?? '', mode: lock.mode ?? '' });
    return { probed: false, why: 'the extension’s own storage: its engine says which files it writes', held: new Set<string>(), failed: new Map<string, string>(), asked: 0, longestHoldMs: 0, locks: { held: held.map(shape), pending: pending.map(shape) } };
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

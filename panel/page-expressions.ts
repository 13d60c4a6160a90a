/**
 * The text the panel sends to the inspected page through `inspectedWindow.eval`: each
 * expression calls one of the self-contained functions of src/inspected-page/ (their
 * source, from `Function.prototype.toString`), with its arguments embedded as JSON, which
 * is also valid JavaScript: no escaping by hand, no page value ever becomes code.
 */
import { PAGE_GLOBAL, SCAN_LIMITS, type CheckOptions, type CheckRequest, type PurgeTarget, type ReplaceCondition, type WalkOptions } from '../src/opfs/scan-types';
import { pollPageTask, releasePageTask, runPageTask } from '../src/inspected-page/task';
import { statOpfsPaths, walkOpfs } from '../src/inspected-page/walk';
import { walkOpfsInWorker, walkWorkerMain } from '../src/inspected-page/walk-worker';
import { collectOpfsChanges, unwatchOpfs, watchOpfs } from '../src/inspected-page/live';
import { checkOpfsFiles, readForVerdict } from '../src/inspected-page/check';
import { purgeOpfsFiles } from '../src/inspected-page/purge';
import { probeOpfsHandles } from '../src/inspected-page/handles';
import { readOpfsRange } from '../src/inspected-page/read';
import { makeOpfsFolder, moveOpfsEntry } from '../src/inspected-page/edit';
import { abortOpfsUpload, beginOpfsUpload, finishOpfsUpload, writeOpfsUpload } from '../src/inspected-page/upload';

/** Entries a poll hands over at most; a poll that gets a full slice polls again at once. */
export const LOG_SLICE = 5000;
/**
 * And about this many characters of text (footers in base64), so that no answer takes the
 * panel long to parse. Above what 5,000 walk entries weigh (about 80 characters each): at
 * 256 KiB a walk of 100,000 files needed 33 polls instead of 20, each waiting on a page
 * busy with its walk (the CI's 100,000-file listing went from about 30 s to 44 s).
 */
export const LOG_SLICE_CHARS = 1024 * 1024;
/** The characters of one JSON text of entries in an answer: what the panel parses in one slice (about a millisecond). */
export const LOG_CHUNK_CHARS = 64 * 1024;
/** A walk's worker that has not said it is ready after this long is given up: the walk runs on the page's thread. */
export const WALK_WORKER_START_MS = 5000;
/** The most bytes one ranged read carries (base64 makes them a third larger). */
export const MAX_READ_BYTES = 2 * 1024 * 1024;

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

function requestId(id: string): string {
  if (!REQUEST_ID.test(id)) throw new Error(`Invalid request id "${id}": use 1-64 letters, digits, "_" or "-".`);
  return JSON.stringify(id);
}

const json = (value: unknown): string => JSON.stringify(value);

/**
 * `runPageTask(…, body)` where `body` is the text of a function `(root, storage, report, wanted) => Promise`;
 * with `origin`, the task starts only in a page of that origin (the one whose files were listed).
 */
function startTask(id: string, body: string, origin?: string): string {
  return `(${runPageTask.toString()})(${json(PAGE_GLOBAL)}, ${requestId(id)}, ${body}${origin === undefined ? '' : `, ${json(String(origin))}`})`;
}

/** Starts walking the page's OPFS (in a worker of the page where one can start): folders and files with sizes, streamed as they are found. */
export function walkExpression(id: string, options: WalkOptions): string {
  const read = options.check ? readForVerdict.toString() : 'undefined';
  const program = `(${walkWorkerMain.toString()})(${walkOpfs.toString()}, ${read});`;
  return startTask(id, `function (root, storage, report, wanted) {
  var options = ${json(options)};
  var environment = { origin: String(location.origin), estimate: function () { return storage.estimate(); }, wanted: wanted };
  var onThisThread = function () { return (${walkOpfs.toString()})(root, environment, options, report, ${read}); };
  return (${walkOpfsInWorker.toString()})(${json(program)}, { origin: environment.origin, options: options }, report, wanted, onThisThread, ${WALK_WORKER_START_MS});
}`);
}

/** Starts reading what the verdicts of `requests` need. Only path, size, time and kind of read are embedded. */
export function checkExpression(id: string, requests: readonly CheckRequest[], options: CheckOptions, origin?: string): string {
  const wire = requests.map((r): CheckRequest => ({ path: r.path, size: r.size, lastModified: r.lastModified, read: r.read }));
  return startTask(id, `function (root, storage, report, wanted) {
  return (${checkOpfsFiles.toString()})(root, ${json(wire)}, ${json(options)}, ${readForVerdict.toString()}, report, wanted);
}`, origin);
}

/**
 * Starts removing exactly `targets`, each only if its size (and time, when listed) is still
 * the listed one, and its premises still hold. Only `path`, `size`, `lastModified` and
 * `premises` of each target are embedded.
 */
export function purgeExpression(id: string, targets: readonly PurgeTarget[], origin?: string): string {
  if (targets.length > SCAN_LIMITS.maxPurgePaths) throw new Error(`Too many paths to purge at once (${targets.length}).`);
  const wire = targets.map((t): PurgeTarget =>
    t.directory
      ? { path: t.path, size: 0, directory: true }
      : { path: t.path, size: t.size, lastModified: t.lastModified, ...(t.premises?.length ? { premises: t.premises.map(({ path, size, lastModified }) => ({ path, size, lastModified })) } : {}) },
  );
  return startTask(id, `function (root, storage, report, wanted) {
  return (${purgeOpfsFiles.toString()})(root, ${json(wire)}, report, wanted);
}`, origin);
}

/** Starts reading bytes `start`..`end` of `path` (at most {@link MAX_READ_BYTES}). */
export function readExpression(id: string, path: string, start: number, end: number, origin?: string): string {
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(end) || end < start) throw new Error(`Invalid byte range ${start}..${end}.`);
  return startTask(id, `function (root) {
  return (${readOpfsRange.toString()})(root, ${json(path)}, ${start}, ${end}, ${MAX_READ_BYTES});
}`, origin);
}

/** How long the probe of handles may take before the panel gives up on it (its worker is then ended). */
export const HANDLE_PROBE_TIMEOUT_MS = 10_000;

/** Starts asking which of `paths` a handle holds open right now, and which Web Locks the page holds (see probeOpfsHandles). */
export function probeHandlesExpression(id: string, paths: readonly string[]): string {
  return startTask(id, `function () {
  return (${probeOpfsHandles.toString()})(${json(paths.map(String))}, ${HANDLE_PROBE_TIMEOUT_MS});
}`);
}

/** Starts moving (or renaming) `from` to `to`, only while a file has `size` (null: any, a folder). */
export function moveExpression(id: string, from: string, to: string, size: number | null, origin?: string): string {
  return startTask(id, `function (root, storage, report) {
  return (${moveOpfsEntry.toString()})(root, ${json(String(from))}, ${json(String(to))}, ${json(size)}, false, report);
}`, origin);
}

/** Starts making the folder `path`. */
export function makeFolderExpression(id: string, path: string, origin?: string): string {
  return startTask(id, `function (root) {
  return (${makeOpfsFolder.toString()})(root, ${json(String(path))});
}`, origin);
}

/** An upload's chunk carries at most this many bytes (base64 makes them a third larger). */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;
/** An upload the page hears nothing of for this long aborts itself and removes its temporary file. */
export const UPLOAD_IDLE_MS = 60_000;

/** Starts an upload `uploadId` into `folder` (made if missing), under the temporary name `tempName`. */
export function beginUploadExpression(id: string, uploadId: string, folder: string, tempName: string, origin?: string): string {
  return startTask(id, `function (root) {
  return (${beginOpfsUpload.toString()})(root, ${json(PAGE_GLOBAL)}, ${requestId(uploadId)}, ${json(String(folder))}, ${json(String(tempName))}, ${UPLOAD_IDLE_MS});
}`, origin);
}

/** Queues a chunk of an upload (base64; '' only asks how far it is): answers its state at once. */
export function writeUploadExpression(uploadId: string, base64: string): string {
  const bytes = (base64.length / 4) * 3 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0 || bytes > UPLOAD_CHUNK_BYTES) throw new Error('Not a chunk of base64 text.');
  return `(${writeOpfsUpload.toString()})(${json(PAGE_GLOBAL)}, ${requestId(uploadId)}, ${json(base64)})`;
}

/** Aborts an upload (its temporary file goes). */
export function abortUploadExpression(uploadId: string): string {
  return `void (${abortOpfsUpload.toString()})(${json(PAGE_GLOBAL)}, ${requestId(uploadId)}), true`;
}

/** Starts finishing an upload: close, check its size, name it (see finishOpfsUpload). */
export function finishUploadExpression(id: string, uploadId: string, finalName: string, size: number, replace: ReplaceCondition | null): string {
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`Invalid size ${size}.`);
  const condition = replace === null ? null : { size: replace.size, lastModified: replace.lastModified };
  return startTask(id, `function () {
  return (${finishOpfsUpload.toString()})(${json(PAGE_GLOBAL)}, ${requestId(uploadId)}, ${json(String(finalName))}, ${size}, ${json(condition)});
}`);
}

/** A task's state with the entries it logged from `from` on (see pollPageTask). */
export function pollExpression(id: string, from: number): string {
  if (!Number.isSafeInteger(from) || from < 0) throw new Error(`Invalid log index ${from}.`);
  return `(${pollPageTask.toString()})(${json(PAGE_GLOBAL)}, ${requestId(id)}, ${from}, ${LOG_SLICE}, ${LOG_SLICE_CHARS}, ${LOG_CHUNK_CHARS})`;
}

/** Drops a task's state from the page. */
export function releaseExpression(id: string): string {
  return `(${releasePageTask.toString()})(${json(PAGE_GLOBAL)}, ${requestId(id)})`;
}

/** Starts listing `paths` anew: files, folders with their contents, paths gone. */
export function statExpression(id: string, paths: readonly string[]): string {
  return startTask(id, `function (root, storage, report) {
  return (${statOpfsPaths.toString()})(root, ${json(paths.map(String))}, (${walkOpfs.toString()}), report);
}`);
}

/** The id under which the panel's live watch keeps its state in the page. */
export const LIVE_WATCH_ID = 'live';

/** Starts the page's FileSystemObserver: 'started' or 'unsupported'. */
export function watchExpression(): string {
  return `(${watchOpfs.toString()})(${json(PAGE_GLOBAL)}, ${json(LIVE_WATCH_ID)})`;
}

/** What the live watch recorded since the last collection (touches no file). */
export function collectChangesExpression(): string {
  return `(${collectOpfsChanges.toString()})(${json(PAGE_GLOBAL)}, ${json(LIVE_WATCH_ID)})`;
}

/** Stops the live watch. */
export function unwatchExpression(): string {
  return `(${unwatchOpfs.toString()})(${json(PAGE_GLOBAL)}, ${json(LIVE_WATCH_ID)})`;
}

/**
 * Scanning and purging an Origin Private File System, in two places with one code path:
 *
 * - the inspected web page's OPFS, through `chrome.devtools.inspectedWindow.eval`. That
 *   eval does not await promises, so the expression starts the work, stores progress and
 *   the result on a page global, and returns at once; the panel then polls the global.
 * - the extension's own OPFS, walked directly from the panel ({@link scanExtensionOpfs}).
 *
 * {@link walkOpfs}, {@link purgeOpfsFiles} and {@link runPageTask} are sent to the page as
 * source text (`Function.prototype.toString`). They must stay self-contained: no imports,
 * no module-level constants, no helpers from outside their own bodies, no syntax that a
 * bundler would lower into a shared helper. Their unit tests run them through
 * `new Function`, so a reference that escapes shows up there.
 *
 * Everything coming back from the page is untrusted (the page may replace
 * `navigator.storage`, or the global we poll): {@link parseScanResult} and
 * {@link parsePurgeResult} validate it field by field before the panel sees it.
 */

/** The page global that holds each request's state, keyed by request id. */
export const PAGE_GLOBAL = '__opfsSnapshotInspector';

/** Default number of `getFile()` calls in flight: sequential walks are ~3x slower (PLATFORM-NOTES). */
export const DEFAULT_SCAN_CONCURRENCY = 64;
/** Files a purge works on at once (size check + `removeEntry`); {@link purgeOpfsFiles} repeats it as a literal. */
export const PURGE_CONCURRENCY = 16;
/** Default limit for all footers of one scan together: the answer travels as one JSON value. */
export const DEFAULT_FOOTER_BUDGET_BYTES = 16 * 1024 * 1024;
/** The walker stops listing after this many entries (files and folders) and says so. */
export const DEFAULT_MAX_ENTRIES = 200_000;

/** Hard limits applied to whatever a page answers, whatever it claims. */
export const SCAN_LIMITS = {
  maxEntries: 250_000,
  maxNameLength: 4096,
  maxPathLength: 32_768,
  maxOriginLength: 2048,
  maxErrors: 10_000,
  maxMessageLength: 1000,
  maxFooterBytes: 64 * 1024 * 1024,
  maxPurgePaths: 250_000,
  /** Manifests and intent records larger than this are not read (ours are a few KiB). */
  maxRecordTextLength: 1024 * 1024,
} as const;

/** How a scan is bounded. Only `footerBytesLimit` is required. */
export interface ScanOptions {
  /** Footers (Thrift metadata + 8 tail bytes) larger than this are not read. */
  footerBytesLimit: number;
  /** All footers of one scan together; once spent, further footers are skipped. */
  footerBudgetBytes?: number;
  /** Stop listing after this many files and folders (the result says `truncated`). */
  maxEntries?: number;
  /** Concurrent `getFile()` calls. */
  concurrency?: number;
  /** Folders nested deeper than this are listed but not walked (the page may nest without end). */
  maxDepth?: number;
}

/** The first and last bytes of a Parquet-named file, enough to check it without reading it. */
export interface ParquetProbe {
  /** First (up to) 4 bytes. */
  head: Uint8Array;
  /** Last (up to) 8 bytes: footer length (u32 LE) and the closing magic. */
  tail: Uint8Array;
  /** The footer plus the 8 tail bytes, when its length fits the file and the limits. */
  footer: Uint8Array | null;
  /** Why `footer` is null although the tail looked like Parquet. */
  footerSkipped?: 'too-large' | 'budget';
}

/** One file found by a scan. `path` is folders and name joined by '/'. */
export interface ScannedFile {
  path: string;
  name: string;
  /** Folder path, '' for the root. */
  folder: string;
  size: number;
  lastModified: number;
  /** Only for non-empty files named `*.parquet` or `*.parquet.tmp`. */
  probe?: ParquetProbe;
  /** Instead of `probe`: why the file's bytes could not be read (the page's `File.slice` failed or lied). */
  probeError?: string;
  /** The text of a small snapshot manifest or intent record (`*.manifest.json`, `*.intent.json`). */
  text?: string;
}

/** Something the walk could not read (a folder that vanished, a `getFile()` that failed). */
export interface ScanError {
  /** '' for the storage as a whole (e.g. `estimate()`). */
  path: string;
  message: string;
}

/** A validated scan of one origin's OPFS. */
export interface ScanResult {
  origin: string;
  usage: number | null;
  quota: number | null;
  /** Every folder (so empty ones show), sorted. */
  directories: string[];
  /** Every file, sorted by path. */
  files: ScannedFile[];
  errors: ScanError[];
  /** True when the walk stopped at its entry limit. */
  truncated: boolean;
  elapsedMs: number;
}

/**
 * A file to purge, as the panel listed it. `size` is the precondition: the file is removed
 * only if its size is still exactly this right before removal.
 */
export interface PurgeTarget {
  /** Folders and name joined by '/'. */
  path: string;
  /** The size in bytes the panel listed (and the user saw). */
  size: number;
}

export type PurgeOutcome = 'removed' | 'changed' | 'locked' | 'missing' | 'failed';

/** What happened to one path of a purge. */
export interface PurgeEntry {
  path: string;
  /**
   * removed; changed (its size is no longer the listed one, so it was left alone);
   * locked (NoModificationAllowedError / InvalidStateError: an open handle, e.g. a DuckDB
   * sync access handle, holds it); missing (NotFoundError); failed (anything else,
   * including a path that names a folder, or a target without a valid size).
   */
  outcome: PurgeOutcome;
  /** The file's size when it was found (0 if it was not); for `changed`, its current size. */
  bytes: number;
  /** For `failed`: the error's name and message. */
  error?: string;
}

export interface PurgeResult {
  results: PurgeEntry[];
  /** Sum of `bytes` of removed files (recomputed here, never taken from the page). */
  bytesFreed: number;
}

/** Where a page task failed, and what the page said about itself then (hints for the message). */
export interface PageTaskFailure {
  state: 'failed';
  /** The error, as `Name: message`. */
  error: string;
  /** `storage`: getting the OPFS root failed (no OPFS, or a replaced `getDirectory`); `task`: the work itself. */
  stage?: 'storage' | 'task';
  /** `window.origin` of the page ('null' for opaque origins: file://, data:, sandboxed). */
  origin?: string;
  /** `location.protocol`, e.g. 'file:'. */
  protocol?: string;
  /** `isSecureContext`: OPFS exists only in secure contexts. */
  secureContext?: boolean;
}

/** A page task as seen by polling. `missing`: the page has no such request (reloaded, or already collected). */
export type PageTaskState<T, E = never> =
  | { state: 'running'; filesSeen: number; entries: E[] }
  | { state: 'done'; result: T }
  | PageTaskFailure
  | { state: 'missing' };

// ---------------------------------------------------------------------------------
// Wire format: what the self-contained functions produce. JSON only, because the page's
// answer crosses `inspectedWindow.eval` as JSON; bytes travel as base64.

interface WireFile {
  path: string;
  size: number;
  lastModified: number;
  head?: string;
  tail?: string;
  footer?: string;
  footerSkipped?: 'too-large' | 'budget';
  probeError?: string;
  text?: string;
}

interface WireScan {
  origin: string;
  usage: number | null;
  quota: number | null;
  directories: string[];
  files: WireFile[];
  errors: ScanError[];
  truncated: boolean;
  elapsedMs: number;
}

interface WalkEnvironment {
  origin: string;
  estimate: (() => Promise<StorageEstimate>) | null;
}

interface WirePurge {
  results: PurgeEntry[];
  bytesFreed: number;
}

// ---------------------------------------------------------------------------------
// Self-contained functions (also run inside the inspected page: see the file comment).

/**
 * Walks `root` recursively and reports every folder and file, with the magic bytes and
 * footer of Parquet-named files. Folders are listed as they are found and `getFile()`
 * calls are issued concurrently, bounded by `options.concurrency`.
 *
 * The page may have replaced any API this calls (`entries()`, `getFile()`, `size`,
 * `slice()`…) with one that throws, hangs or answers garbage. So every value is checked
 * where it comes in, and a bad one costs only its own entry: an entry whose name is not a
 * usable name, a file whose size is not a byte count, is left out and recorded in `errors`;
 * a Parquet file whose bytes cannot be read is listed with `probeError` instead of a
 * probe. Nesting deeper than `maxDepth` is not walked. Lists come back sorted by path
 * (the panel then checks the order in one pass instead of sorting 100,000 paths itself).
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function walkOpfs(
  root: FileSystemDirectoryHandle,
  environment: WalkEnvironment,
  options: ScanOptions,
  onProgress: (filesSeen: number) => void,
): Promise<WireScan> {
  const started = Date.now();
  // Literal defaults and limits, not the DEFAULT_* / SCAN_LIMITS constants: this function is sent as source text.
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 64));
  const maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 200_000));
  const maxDepth = Math.max(1, Math.floor(options.maxDepth ?? 256));
  const footerLimit = Math.max(0, Math.floor(options.footerBytesLimit));
  let footerBudget = Math.max(0, Math.floor(options.footerBudgetBytes ?? 16 * 1024 * 1024));
  const maxNameLength = 4096;
  const maxPathLength = 32_768;
  const maxErrors = 1000;
  const directories: string[] = [];
  const files: WireFile[] = [];
  const errors: ScanError[] = [];
  let errorsLeftOut = 0;
  let entries = 0;
  let truncated = false;
  let active = 0;
  const waiting: (() => void)[] = [];

  // Never throws, whatever was thrown (a getter that throws, a Symbol, a revoked Proxy).
  const describe = (error: unknown): string => {
    let text: string;
    try {
      text =
        typeof error === 'object' && error !== null && 'message' in error
          ? `${String((error as { name?: unknown }).name ?? 'Error')}: ${String((error as { message?: unknown }).message)}`
          : String(error);
    } catch (describing) {
      text = `an unprintable ${typeof error} (${typeof describing} thrown while printing it)`;
    }
    return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
  };
  const shown = (value: unknown): string =>
    typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : value === null ? 'null' : typeof value;
  const addError = (path: string, message: string): void => {
    if (errors.length < maxErrors) errors.push({ path, message });
    else errorsLeftOut++;
  };

  const toBase64 = (bytes: Uint8Array): string => {
    let text = '';
    // Chunked: String.fromCharCode with a large spread overflows the argument limit.
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
    }
    return btoa(text);
  };

  const limited = async <T>(task: () => Promise<T>): Promise<T> => {
    while (active >= concurrency) await new Promise<void>((wake) => waiting.push(wake));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };

  /** Exactly `end - start` bytes of `file`, or an error saying what came back instead. */
  const readRange = async (file: File, start: number, end: number): Promise<Uint8Array> => {
    const bytes = new Uint8Array(await file.slice(start, end).arrayBuffer());
    if (bytes.length !== end - start) throw new RangeError(`asked for ${end - start} bytes, got ${bytes.length}`);
    return bytes;
  };

  const readFile = async (handle: FileSystemFileHandle, path: string, name: string): Promise<void> => {
    const file = await handle.getFile();
    const size: unknown = file.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new TypeError(`getFile() answered a size that is not a byte count (${shown(size)})`);
    const modified: unknown = file.lastModified;
    const record: WireFile = { path, size, lastModified: typeof modified === 'number' && Number.isFinite(modified) ? modified : 0 };
    if (size > 0 && (name.endsWith('.parquet') || name.endsWith('.parquet.tmp'))) {
      try {
        // One read of the file's last 64 KiB holds the closing magic and, nearly always,
        // the whole footer, and for small files the opening magic too: reads, not bytes,
        // are what a scan of thousands of files waits on (measured: bench/README.md).
        const windowStart = Math.max(0, size - 64 * 1024);
        const [window, opening] = await Promise.all([
          readRange(file, windowStart, size),
          windowStart === 0 ? Promise.resolve(undefined) : readRange(file, 0, Math.min(4, size)),
        ]);
        const head = opening ?? window.subarray(0, Math.min(4, size));
        const tail = window.subarray(Math.max(0, window.length - 8));
        let footer: string | undefined;
        let footerSkipped: 'too-large' | 'budget' | undefined;
        const closingMagic = tail.length === 8 && tail[4] === 0x50 && tail[5] === 0x41 && tail[6] === 0x52 && tail[7] === 0x31;
        if (closingMagic && size >= 12) {
          const footerLength = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
          if (footerLength > 0 && footerLength <= size - 12) {
            const wanted = footerLength + 8;
            if (wanted > footerLimit) footerSkipped = 'too-large';
            else if (wanted > footerBudget) footerSkipped = 'budget';
            else {
              footerBudget -= wanted;
              footer = toBase64(wanted <= window.length ? window.subarray(window.length - wanted) : await readRange(file, size - wanted, size));
            }
          }
        }
        record.head = toBase64(head);
        record.tail = toBase64(tail);
        if (footer !== undefined) record.footer = footer;
        if (footerSkipped !== undefined) record.footerSkipped = footerSkipped;
      } catch (error) {
        record.probeError = describe(error);
      }
    } else if (size > 0 && size <= 1024 * 1024 && (name.endsWith('.manifest.json') || name.endsWith('.intent.json'))) {
      // A snapshot's manifest says which parts it has: the panel checks them against it.
      try {
        record.text = await file.slice(0, size).text();
      } catch (error) {
        record.probeError = describe(error);
      }
    }
    files.push(record);
    if (files.length % 50 === 0) onProgress(files.length);
  };

  const walkFolder = async (folder: FileSystemDirectoryHandle, prefix: string, depth: number): Promise<void> => {
    const pending: Promise<void>[] = [];
    const names = new Set<string>();
    try {
      for await (const entry of folder.entries() as AsyncIterable<unknown>) {
        if (entries >= maxEntries) {
          truncated = true;
          break;
        }
        entries++;
        // Each entry on its own: one odd entry must not hide its siblings.
        try {
          const [name, handle] = entry as [unknown, FileSystemHandle];
          if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/')) {
            addError(prefix, `an entry whose name is not a file name (${typeof name === 'string' ? JSON.stringify(name.slice(0, 100)) : shown(name)}) was left out`);
            continue;
          }
          if (name.length > maxNameLength) {
            addError(prefix, `an entry with a name of ${name.length} characters (more than ${maxNameLength}) was left out`);
            continue;
          }
          const path = prefix === '' ? name : `${prefix}/${name}`;
          if (path.length > maxPathLength) {
            addError(prefix, `an entry whose path would be ${path.length} characters long (more than ${maxPathLength}) was left out`);
            continue;
          }
          if (names.has(name)) {
            addError(path, 'the folder listed this name twice; the repeat was left out');
            continue;
          }
          names.add(name);
          const kind: unknown = handle.kind;
          if (kind === 'directory') {
            directories.push(path);
            if (depth >= maxDepth) addError(path, `folders nested more than ${maxDepth} deep are not walked`);
            else pending.push(walkFolder(handle as FileSystemDirectoryHandle, path, depth + 1));
          } else if (kind === 'file') {
            pending.push(limited(() => readFile(handle as FileSystemFileHandle, path, name)).catch((error: unknown) => addError(path, describe(error))));
          } else {
            addError(path, `an entry that is neither a file nor a folder (kind ${shown(kind)}) was left out`);
          }
        } catch (error) {
          addError(prefix, `an entry could not be read: ${describe(error)}`);
        }
      }
    } catch (error) {
      addError(prefix, describe(error));
    }
    await Promise.all(pending);
  };

  await walkFolder(root, '', 1);
  onProgress(files.length);
  let usage: number | null = null;
  let quota: number | null = null;
  if (environment.estimate) {
    try {
      const estimate: unknown = await environment.estimate();
      const bytes = (value: unknown, what: string): number | null => {
        if (value === undefined) return null;
        if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
        addError('', `storage.estimate() answered a ${what} that is not a byte count (${shown(value)})`);
        return null;
      };
      if (typeof estimate !== 'object' || estimate === null) addError('', `storage.estimate() answered ${shown(estimate)} instead of an estimate`);
      else {
        usage = bytes((estimate as { usage?: unknown }).usage, 'usage');
        quota = bytes((estimate as { quota?: unknown }).quota, 'quota');
      }
    } catch (error) {
      addError('', `storage.estimate() failed: ${describe(error)}`);
    }
  }
  if (errorsLeftOut > 0) errors.push({ path: '', message: `${errorsLeftOut} more problems were not listed` });
  directories.sort();
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { origin: environment.origin, usage, quota, directories, files, errors, truncated, elapsedMs: Date.now() - started };
}

/**
 * Removes exactly the listed files below `root`: never a folder (`getFileHandle` refuses
 * those with TypeMismatchError, and `removeEntry` is never recursive), never a path that
 * was not listed, and never a file whose size is no longer the listed `size` (that one is
 * reported `changed` and left in place). The size is read with `getFile()` right before
 * `removeEntry`; a write landing between those two calls is not detected.
 *
 * A file named like a snapshot's (`<id>.parquet`, `<id>_part_<n>.parquet`, its manifest,
 * intent or `.tmp` files) is removed only while holding that snapshot's Web Lock, taken
 * without waiting: an exporter that holds it (the extension's engine, or an app using the
 * exporter library) is writing those files, so they are reported `locked`. A file another
 * purge removed meanwhile (a second DevTools window) is `missing`, not `locked`.
 *
 * Up to 16 files are worked on at once; a second purge of the same origin waits for this
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
): Promise<WirePurge> {
  // Literals, not PURGE_CONCURRENCY or snapshot/names.ts: this function is sent as source text
  // (page-scan.test.ts keeps the name pattern equal to parseSnapshotFileName).
  const concurrency = 16;
  const lockPrefix = 'opfs-snapshot-inspector:snapshot:';
  const snapshotName = /^(?:(.+)_part_\d+\.parquet|(.+)\.parquet|(.+)\.manifest\.json|(.+)\.intent\.json)(?:\.tmp)?$/;
  const locks = typeof navigator === 'object' && navigator !== null ? (navigator as Navigator).locks : undefined;
  const unique: PurgeTarget[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const path = String(target.path);
    if (seen.has(path)) continue;
    seen.add(path);
    unique.push({ path, size: target.size });
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
      folder = segments.length === 0 ? Promise.resolve(root) : folderAt(segments.slice(0, -1)).then((parent) => parent.getDirectoryHandle(segments[segments.length - 1]!));
      // A folder that failed to open (gone, not a folder) is looked up again for the next file.
      folder.catch(() => folders.delete(key));
      folders.set(key, folder);
    }
    return folder;
  };
  const errorNameOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '');

  const removeOne = async (folder: FileSystemDirectoryHandle, path: string, name: string, size: number): Promise<PurgeEntry> => {
    let bytes = 0;
    // A refused removal (NoModificationAllowedError: a handle holds the file open, or
    // something else is writing or removing it right now) is tried again a moment later: a
    // file gone by then was removed by someone else (missing); one still refused is held (locked).
    for (const pause of [0, 20, 80]) {
      if (pause > 0) await new Promise((wake) => setTimeout(wake, pause));
      try {
        const handle = await folder.getFileHandle(name);
        bytes = (await handle.getFile()).size;
        if (bytes !== size) return { path, outcome: 'changed', bytes };
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

  const purgeOne = async (path: string, size: number): Promise<PurgeEntry> => {
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
    if (snapshotId === undefined || !locks || typeof locks.request !== 'function') return removeOne(folder, path, name, size);
    const held = await holdSnapshotLock(`${lockPrefix}${segments.join('/')}/${snapshotId}`);
    return held ? removeOne(folder, path, name, size) : { path, outcome: 'locked', bytes: 0 };
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

  // A fixed pool of workers taking the next target: results land at their input index.
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const index = next++;
      const target = unique[index] as PurgeTarget;
      const entry = await purgeOne(target.path, target.size);
      results[index] = entry;
      done++;
      onProgress(done, entry);
    }
  };
  const runWorkers = async (): Promise<void> => {
    const workers: Promise<void>[] = [];
    for (let i = 0; i < Math.min(concurrency, unique.length); i++) workers.push(worker());
    await Promise.all(workers);
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

type PageTask = (
  root: FileSystemDirectoryHandle,
  storage: StorageManager,
  report: (filesSeen: number, entry?: unknown) => void,
) => Promise<unknown>;

/**
 * Starts `task` in the page and returns 'started' at once; the task's state lives on
 * `globalThis[globalName][requestId]` for {@link pagePollExpression} to collect. Entries
 * the task reports as it goes (a purge's outcomes) are kept in order in the state's `log`,
 * for {@link pageLogPollExpression} to hand over a slice at a time. A failure
 * says whether it happened while getting the OPFS root (`stage: 'storage'`) and where the
 * page is (origin, protocol, secure context), so the panel can say why there is no OPFS.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export function runPageTask(globalName: string, requestId: string, task: PageTask): 'started' {
  const scope = globalThis as unknown as Record<string, Record<string, unknown> | undefined>;
  const registry = scope[globalName] ?? (scope[globalName] = {});
  const log: unknown[] = [];
  registry[requestId] = { state: 'running', filesSeen: 0, log };
  let stage: 'storage' | 'task' = 'storage';
  const run = async (): Promise<void> => {
    const storage = navigator.storage as StorageManager | undefined;
    if (typeof storage !== 'object' || storage === null) throw new TypeError('navigator.storage is not available here');
    const root: unknown = await storage.getDirectory();
    if (typeof root !== 'object' || root === null || (root as { kind?: unknown }).kind !== 'directory') {
      throw new TypeError(`navigator.storage.getDirectory() answered ${root === null ? 'null' : typeof root} instead of a folder handle`);
    }
    stage = 'task';
    const result = await task(root as FileSystemDirectoryHandle, storage, (filesSeen, entry) => {
      if (entry !== undefined) log.push(entry);
      registry[requestId] = { state: 'running', filesSeen, log };
    });
    registry[requestId] = { state: 'done', result };
  };
  run().catch((error: unknown) => {
    // Nothing here may throw: the state must leave 'running', or the panel waits until its time-out.
    let text: string;
    try {
      text =
        typeof error === 'object' && error !== null && 'message' in error
          ? `${String((error as { name?: unknown }).name ?? 'Error')}: ${String(error.message)}`
          : String(error);
    } catch (describing) {
      text = `an unprintable ${typeof error} (${typeof describing} thrown while printing it)`;
    }
    const failure: Record<string, unknown> = { state: 'failed', error: text.slice(0, 1000), stage };
    try {
      // window.origin, not location.origin: only the former says 'null' for an opaque origin (file:// says 'file://').
      failure.origin = String((globalThis as { origin?: unknown }).origin ?? location.origin);
      failure.protocol = String(location.protocol);
      failure.secureContext = globalThis.isSecureContext === true;
    } catch (describing) {
      // Hints only: the message is written without them.
      failure.hintsError = typeof describing;
    }
    registry[requestId] = failure;
  });
  return 'started';
}

// ---------------------------------------------------------------------------------
// Expressions for chrome.devtools.inspectedWindow.eval.

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

function checkRequestId(requestId: string): string {
  if (!REQUEST_ID.test(requestId)) throw new Error(`Invalid request id "${requestId}": use 1-64 letters, digits, "_" or "-".`);
  return JSON.stringify(requestId);
}

/** Arguments are embedded as JSON, which is also valid JS: no escaping by hand. */
function json(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * An expression that starts scanning the evaluating page's OPFS and returns 'started'.
 * Poll its state with {@link pagePollExpression} and validate with {@link parseScanPoll}.
 */
export function pageScanExpression(requestId: string, options: ScanOptions): string {
  const id = checkRequestId(requestId);
  return `(${runPageTask.toString()})(${json(PAGE_GLOBAL)}, ${id}, function (root, storage, report) {
  return (${walkOpfs.toString()})(root, { origin: String(location.origin), estimate: function () { return storage.estimate(); } }, ${json(options)}, report);
})`;
}

/**
 * An expression that removes exactly the `targets` (files, '/'-separated paths) from the
 * evaluating page's OPFS, each only if its size is still the listed one, and returns
 * 'started'. Only `path` and `size` of each target are embedded (callers may pass richer
 * objects, such as a {@link ScannedFile}). Poll with {@link pagePollExpression}, validate
 * with {@link parsePurgePoll} given the same targets.
 */
export function pagePurgeExpression(requestId: string, targets: readonly PurgeTarget[]): string {
  const id = checkRequestId(requestId);
  if (targets.length > SCAN_LIMITS.maxPurgePaths) throw new Error(`Too many paths to purge at once (${targets.length}).`);
  const wire = targets.map((target): PurgeTarget => ({ path: target.path, size: target.size }));
  return `(${runPageTask.toString()})(${json(PAGE_GLOBAL)}, ${id}, function (root, storage, report) {
  return (${purgeOpfsFiles.toString()})(root, ${json(wire)}, report);
})`;
}

/**
 * An expression whose value is the request's current state (or null if the page has
 * none). Once the state is `done` or `failed` it is deleted from the page, so a result
 * is handed over once and does not linger in the page's memory.
 */
export function pagePollExpression(requestId: string): string {
  const id = checkRequestId(requestId);
  return `(function (globalName, requestId) {
  var registry = globalThis[globalName];
  var value = registry && Object.prototype.hasOwnProperty.call(registry, requestId) ? registry[requestId] : null;
  if (value && value.state === 'running') return { state: 'running', filesSeen: value.filesSeen };
  if (value) delete registry[requestId];
  return value;
})(${json(PAGE_GLOBAL)}, ${id})`;
}

/** Entries of a running task's log handed over per poll, at most. */
export const LOG_SLICE = 5000;

/**
 * Like {@link pagePollExpression}, but a running state also carries the entries the task
 * logged from index `from` on (at most {@link LOG_SLICE}), so that the panel knows each
 * outcome as it happens and can say what was done if the page goes away mid-task.
 */
export function pageLogPollExpression(requestId: string, from: number): string {
  const id = checkRequestId(requestId);
  if (!Number.isSafeInteger(from) || from < 0) throw new Error(`Invalid log index ${from}.`);
  return `(function (globalName, requestId, from, most) {
  var registry = globalThis[globalName];
  var value = registry && Object.prototype.hasOwnProperty.call(registry, requestId) ? registry[requestId] : null;
  if (value && value.state === 'running') return { state: 'running', filesSeen: value.filesSeen, entries: Array.isArray(value.log) ? value.log.slice(from, from + most) : [] };
  if (value) delete registry[requestId];
  return value;
})(${json(PAGE_GLOBAL)}, ${id}, ${from}, ${LOG_SLICE})`;
}

/** Files (or folders) per slice of a scan answer, and the characters a slice may carry. */
export const SCAN_SLICE = { maxItems: 10_000, maxChars: 4 * 1024 * 1024 } as const;

/**
 * Like {@link pagePollExpression}, for a scan whose answer is then fetched in slices: once
 * the scan is done, its value is the answer without the two lists, with their lengths
 * (`fileCount`, `directoryCount`) instead, and the page keeps the lists for
 * {@link pageScanSliceExpression} until {@link pageReleaseExpression}. A failed state is
 * handed over once, as with {@link pagePollExpression}.
 *
 * Why slices: 100,000 files make an answer of ~7 MB that DevTools parses, and the panel
 * receives, as one value in one task each, freezing both for hundreds of milliseconds.
 */
export function pageScanPollExpression(requestId: string): string {
  const id = checkRequestId(requestId);
  return `(function (globalName, requestId) {
  var registry = globalThis[globalName];
  var value = registry && Object.prototype.hasOwnProperty.call(registry, requestId) ? registry[requestId] : null;
  if (!value || value.state === 'running') return value;
  if (value.state !== 'done') { delete registry[requestId]; return value; }
  var r = value.result;
  if (!r || typeof r !== 'object') return { state: 'done', result: r };
  return { state: 'done', result: { origin: r.origin, usage: r.usage, quota: r.quota, errors: r.errors, truncated: r.truncated, elapsedMs: r.elapsedMs,
    fileCount: r.files && r.files.length, directoryCount: r.directories && r.directories.length } };
})(${json(PAGE_GLOBAL)}, ${id})`;
}

/**
 * An expression whose value is the next slice of a done scan's `files` or `directories`,
 * from index `start`: at most {@link SCAN_SLICE}.maxItems entries and, past the first, no
 * more than about maxChars characters (long names and footers make big entries). `null`
 * when the page no longer holds the scan (it navigated).
 */
export function pageScanSliceExpression(requestId: string, list: 'files' | 'directories', start: number): string {
  const id = checkRequestId(requestId);
  if (!Number.isSafeInteger(start) || start < 0) throw new Error(`Invalid slice start ${start}.`);
  return `(function (globalName, requestId, list, start, maxItems, maxChars) {
  var registry = globalThis[globalName];
  var value = registry && Object.prototype.hasOwnProperty.call(registry, requestId) ? registry[requestId] : null;
  if (!value || value.state !== 'done' || !value.result) return null;
  var items = value.result[list];
  var out = [];
  var chars = 0;
  for (var i = start; i < items.length && out.length < maxItems; i++) {
    var item = items[i];
    var cost = 64 + (typeof item === 'string' ? item.length : item && typeof item.path === 'string' ? item.path.length + (typeof item.footer === 'string' ? item.footer.length : 0) + (typeof item.text === 'string' ? item.text.length : 0) : 0);
    if (out.length > 0 && chars + cost > maxChars) break;
    chars += cost;
    out.push(item);
  }
  return out;
})(${json(PAGE_GLOBAL)}, ${id}, ${json(list)}, ${start}, ${SCAN_SLICE.maxItems}, ${SCAN_SLICE.maxChars})`;
}

/** An expression that drops a request's state from the page (a scan whose slices were all fetched). */
export function pageReleaseExpression(requestId: string): string {
  const id = checkRequestId(requestId);
  return `(function (globalName, requestId) {
  var registry = globalThis[globalName];
  if (registry) delete registry[requestId];
  return true;
})(${json(PAGE_GLOBAL)}, ${id})`;
}

// ---------------------------------------------------------------------------------
// Direct use on the extension's own OPFS.

/**
 * Scans an OPFS folder (normally the extension's own root) with the same walker the page
 * runs, and validates the result the same way. `estimate` and `origin` default to this
 * context's `navigator.storage.estimate()` and `location.origin`.
 */
export async function scanExtensionOpfs(
  root: FileSystemDirectoryHandle,
  options: ScanOptions & {
    origin?: string;
    estimate?: (() => Promise<StorageEstimate>) | null;
    onProgress?: (filesSeen: number) => void;
  },
): Promise<ScanResult> {
  const { origin, estimate, onProgress, ...scanOptions } = options;
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  const environment: WalkEnvironment = {
    origin: origin ?? (typeof location === 'undefined' ? '' : location.origin),
    estimate: estimate !== undefined ? estimate : storage ? () => storage.estimate() : null,
  };
  const wire = await walkOpfs(root, environment, scanOptions, onProgress ?? (() => undefined));
  return parseScanResult(wire);
}

/**
 * Removes exactly the `targets` (files) below `root` (normally the extension's own OPFS
 * root), each only if its size is still the listed one; same rules as the page purge.
 */
export async function purgeExtensionOpfs(
  root: FileSystemDirectoryHandle,
  targets: readonly PurgeTarget[],
  onProgress?: (filesDone: number, finished: PurgeEntry) => void,
): Promise<PurgeResult> {
  const wire = await purgeOpfsFiles(root, targets, onProgress ?? (() => undefined));
  return parsePurgeResult(wire, targets);
}

// ---------------------------------------------------------------------------------
// Validation of what comes back.

/** What the page answered is not what our code produces: the page is broken or hostile. */
export class InvalidPageAnswerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`The inspected page returned an invalid answer: ${message}`, options);
    this.name = 'InvalidPageAnswerError';
  }
}

function fail(message: string, cause?: unknown): never {
  throw new InvalidPageAnswerError(message, cause === undefined ? undefined : { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) fail(`${what} is not an object.`);
  return value;
}

function array(value: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(`${what} is not an array.`);
  if (value.length > max) fail(`${what} has ${value.length} entries, more than the ${max} this panel handles.`);
  return value;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`${what} is not a non-negative integer.`);
  return value;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} is not a finite number.`);
  return value;
}

function optionalBytesCount(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${what} is not a non-negative number.`);
  return value;
}

function text(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string') fail(`${what} is not a string.`);
  if (value.length > maxLength) fail(`${what} is ${value.length} characters long, more than ${maxLength}.`);
  return value;
}

/** Free text (error messages) is shortened rather than rejected. */
function message(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} is not a string.`);
  return value.length > SCAN_LIMITS.maxMessageLength ? `${value.slice(0, SCAN_LIMITS.maxMessageLength)}…` : value;
}

function opfsPath(value: unknown, what: string): string {
  const path = text(value, what, SCAN_LIMITS.maxPathLength);
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) fail(`${what} (${JSON.stringify(path.slice(0, 200))}) is not a valid path.`);
  if (segments.some((segment) => segment.length > SCAN_LIMITS.maxNameLength)) fail(`${what} has a name longer than ${SCAN_LIMITS.maxNameLength} characters.`);
  return path;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytes(value: unknown, what: string, maxBytes: number): Uint8Array {
  if (typeof value !== 'string') fail(`${what} is not a base64 string.`);
  if (value.length > Math.ceil(maxBytes / 3) * 4) fail(`${what} is larger than ${maxBytes} bytes.`);
  if (!BASE64.test(value)) fail(`${what} is not valid base64.`);
  const binary = atob(value);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseFile(value: unknown, index: number): ScannedFile {
  const what = `files[${index}]`;
  const f = record(value, what);
  const path = opfsPath(f.path, `${what}.path`);
  const cut = path.lastIndexOf('/');
  const file: ScannedFile = {
    path,
    name: path.slice(cut + 1),
    folder: cut < 0 ? '' : path.slice(0, cut),
    size: count(f.size, `${what}.size`),
    lastModified: finite(f.lastModified, `${what}.lastModified`),
  };
  if (f.head !== undefined || f.tail !== undefined) {
    const head = bytes(f.head, `${what}.head`, 4);
    const tail = bytes(f.tail, `${what}.tail`, 8);
    if (head.length !== Math.min(4, file.size) || tail.length !== Math.min(8, file.size)) fail(`${what} has magic bytes that do not match its size.`);
    let footer: Uint8Array | null = null;
    if (f.footer !== undefined) {
      footer = bytes(f.footer, `${what}.footer`, SCAN_LIMITS.maxFooterBytes);
      if (footer.length < 8 || footer.length > file.size) fail(`${what}.footer does not fit the file.`);
    }
    const probe: ParquetProbe = { head, tail, footer };
    if (f.footerSkipped !== undefined) {
      if (f.footerSkipped !== 'too-large' && f.footerSkipped !== 'budget') fail(`${what}.footerSkipped is unknown.`);
      probe.footerSkipped = f.footerSkipped;
    }
    file.probe = probe;
  } else if (f.footer !== undefined) {
    fail(`${what} has a footer but no magic bytes.`);
  }
  if (f.probeError !== undefined) {
    if (file.probe) fail(`${what} has both magic bytes and a probe error.`);
    file.probeError = message(f.probeError, `${what}.probeError`);
  }
  if (f.text !== undefined) {
    if (file.probe) fail(`${what} has both magic bytes and a text.`);
    file.text = text(f.text, `${what}.text`, SCAN_LIMITS.maxRecordTextLength);
  }
  return file;
}

/** A scan answer without its two lists: what {@link pageScanPollExpression} answers once the scan is done. */
export interface ScanHeader extends Omit<ScanResult, 'files' | 'directories'> {
  fileCount: number;
  directoryCount: number;
}

type HeaderFields = Omit<ScanResult, 'files' | 'directories'>;

function parseHeaderFields(v: Record<string, unknown>): HeaderFields {
  const errors = array(v.errors, 'errors', SCAN_LIMITS.maxErrors).map((e, i) => {
    const error = record(e, `errors[${i}]`);
    const path = error.path === '' ? '' : opfsPath(error.path, `errors[${i}].path`);
    return { path, message: message(error.message, `errors[${i}].message`) };
  });
  if (typeof v.truncated !== 'boolean') fail('truncated is not a boolean.');
  return {
    origin: text(v.origin, 'origin', SCAN_LIMITS.maxOriginLength),
    usage: optionalBytesCount(v.usage, 'usage'),
    quota: optionalBytesCount(v.quota, 'quota'),
    errors,
    truncated: v.truncated,
    elapsedMs: finite(v.elapsedMs, 'elapsedMs'),
  };
}

/**
 * `items` in strictly increasing order of `key`: checked in one pass when they already are
 * (the walker sorts them, so 100,000 paths cost no sort here), sorted otherwise. Throws on
 * a key that appears twice.
 */
function sortedUnique<T>(items: T[], key: (item: T) => string): T[] {
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i++) sorted = key(items[i - 1]!) < key(items[i]!);
  if (!sorted) {
    items = items.slice().sort((a, b) => compareText(key(a), key(b)));
    for (let i = 1; i < items.length; i++) {
      if (key(items[i - 1]!) === key(items[i]!)) fail(`the path ${JSON.stringify(key(items[i]!).slice(0, 200))} appears twice.`);
    }
  }
  return items;
}

/** The whole scan from its validated parts: entry limit, paths unique (across both lists too), sorted. */
function assembleScan(header: HeaderFields, files: ScannedFile[], directories: string[]): ScanResult {
  if (files.length + directories.length > SCAN_LIMITS.maxEntries) fail(`it lists ${files.length + directories.length} entries, more than ${SCAN_LIMITS.maxEntries}.`);
  const sortedDirectories = sortedUnique(directories, (d) => d);
  const sortedFiles = sortedUnique(files, (f) => f.path);
  if (sortedDirectories.length > 0) {
    const folders = new Set(sortedDirectories);
    for (const file of sortedFiles) if (folders.has(file.path)) fail(`the path ${JSON.stringify(file.path.slice(0, 200))} appears twice.`);
  }
  return {
    origin: header.origin,
    usage: header.usage,
    quota: header.quota,
    directories: sortedDirectories,
    files: sortedFiles,
    errors: header.errors,
    truncated: header.truncated,
    elapsedMs: header.elapsedMs,
  };
}

/**
 * Validates a scan answer (from the page, or from {@link walkOpfs} directly) and turns it
 * into a {@link ScanResult}: every field type-checked, counts and lengths capped
 * ({@link SCAN_LIMITS}), paths well-formed and unique, base64 decoded. Names stay plain
 * strings: rendering them as text is the panel's job. Throws {@link InvalidPageAnswerError}.
 */
export function parseScanResult(value: unknown): ScanResult {
  const v = record(value, 'The scan result');
  const files = array(v.files, 'files', SCAN_LIMITS.maxEntries).map(parseFile);
  const directories = array(v.directories, 'directories', SCAN_LIMITS.maxEntries).map((d, i) => opfsPath(d, `directories[${i}]`));
  return assembleScan(parseHeaderFields(v), files, directories);
}

/** Validates the value of {@link pageScanPollExpression}: a done state carries a {@link ScanHeader}. */
export function parseScanHeaderPoll(value: unknown): PageTaskState<ScanHeader> {
  return parsePoll(value, (result) => {
    const v = record(result, 'The scan result');
    const fileCount = count(v.fileCount, 'fileCount');
    const directoryCount = count(v.directoryCount, 'directoryCount');
    if (fileCount + directoryCount > SCAN_LIMITS.maxEntries) fail(`it lists ${fileCount + directoryCount} entries, more than ${SCAN_LIMITS.maxEntries}.`);
    return { ...parseHeaderFields(v), fileCount, directoryCount };
  });
}

/**
 * Fetches the lists of a done scan slice by slice (see {@link pageScanSliceExpression}),
 * validating each slice as it arrives, so that no single task parses 100,000 entries.
 * `fetchSlice` answers the raw value of the slice expression for `list` from `start`.
 */
export async function collectScanSlices(header: ScanHeader, fetchSlice: (list: 'files' | 'directories', start: number) => Promise<unknown>): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  while (files.length < header.fileCount) {
    const slice = array(await fetchSlice('files', files.length), `the slice of files from ${files.length}`, header.fileCount - files.length);
    if (slice.length === 0) fail(`the slice of files from ${files.length} is empty although ${header.fileCount} were announced.`);
    for (const value of slice) files.push(parseFile(value, files.length));
  }
  const directories: string[] = [];
  while (directories.length < header.directoryCount) {
    const slice = array(await fetchSlice('directories', directories.length), `the slice of folders from ${directories.length}`, header.directoryCount - directories.length);
    if (slice.length === 0) fail(`the slice of folders from ${directories.length} is empty although ${header.directoryCount} were announced.`);
    for (const value of slice) directories.push(opfsPath(value, `directories[${directories.length}]`));
  }
  return assembleScan(header, files, directories);
}

const OUTCOMES: readonly PurgeOutcome[] = ['removed', 'changed', 'locked', 'missing', 'failed'];

/** The purge targets as a map from path to listed size (undefined when only paths were given); the first size of a repeated path counts. */
function requestedPaths(requested: readonly PurgeTarget[] | readonly string[]): Map<string, number | undefined> {
  const allowed = new Map<string, number | undefined>();
  for (const target of requested) {
    const path = typeof target === 'string' ? target : target.path;
    if (!allowed.has(path)) allowed.set(path, typeof target === 'string' ? undefined : target.size);
  }
  return allowed;
}

/** Validates one outcome of a purge (see {@link parsePurgeResult}). */
function parsePurgeEntry(r: unknown, what: string, allowed: Map<string, number | undefined> | undefined): PurgeEntry {
  const entry = record(r, what);
  const path = text(entry.path, `${what}.path`, SCAN_LIMITS.maxPathLength);
  if (allowed && !allowed.has(path)) fail(`${what} reports on a path that was not requested.`);
  const outcome = entry.outcome;
  if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) fail(`${what}.outcome is unknown.`);
  const parsed: PurgeEntry = { path, outcome: outcome as PurgeOutcome, bytes: count(entry.bytes, `${what}.bytes`) };
  const listedSize = allowed?.get(path);
  if (listedSize !== undefined) {
    if (outcome === 'removed' && parsed.bytes !== listedSize) fail(`${what} reports removing a file whose size was not the listed one.`);
    if (outcome === 'changed' && parsed.bytes === listedSize) fail(`${what} reports a change but the listed size.`);
  }
  if (outcome === 'failed') parsed.error = message(entry.error ?? '', `${what}.error`);
  return parsed;
}

/**
 * Validates a purge answer. With `requested` (the targets, or just their paths), also
 * rejects outcomes for paths that were not asked for; with targets, a `removed` entry must
 * also have the listed size and a `changed` one a different size (for a repeated path, the
 * first size counts, as in {@link purgeOpfsFiles}). `bytesFreed` is recomputed from the
 * removed entries. Throws {@link InvalidPageAnswerError}.
 */
export function parsePurgeResult(value: unknown, requested?: readonly PurgeTarget[] | readonly string[]): PurgeResult {
  const v = record(value, 'The purge result');
  const allowed = requested ? requestedPaths(requested) : undefined;
  const seen = new Set<string>();
  const results = array(v.results, 'results', SCAN_LIMITS.maxPurgePaths).map((r, i): PurgeEntry => {
    const parsed = parsePurgeEntry(r, `results[${i}]`, allowed);
    if (seen.has(parsed.path)) fail(`results[${i}] reports on the same path twice.`);
    seen.add(parsed.path);
    return parsed;
  });
  const bytesFreed = results.reduce((sum, r) => (r.outcome === 'removed' ? sum + r.bytes : sum), 0);
  return { results, bytesFreed };
}

function parsePoll<T, E = never>(value: unknown, parseResult: (result: unknown) => T, parseEntry?: (entry: unknown, index: number) => E): PageTaskState<T, E> {
  if (value === null || value === undefined) return { state: 'missing' };
  const v = record(value, 'The task state');
  switch (v.state) {
    case 'running': {
      const entries = parseEntry && v.entries !== undefined ? array(v.entries, 'entries', LOG_SLICE).map((e, i) => parseEntry(e, i)) : [];
      return { state: 'running', filesSeen: count(v.filesSeen, 'filesSeen'), entries };
    }
    case 'done':
      return { state: 'done', result: parseResult(v.result) };
    case 'failed': {
      // Hints for the message only: dropped, not fatal, when they are not what our code writes.
      const failure: PageTaskFailure = { state: 'failed', error: message(v.error, 'error') };
      if (v.stage === 'storage' || v.stage === 'task') failure.stage = v.stage;
      if (typeof v.origin === 'string' && v.origin.length <= SCAN_LIMITS.maxOriginLength) failure.origin = v.origin;
      if (typeof v.protocol === 'string' && /^[a-z][a-z0-9+.-]{0,30}:$/.test(v.protocol)) failure.protocol = v.protocol;
      if (typeof v.secureContext === 'boolean') failure.secureContext = v.secureContext;
      return failure;
    }
    default:
      return fail('the task state is unknown.');
  }
}

/** Validates the value of {@link pagePollExpression} for a scan. */
export function parseScanPoll(value: unknown): PageTaskState<ScanResult> {
  return parsePoll(value, parseScanResult);
}

/**
 * Validates the value of {@link pageLogPollExpression} for a purge of `requested` (the
 * targets, or their paths): the outcomes so far while it runs, all of them when done.
 */
export function parsePurgePoll(value: unknown, requested: readonly PurgeTarget[] | readonly string[]): PageTaskState<PurgeResult, PurgeEntry> {
  const allowed = requestedPaths(requested);
  return parsePoll(
    value,
    (result) => parsePurgeResult(result, requested),
    (entry, i) => parsePurgeEntry(entry, `entries[${i}]`, allowed),
  );
}

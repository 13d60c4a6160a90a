import type { CheckEntry, WalkEntry, WalkOptions, WalkSummary } from '../opfs/scan-types';
import type { readForVerdict } from './check';

/** Where the walk runs: the origin to report and how to ask for the storage estimate. */
export interface WalkEnvironment {
  origin: string;
  estimate: (() => Promise<StorageEstimate>) | null;
  /** Turns false when nobody wants the walk any more (the panel released it): it stops soon. */
  wanted?: () => boolean;
}

/**
 * Walks `root` and emits every folder and file as it finds it — files with their size and
 * time, from one `getFile()` each, nothing read — so that the panel lists them while the
 * walk goes on. Folders are walked concurrently and `getFile()` calls are issued
 * concurrently, bounded by `options.concurrency`. With `options.check`, the files whose
 * verdict needs their bytes are read too (by `read`, which is `readForVerdict` passed in:
 * this function is sent as source text on its own), from the walk's own `getFile()`
 * answer, with their own bound: each check entry follows its file's entry.
 *
 * The page may have replaced any API this calls (`entries()`, `getFile()`, `size`…) with one
 * that throws, hangs or answers garbage. So every value is checked where it comes in, and a
 * bad one costs only its own entry: an entry whose name is not a usable name, a file whose
 * size is not a byte count, is left out and emitted as an error entry. Nesting deeper than
 * `maxDepth` is not walked.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function walkOpfs(
  root: FileSystemDirectoryHandle,
  environment: WalkEnvironment,
  options: WalkOptions,
  emit: (filesSeen: number, entry: WalkEntry | CheckEntry | ['l', WalkSummary]) => void,
  read?: typeof readForVerdict,
): Promise<WalkSummary> {
  const started = Date.now();
  // Literal defaults and limits, not constants from scan-types.ts: this function is sent as source text.
  // Measured (10,000 files in 18 folders, twice): 1,024 in flight walked in 2.1–2.3 s with the first file after 0.6 s
  // and the page's own timers at most 0.1 s late; 4,096 took 2.5–7.2 s, first file after 0.9–4.2 s, timers up to
  // 4.2 s late (the page could not answer the panel's polls); 64 took 2.7–3.2 s. At 100,000 files 1,024 is as fast as 4,096.
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1024));
  const maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 200_000));
  const maxDepth = Math.max(1, Math.floor(options.maxDepth ?? 256));
  const maxNameLength = 4096;
  const maxPathLength = 32_768;
  const maxErrors = 1000;
  let files = 0;
  let directories = 0;
  let errors = 0;
  let errorsLeftOut = 0;
  let entries = 0;
  let truncated = false;
  // Work in flight at most `limit()` at a time, the rest queued. A queue with a moving head:
  // shift() on 100,000 waiters made the walk quadratic. `widen()`: the limit rose, wake whom it allows.
  const bounded = (limit: () => number) => {
    let active = 0;
    const waiting: (() => void)[] = [];
    let head = 0;
    const wakeNext = (): void => {
      if (head < waiting.length) {
        const wake = waiting[head];
        waiting[head++] = undefined as unknown as () => void;
        wake();
      }
    };
    return {
      async run<T>(task: () => Promise<T>): Promise<T> {
        while (active >= limit()) await new Promise<void>((wake) => waiting.push(wake));
        active++;
        try {
          return await task();
        } finally {
          active--;
          wakeNext();
        }
      },
      widen(): void {
        for (let i = active; i < limit(); i++) wakeNext();
      },
    };
  };
  // Reads for verdicts: their own bound (a read holds no getFile() slot), awaited before the walk ends.
  const origin = environment.origin;
  const check = options.check && read && !(options.check.unlessOrigins ?? []).includes(origin) ? options.check : undefined;
  const readConcurrency = Math.max(1, Math.floor(check?.concurrency ?? 128));
  // While folders are still being listed, reads get a smaller share: listing every file comes first.
  let readLimit = Math.max(1, Math.floor(check?.whileListing ?? readConcurrency));
  const readsInFlight = bounded(() => readLimit);
  const textBytesLimit = Math.max(0, Math.floor(check?.textBytesLimit ?? 0));
  const reads: Promise<void>[] = [];

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
    if (errors < maxErrors) {
      errors++;
      emit(files, ['e', path, message]);
    } else errorsLeftOut++;
  };

  const wanted = (): boolean => environment.wanted === undefined || environment.wanted();

  // getFile() calls: at most `concurrency` in flight, the rest queued, each file's answer
  // handled in a callback. Callbacks and counters, not an async function and a bounded
  // runner per file: DevTools' debugger, attached to the page's worker while the panel is
  // open, records an async stack for every promise, and the four more promises per file
  // cost the page's renderer ~0.1 s more CPU on a 10,000-file walk.
  const statQueue: [FileSystemFileHandle, string][] = [];
  let statHead = 0;
  let statsInFlight = 0;
  /** Files queued or in flight: the walk ends when it is 0 and every folder is listed. */
  let statsOutstanding = 0;
  let statsSettled: (() => void) | null = null;
  const onFile = (file: File, path: string): void => {
    const size: unknown = file.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new TypeError(`getFile() answered a size that is not a byte count (${shown(size)})`);
    const modified: unknown = file.lastModified;
    files++;
    emit(files, ['f', path, size, typeof modified === 'number' && Number.isFinite(modified) ? modified : 0]);
    if (!check || !read || size === 0) return;
    // Which files the verdict reads: the rule of checkReadFor (scan-types.ts), kept equal by a unit test.
    const name = path.slice(path.lastIndexOf('/') + 1);
    const record = name.endsWith('.manifest.json') || name.endsWith('.intent.json');
    // A record over the walk's text limit is left to the check.
    if (record && size > textBytesLimit) return;
    const kind = name.endsWith('.parquet') || name.endsWith('.parquet.tmp') ? 'parquet' : record ? 'text' : 'head';
    reads.push(
      readsInFlight.run(async () => {
        if (wanted()) emit(files, await read(file, path, kind, check.footerBytesLimit));
      }),
    );
  };
  const statEnded = (): void => {
    statsInFlight--;
    statsOutstanding--;
    // The freed slot goes to the next queued file; once the walk is not wanted, queued files are dropped instead.
    while (statsInFlight < concurrency && statHead < statQueue.length) {
      const [handle, path] = statQueue[statHead];
      statQueue[statHead++] = undefined as unknown as [FileSystemFileHandle, string];
      if (wanted()) statFile(handle, path);
      else statsOutstanding--;
    }
    if (statsOutstanding === 0 && statsSettled) statsSettled();
  };
  const statFile = (handle: FileSystemFileHandle, path: string): void => {
    statsInFlight++;
    const failed = (error: unknown): void => {
      addError(path, describe(error));
      statEnded();
    };
    let answer: Promise<File>;
    try {
      answer = Promise.resolve(handle.getFile());
    } catch (error) {
      // Settled later, not here: a page whose getFile() always throws must not recurse through the queue.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the page threw it: described, not rethrown
      answer = Promise.reject(error);
    }
    answer.then((file) => {
      try {
        onFile(file, path);
      } catch (error) {
        failed(error);
        return;
      }
      statEnded();
    }, failed);
  };
  const queueStat = (handle: FileSystemFileHandle, path: string): void => {
    statsOutstanding++;
    if (statsInFlight < concurrency) statFile(handle, path);
    else statQueue.push([handle, path]);
  };

  const walkFolder = async (folder: FileSystemDirectoryHandle, prefix: string, depth: number): Promise<void> => {
    const pending: Promise<void>[] = [];
    const names = new Set<string>();
    try {
      for await (const entry of folder.entries() as AsyncIterable<unknown>) {
        if (!wanted()) break;
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
            directories++;
            emit(files, ['d', path]);
            if (depth >= maxDepth) addError(path, `folders nested more than ${maxDepth} deep are not walked`);
            else pending.push(walkFolder(handle as FileSystemDirectoryHandle, path, depth + 1));
          } else if (kind === 'file') {
            queueStat(handle as FileSystemFileHandle, path);
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

  emit(0, ['o', origin]);
  await walkFolder(root, typeof options.prefix === 'string' ? options.prefix : '', 1);
  if (statsOutstanding > 0) await new Promise<void>((settled) => (statsSettled = settled));
  readLimit = readConcurrency;
  readsInFlight.widen();
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
  if (errorsLeftOut > 0) emit(files, ['e', '', `${errorsLeftOut} more problems were not listed`]);
  const summary: WalkSummary = { origin, usage, quota, truncated, elapsedMs: Date.now() - started, files, directories };
  if (!check) return summary;
  // Every file is listed: the panel can show the summary while the last reads finish.
  emit(files, ['l', summary]);
  // readForVerdict never rejects: a file it could not read is an entry saying why.
  await Promise.all(reads);
  return summary;
}

/**
 * Lists the given paths anew (what changed, as the page's FileSystemObserver reported it):
 * a file with its size and time, a folder with everything in it (by `walk`, which is
 * {@link walkOpfs} passed in: this function is sent as source text on its own), a path
 * that no longer exists as gone.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function statOpfsPaths(
  root: FileSystemDirectoryHandle,
  paths: readonly string[],
  walk: typeof walkOpfs,
  emit: (seen: number, entry: WalkEntry) => void,
): Promise<{ paths: number }> {
  let seen = 0;
  // SCAN_LIMITS.maxStatPaths, as a literal: this function is sent as source text.
  for (const raw of paths.slice(0, 10_000)) {
    const path = String(raw);
    const segments = path.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) continue;
    const name = segments.pop() as string;
    let parent: FileSystemDirectoryHandle;
    try {
      parent = root;
      for (const segment of segments) parent = await parent.getDirectoryHandle(segment);
    } catch {
      emit(++seen, ['g', path]);
      continue;
    }
    try {
      const file = await (await parent.getFileHandle(name)).getFile();
      emit(++seen, ['f', path, file.size, file.lastModified]);
      continue;
    } catch (error) {
      const errorName = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
      if (errorName !== 'TypeMismatchError') {
        emit(++seen, ['g', path]);
        continue;
      }
    }
    try {
      const folder = await parent.getDirectoryHandle(name);
      emit(++seen, ['d', path]);
      await walk(folder, { origin: '', estimate: null }, { prefix: path }, (_n, entry) => {
        if (entry[0] !== 'o') emit(++seen, entry as WalkEntry);
      });
    } catch {
      emit(++seen, ['g', path]);
    }
  }
  return { paths: seen };
}

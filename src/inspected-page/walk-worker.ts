import type { WalkEntry, WalkOptions, WalkSummary, CheckEntry } from '../opfs/scan-types';

/**
 * Runs the walk ({@link walkOpfs}, given as source text with the reader it needs) in a
 * dedicated worker of the page, so that the page's own thread stays free: measured on
 * 10,000 files, a walk on the page's thread held it for up to 0.2–0.7 s at a time (the
 * walk's promises, then the collection of 10,000 files' objects at its end, which also kept
 * the panel's polls waiting); in a worker, no task of the page's thread passed 30 ms, and
 * the worker's garbage goes with it when it is terminated.
 *
 * The worker hands its entries over in batches; each is reported here, in order, as if the
 * walk ran here. Where no worker can start (a CSP without `blob:` workers, a page that
 * replaced `Worker`, no answer within `startMs`), `fallback` walks on the page's thread
 * instead. A worker that fails after it started fails the walk with its error's name and
 * message; one that stops answering is left to the panel's stall timeout. When the panel
 * releases the task (`wanted()` turns false) the worker is terminated.
 *
 * Uses no `Promise` global (waits by awaiting a thenable): a page may have replaced it, and
 * what then fails must be the walk, where the page's replacement meets it, not this.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function walkOpfsInWorker(
  program: string,
  start: { origin: string; options: WalkOptions },
  report: (filesSeen: number, entry: WalkEntry | CheckEntry | ['l', WalkSummary]) => void,
  wanted: () => boolean,
  fallback: () => Promise<WalkSummary>,
  startMs: number,
): Promise<WalkSummary> {
  type Message = { kind?: unknown; seen?: unknown; entries?: unknown; summary?: unknown; name?: unknown; message?: unknown };
  let worker: Worker;
  let url = '';
  try {
    url = URL.createObjectURL(new Blob([program], { type: 'text/javascript' }));
    worker = new Worker(url);
  } catch {
    if (url) URL.revokeObjectURL(url);
    return fallback();
  }
  const queue: Message[] = [];
  let wake: (() => void) | null = null;
  const arrive = (message: Message): void => {
    queue.push(message);
    const waiting = wake;
    wake = null;
    waiting?.();
  };
  const next = { then: (resolve: () => void) => (queue.length > 0 ? resolve() : (wake = resolve)) };
  worker.onmessage = (event: MessageEvent) => {
    const data: unknown = event.data;
    // Others may post on this worker too (a page's own instrumentation): only the walk's messages count.
    if (typeof data === 'object' && data !== null && typeof (data as Message).kind === 'string') arrive(data);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    arrive({ kind: 'error', message: String(event.message ?? 'the worker failed') });
  };
  const watch = setInterval(() => {
    if (!wanted()) arrive({ kind: 'unwanted' });
  }, 250);
  const late = setTimeout(() => arrive({ kind: 'late' }), startMs);
  let started = false;
  let walked = false;
  try {
    for (;;) {
      await next;
      const message = queue.shift() as Message;
      if (message.kind === 'unwanted' || !wanted()) return { origin: start.origin, usage: null, quota: null, truncated: false, elapsedMs: 0, files: 0, directories: 0 };
      if (!started) {
        if (message.kind === 'ready') {
          started = true;
          clearTimeout(late);
          worker.postMessage(start);
          continue;
        }
        if (message.kind === 'error' || message.kind === 'late') {
          worker.terminate();
          return await fallback();
        }
        continue;
      }
      if (message.kind === 'entries' && Array.isArray(message.entries)) {
        const seen = typeof message.seen === 'number' ? message.seen : 0;
        for (const entry of message.entries) report(seen, entry as WalkEntry);
      } else if (message.kind === 'done') {
        walked = true;
        return message.summary as WalkSummary;
      } else if (message.kind === 'failed') {
        const failure = new Error(String(message.message));
        failure.name = String(message.name);
        throw failure;
      } else if (message.kind === 'error') {
        throw new Error(`The walk's worker stopped: ${String(message.message)}`);
      }
    }
  } finally {
    clearInterval(watch);
    clearTimeout(late);
    // A walk that ended well leaves its worker a second more: terminating it releases every file
    // the walk opened at once, which held the browser ~0.25 s at 10,000 files, and the panel's
    // poll for the last entries waited behind that. Any other end stops it now.
    if (walked) setTimeout(() => worker.terminate(), 1000);
    else worker.terminate();
    URL.revokeObjectURL(url);
  }
}

/**
 * The worker's whole program around the walk's source (and the reader's, when the walk
 * checks as it goes): it says it is ready, walks when told where from, and posts what it
 * finds in batches — at most every 25 ms or 1,000 entries — then the summary or the error.
 *
 * Self-contained: its text becomes part of the worker's program.
 */
export function walkWorkerMain(walk: (root: FileSystemDirectoryHandle, environment: unknown, options: unknown, emit: (seen: number, entry: unknown) => void, read: unknown) => Promise<unknown>, read: unknown): void {
  const scope = self as unknown as { onmessage: ((event: MessageEvent) => unknown) | null; postMessage(message: unknown): void };
  scope.onmessage = async (event: MessageEvent) => {
    scope.onmessage = null;
    const { origin, options } = event.data as { origin: string; options: unknown };
    let batch: unknown[] = [];
    let seen = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (batch.length === 0) return;
      scope.postMessage({ kind: 'entries', seen, entries: batch });
      batch = [];
    };
    try {
      const storage = navigator.storage;
      const root = await storage.getDirectory();
      const summary = await walk(
        root,
        { origin, estimate: () => storage.estimate() },
        options,
        (filesSeen, entry) => {
          seen = filesSeen;
          batch.push(entry);
          // Every file is listed ('l'): the panel can show them all at once, without waiting for a batch to fill.
          if (batch.length >= 1000 || (entry as unknown[])[0] === 'l') flush();
          else if (timer === undefined) timer = setTimeout(flush, 25);
        },
        read,
      );
      flush();
      scope.postMessage({ kind: 'done', summary });
    } catch (error) {
      flush();
      let name = 'Error';
      let message: string;
      try {
        name = String((error as { name?: unknown }).name ?? 'Error');
        message = String((error as { message?: unknown }).message ?? error);
      } catch (describing) {
        message = `an unprintable ${typeof error} (${typeof describing} thrown while printing it)`;
      }
      scope.postMessage({ kind: 'failed', name, message });
    }
  };
  scope.postMessage({ kind: 'ready' });
}

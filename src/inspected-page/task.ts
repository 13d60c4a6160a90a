/**
 * The page side of every page task. `chrome.devtools.inspectedWindow.eval` needs no host
 * permission but does not await promises: an expression starts the task and returns at
 * once; the task keeps its state on a page global; the panel polls it only while it runs.
 *
 * Everything in this folder is sent to the inspected page as source text
 * (`Function.prototype.toString`) and runs there. Each function must stay self-contained:
 * no imports, no module-level constants, no helpers from outside its own body, no syntax a
 * bundler would lower into a shared helper. Their unit tests run them through
 * `new Function`, and against a minified production build, so a reference that escapes
 * shows up there.
 */

/** `wanted()` turns false once the panel released the task (it stopped following it): the task should stop soon. */
type PageTask = (root: FileSystemDirectoryHandle, storage: StorageManager, report: (filesSeen: number, entry?: unknown) => void, wanted: () => boolean) => Promise<unknown>;

/**
 * Starts `task` in the page and returns 'started' at once; the task's state lives on
 * `globalThis[globalName][requestId]`. Entries the task reports as it goes (files listed,
 * files checked, files purged) are kept in order in the state's `log`, for
 * {@link pollPageTask} to hand over a slice at a time. A failure says whether it happened
 * while getting the OPFS root (`stage: 'storage'`) and where the page is (origin,
 * protocol, secure context), so the panel can say why there is no OPFS.
 *
 * With `expectedOrigin`, a page of another origin starts nothing and answers
 * `{ wrongOrigin }`: an action on files the panel listed never lands in another site's
 * storage, however late the panel hears of a navigation (`location.origin`, which a page
 * cannot redefine, is also what the walk reports as the listing's origin).
 *
 * Self-contained: sent to the inspected page as source text.
 */
export function runPageTask(globalName: string, requestId: string, task: PageTask, expectedOrigin?: string): 'started' | { wrongOrigin: string } {
  if (expectedOrigin !== undefined && location.origin !== expectedOrigin) return { wrongOrigin: String(location.origin) };
  const scope = globalThis as unknown as Record<string, Record<string, unknown> | undefined>;
  const registry = scope[globalName] ?? (scope[globalName] = {});
  const log: unknown[] = [];
  const state: Record<string, unknown> = { state: 'running', filesSeen: 0, log };
  registry[requestId] = state;
  let stage: 'storage' | 'task' = 'storage';
  const run = async (): Promise<void> => {
    const storage = navigator.storage as StorageManager | undefined;
    if (typeof storage !== 'object' || storage === null) throw new TypeError('navigator.storage is not available here');
    const root: unknown = await storage.getDirectory();
    if (typeof root !== 'object' || root === null || (root as { kind?: unknown }).kind !== 'directory') {
      throw new TypeError(`navigator.storage.getDirectory() answered ${root === null ? 'null' : typeof root} instead of a folder handle`);
    }
    stage = 'task';
    const result = await task(
      root as FileSystemDirectoryHandle,
      storage,
      (filesSeen, entry) => {
        if (entry !== undefined) log.push(entry);
        state.filesSeen = filesSeen;
      },
      () => registry[requestId] === state,
    );
    // A released task leaves nothing behind.
    if (registry[requestId] === state) registry[requestId] = { state: 'done', result, log };
  };
  run().catch((error: unknown) => {
    // Nothing here may throw: the state must leave 'running', or the panel waits until it stalls.
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
    if (registry[requestId] === state) registry[requestId] = failure;
  });
  return 'started';
}

/**
 * A task's state as the panel polls it: while it runs, its progress and the entries it
 * logged from index `from` on — at most `most`, and no more than about `maxChars`
 * characters of text (a walk's checks carry footers: 5,000 of them would be one answer of
 * megabytes); `more` says that others are waiting. The entries travel as JSON texts of about
 * `chunkChars` characters each (`entryChunks`), not as objects: an answer of objects is
 * rebuilt in the panel in one task as it arrives (1 MiB of them held the panel's thread for
 * 25–48 ms), where texts arrive at once and are parsed one per slice.
 * Once done, its result with the last entries — but only when they all fit, so that a long
 * log still travels in slices. A done or failed state is then removed from the page
 * (handed over once). `null` when the page has no such request (it reloaded, or the state
 * was handed over).
 *
 * Self-contained: sent to the inspected page as source text.
 */
export function pollPageTask(globalName: string, requestId: string, from: number, most: number, maxChars: number, chunkChars: number): unknown {
  const registry = (globalThis as unknown as Record<string, Record<string, { state?: unknown; filesSeen?: unknown; log?: unknown[]; result?: unknown } | undefined> | undefined>)[globalName];
  const value = registry && Object.prototype.hasOwnProperty.call(registry, requestId) ? registry[requestId] : undefined;
  if (!value) return null;
  const log = Array.isArray(value.log) ? value.log : [];
  // What the panel asks from on, it has received: those entries need not stay in the page's heap.
  for (let i = Math.min(from, log.length) - 1; i >= 0 && log[i] !== 0; i--) log[i] = 0;
  const limit = Math.min(log.length, from + most);
  let end = from;
  let chars = 0;
  const entryChunks: string[] = [];
  let chunkStart = from;
  let chunkSize = 0;
  while (end < limit) {
    // Entries are flat arrays of strings and numbers (or small records): their strings are what weighs.
    const entry: unknown = log[end];
    let size = 16;
    if (Array.isArray(entry)) for (const field of entry) size += typeof field === 'string' ? field.length : 8;
    if (end > from && chars + size > maxChars) break;
    if (end > chunkStart && chunkSize + size > chunkChars) {
      entryChunks.push(JSON.stringify(log.slice(chunkStart, end)));
      chunkStart = end;
      chunkSize = 0;
    }
    chars += size;
    chunkSize += size;
    end++;
  }
  if (end > chunkStart) entryChunks.push(JSON.stringify(log.slice(chunkStart, end)));
  const more = end < log.length;
  if (value.state === 'running' || (value.state === 'done' && more)) {
    return { state: 'running', filesSeen: value.state === 'running' ? value.filesSeen : log.length, entryChunks, more };
  }
  delete registry![requestId];
  if (value.state === 'done') return { state: 'done', result: value.result, entryChunks };
  const failure: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== 'log') failure[key] = (value as Record<string, unknown>)[key];
  return failure;
}

/**
 * Removes a request's state from the page (a task the panel stopped following).
 *
 * Self-contained: sent to the inspected page as source text.
 */
export function releasePageTask(globalName: string, requestId: string): true {
  const registry = (globalThis as unknown as Record<string, Record<string, unknown> | undefined>)[globalName];
  if (registry) delete registry[requestId];
  return true;
}

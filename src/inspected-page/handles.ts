/**
 * Which files are held open right now, asked without writing anything: in a dedicated
 * worker of the page (sync access handles exist only in workers), each file is asked for a
 * sync access handle in `read-only` mode. A file an app holds (DuckDB-WASM and sqlite-wasm
 * hold theirs with `readwrite` handles) refuses it with NoModificationAllowedError; a free
 * file grants it, and the handle is closed at once, before the next file is asked — no
 * byte, no time, no swap file changes (the browser tests compare bytes and times before and
 * after). For that instant the file is held by us; the answer says how long at most
 * (`heldMs`). Where read-only handles do not exist (Firefox ignores the mode), the probe
 * takes a `readwrite` handle instead, also closed at once.
 *
 * The Web Locks the page holds or waits for (`navigator.locks.query()`) come back too:
 * they say nothing about files by themselves, but their names often do.
 *
 * A page whose CSP forbids `blob:` workers cannot be probed: the answer says so.
 *
 * Self-contained: sent to the inspected page as source text (see task.ts).
 */
export async function probeOpfsHandles(paths: readonly string[], timeoutMs: number): Promise<unknown> {
  const locks: { held: unknown[]; pending: unknown[] } = { held: [], pending: [] };
  try {
    const snapshot = await navigator.locks.query();
    const shape = (lock: LockInfo) => ({ name: String(lock.name ?? ''), mode: String(lock.mode ?? '') });
    locks.held = (snapshot.held ?? []).map(shape);
    locks.pending = (snapshot.pending ?? []).map(shape);
  } catch {
    // No Web Locks here (an insecure context): nothing to list.
  }
  if (paths.length === 0) return { probed: true, results: [], locks };
  // The worker's whole program: it asks for each file's handle in turn and answers once.
  const program = `onmessage = async (event) => {
  const results = [];
  let root;
  try { root = await navigator.storage.getDirectory(); } catch (error) { postMessage({ error: String(error && error.name) + ': ' + String(error && error.message) }); return; }
  for (const path of event.data) {
    try {
      const segments = path.split('/');
      const name = segments.pop();
      let folder = root;
      for (const segment of segments) folder = await folder.getDirectoryHandle(segment);
      const file = await folder.getFileHandle(name);
      const started = performance.now();
      let handle;
      try {
        handle = await file.createSyncAccessHandle({ mode: 'read-only' });
      } catch (error) {
        results.push([path, error && error.name === 'NoModificationAllowedError' ? 'held' : 'failed', String(error && error.name) + ': ' + String(error && error.message), 0]);
        continue;
      }
      handle.close();
      results.push([path, 'free', '', performance.now() - started]);
    } catch (error) {
      results.push([path, 'failed', String(error && error.name) + ': ' + String(error && error.message), 0]);
    }
  }
  postMessage({ results });
};`;
  let url: string | undefined;
  let worker: Worker | undefined;
  try {
    url = URL.createObjectURL(new Blob([program], { type: 'text/javascript' }));
    const started = new Worker(url);
    worker = started;
    const blockedUrl = url;
    let refused: ((event: SecurityPolicyViolationEvent) => void) | undefined;
    const answer = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      started.onmessage = (event) => {
        clearTimeout(timer);
        resolve(event.data);
      };
      started.onerror = (event) => {
        clearTimeout(timer);
        event.preventDefault();
        reject(new Error(event.message || 'the worker could not start (the page’s Content-Security-Policy may forbid blob: workers)'));
      };
      // A CSP that forbids the worker says so by this event, not by the worker's error (Chrome).
      refused = (event) => {
        if (event.blockedURI !== blockedUrl && !event.blockedURI.startsWith('blob')) return;
        clearTimeout(timer);
        reject(new Error(`the page’s Content-Security-Policy (${event.effectiveDirective}) forbids the worker that would ask`));
      };
      document.addEventListener('securitypolicyviolation', refused);
      started.postMessage(paths.map(String));
    }).finally(() => {
      if (refused) document.removeEventListener('securitypolicyviolation', refused);
    });
    const error = (answer as { error?: unknown }).error;
    if (typeof error === 'string') return { probed: false, why: error, locks };
    return { probed: true, results: (answer as { results?: unknown }).results, locks };
  } catch (error) {
    const text = typeof error === 'object' && error !== null && 'message' in error ? `${String((error as { name?: unknown }).name)}: ${String((error as { message?: unknown }).message)}` : String(error);
    return { probed: false, why: text.slice(0, 1000), locks };
  } finally {
    worker?.terminate();
    if (url !== undefined) URL.revokeObjectURL(url);
  }
}

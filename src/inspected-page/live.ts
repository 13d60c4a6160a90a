/**
 * "Live": the page's own FileSystemObserver (Chromium) records what changes in its OPFS,
 * and the panel collects the record at most once a second with one cheap evaluation that
 * touches no file. Nothing runs in the page while nothing changes.
 *
 * Self-contained functions: sent to the inspected page as source text.
 */

/**
 * Starts observing the page's OPFS (recursively) under `watchId`; answers 'unsupported'
 * where the page has no FileSystemObserver, else 'started' (the observation may still
 * fail: {@link collectOpfsChanges} then says so).
 */
export function watchOpfs(globalName: string, watchId: string): 'started' | 'unsupported' {
  const scope = globalThis as unknown as Record<string, Record<string, unknown> | undefined>;
  const Observer = (globalThis as { FileSystemObserver?: new (callback: (records: unknown[]) => void) => { observe(handle: unknown, options: object): Promise<void>; disconnect(): void } })
    .FileSystemObserver;
  if (typeof Observer !== 'function') return 'unsupported';
  const registry = scope[globalName] ?? (scope[globalName] = {});
  const existing = registry[watchId] as { observer?: { disconnect(): void } } | undefined;
  existing?.observer?.disconnect();
  const state: { state: string; changes: unknown[]; overflow: boolean; collectedAt: number; error?: string; observer?: { disconnect(): void } } = {
    state: 'starting',
    changes: [],
    overflow: false,
    collectedAt: Date.now(),
  };
  registry[watchId] = state;
  const observer = new Observer((records) => {
    if (Date.now() - state.collectedAt > 60_000) {
      // Nobody collected for a minute: the panel is gone (closed without a word). Stop.
      observer.disconnect();
      if (registry[watchId] === state) delete registry[watchId];
      return;
    }
    for (const record of records) {
      if (state.changes.length >= 10_000) {
        // Too much at once: the panel lists everything anew instead.
        state.overflow = true;
        state.changes.length = 0;
        return;
      }
      const r = record as { type?: unknown; relativePathComponents?: unknown; relativePathMovedFrom?: unknown };
      const path = Array.isArray(r.relativePathComponents) ? r.relativePathComponents.map(String).join('/') : '';
      const from = Array.isArray(r.relativePathMovedFrom) ? r.relativePathMovedFrom.map(String).join('/') : null;
      state.changes.push([String(r.type), path, from]);
    }
  });
  state.observer = observer;
  navigator.storage
    .getDirectory()
    .then((root) => observer.observe(root, { recursive: true }))
    .then(
      () => {
        state.state = 'watching';
      },
      (error: unknown) => {
        state.state = 'failed';
        state.error = String(error);
      },
    );
  return 'started';
}

/** Hands over (and forgets) the changes recorded under `watchId` since the last call; null when nothing is watched. */
export function collectOpfsChanges(globalName: string, watchId: string): { state: string; changes: unknown[]; overflow: boolean; error?: string } | null {
  const registry = (globalThis as unknown as Record<string, Record<string, unknown> | undefined>)[globalName];
  const state = registry?.[watchId] as { state: string; changes: unknown[]; overflow: boolean; collectedAt: number; error?: string } | undefined;
  if (!state) return null;
  state.collectedAt = Date.now();
  const answer = { state: state.state, changes: state.changes, overflow: state.overflow, error: state.error };
  state.changes = [];
  state.overflow = false;
  return answer;
}

/** Stops observing under `watchId`. */
export function unwatchOpfs(globalName: string, watchId: string): true {
  const registry = (globalThis as unknown as Record<string, Record<string, unknown> | undefined>)[globalName];
  const state = registry?.[watchId] as { observer?: { disconnect(): void } } | undefined;
  state?.observer?.disconnect();
  if (registry) delete registry[watchId];
  return true;
}

/**
 * Counting what a page's OPFS is asked: every call of the File System API's methods (and
 * every read of a file's bytes, with the file's name) is counted in the page, from its
 * first script on. Tests use it to show what the panel does *not* do: read an unchanged
 * file again, walk after a purge, touch the storage while the page is idle.
 */
import type { Page } from 'puppeteer-core';

export interface OpfsCalls {
  /** Calls per method, e.g. `FileSystemFileHandle.getFile`, `Blob.slice`; `worker`: how many of all were made in the page's workers. */
  calls: Record<string, number>;
  /** Names of the files whose bytes were read (slice, arrayBuffer, text, stream), in order. */
  reads: string[];
}

/**
 * Installs the counters in every document `page` loads from now on, and in every worker
 * such a document starts from a blob URL (the walk runs in one): a worker's calls are
 * counted there and handed to the page with the worker's next message — before it, so a
 * task's calls are all counted by the time its result arrives — and counted here too,
 * also under `worker`.
 */
export async function countOpfsCalls(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(installCounters);
}

/** Runs in the page, and again in each of its blob workers (its own text is their prefix). */
function installCounters(): void {
  const record = { calls: {} as Record<string, number>, reads: [] as string[] };
  const inWorker = typeof window === 'undefined';
  (globalThis as unknown as { __opfsCalls: typeof record }).__opfsCalls = record;
  const wrap = (proto: object | undefined, owner: string, methods: string[], isRead = false) => {
    if (!proto) return;
    for (const method of methods) {
      const original = (proto as Record<string, unknown>)[method];
      if (typeof original !== 'function') continue;
      Object.defineProperty(proto, method, {
        configurable: true,
        writable: true,
        value(this: unknown, ...args: unknown[]) {
          const key = `${owner}.${method}`;
          record.calls[key] = (record.calls[key] ?? 0) + 1;
          if (isRead && this instanceof File) record.reads.push(this.name);
          return (original as (...a: unknown[]) => unknown).apply(this, args);
        },
      });
    }
  };
  wrap(globalThis.StorageManager?.prototype, 'StorageManager', ['getDirectory']);
  wrap(globalThis.FileSystemDirectoryHandle?.prototype, 'FileSystemDirectoryHandle', ['entries', 'values', 'keys', 'getFileHandle', 'getDirectoryHandle', 'removeEntry', 'resolve']);
  wrap(globalThis.FileSystemFileHandle?.prototype, 'FileSystemFileHandle', ['getFile', 'createWritable', 'createSyncAccessHandle', 'move']);
  wrap(globalThis.FileSystemHandle?.prototype, 'FileSystemHandle', ['isSameEntry', 'remove', 'move']);
  wrap(globalThis.Blob?.prototype, 'Blob', ['slice', 'arrayBuffer', 'text', 'stream', 'bytes'], true);
  if (inWorker) {
    // Counted since the last message goes out first, on the same port.
    const post = globalThis.postMessage.bind(globalThis) as (message: unknown) => void;
    globalThis.postMessage = ((message: unknown) => {
      post({ __opfsCalls: { calls: record.calls, reads: record.reads } });
      record.calls = {};
      record.reads = [];
      post(message);
    }) as typeof globalThis.postMessage;
    return;
  }
  // A bundler that keeps function names (tsx, under the benchmark) writes calls to `__name` into this text: the worker needs it too.
  const source = `globalThis.__name ??= (fn) => fn;\n(${installCounters.toString()})();\n`;
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (this: unknown, blob: Blob | MediaSource) {
    const script = blob instanceof Blob && /javascript/.test(blob.type);
    return createObjectURL.call(URL, script ? new Blob([source, blob], { type: blob.type }) : blob);
  };
  const RealWorker = window.Worker;
  window.Worker = class extends RealWorker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      this.addEventListener('message', (event: MessageEvent) => {
        const counted = (event.data as { __opfsCalls?: { calls: Record<string, number>; reads: string[] } } | null)?.__opfsCalls;
        if (!counted) return;
        event.stopImmediatePropagation();
        for (const [key, n] of Object.entries(counted.calls)) {
          record.calls[key] = (record.calls[key] ?? 0) + n;
          record.calls.worker = (record.calls.worker ?? 0) + n;
        }
        record.reads.push(...counted.reads);
      });
    }
  };
}

/** What the page's OPFS was asked since the counters were installed. */
export async function opfsCalls(page: Page): Promise<OpfsCalls> {
  return page.evaluate(() => {
    const record = (globalThis as unknown as { __opfsCalls?: OpfsCalls }).__opfsCalls;
    if (!record) throw new Error('countOpfsCalls() was not installed before this document loaded.');
    return { calls: { ...record.calls }, reads: [...record.reads] };
  });
}

/** Calls per method made between two readings (methods not called are left out). */
export function callsBetween(before: OpfsCalls, after: OpfsCalls): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, n] of Object.entries(after.calls)) {
    const d = n - (before.calls[key] ?? 0);
    if (d > 0) delta[key] = d;
  }
  return delta;
}

/** Names of the files whose bytes were read between two readings. */
export function readsBetween(before: OpfsCalls, after: OpfsCalls): string[] {
  return after.reads.slice(before.reads.length);
}

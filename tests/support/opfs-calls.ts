/**
 * Counting what a page's OPFS is asked: every call of the File System API's methods (and
 * every read of a file's bytes, with the file's name) is counted in the page, from its
 * first script on. Tests use it to show what the panel does *not* do: read an unchanged
 * file again, walk after a purge, touch the storage while the page is idle.
 */
import type { Page } from 'puppeteer-core';

export interface OpfsCalls {
  /** Calls per method, e.g. `FileSystemFileHandle.getFile`, `Blob.slice`. */
  calls: Record<string, number>;
  /** Names of the files whose bytes were read (slice, arrayBuffer, text, stream), in order. */
  reads: string[];
}

/** Installs the counters in every document `page` loads from now on. */
export async function countOpfsCalls(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const record = { calls: {} as Record<string, number>, reads: [] as string[] };
    (window as unknown as { __opfsCalls: typeof record }).__opfsCalls = record;
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
  });
}

/** What the page's OPFS was asked since the counters were installed. */
export async function opfsCalls(page: Page): Promise<OpfsCalls> {
  return page.evaluate(() => {
    const record = (window as unknown as { __opfsCalls?: OpfsCalls }).__opfsCalls;
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

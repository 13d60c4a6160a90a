/**
 * The walk in a worker of the page: the real worker program (the text the panel sends) runs
 * in a context of its own over the fake OPFS, and the page's side of the exchange must
 * report exactly what walking on the page's thread reports — and walk on the page's thread
 * whenever no worker can start.
 */
import { createContext, runInContext } from 'node:vm';
import { describe, expect, test, vi } from 'vitest';
import { FakeOpfs } from '../../tests/support/fake-opfs';
import type { WalkOptions, WalkSummary } from '../opfs/scan-types';
import { readForVerdict } from './check';
import { walkOpfs } from './walk';
import { walkOpfsInWorker, walkWorkerMain } from './walk-worker';

const ORIGIN = 'https://app.example';

/** The program the panel builds (panel/page-expressions.ts does the same). */
const program = (check: boolean) => `(${walkWorkerMain.toString()})(${walkOpfs.toString()}, ${check ? readForVerdict.toString() : 'undefined'});`;

type Behaviour = 'runs' | 'throws on start' | 'errors before ready' | 'silent' | 'errors after ready' | 'chatty';

/** A dedicated worker whose program runs in a context of its own, with `storage` as its navigator.storage. */
function workerClass(storage: ReturnType<FakeOpfs['storage']>, behaviour: Behaviour, started: { count: number; terminated: number }) {
  return class FakeWorker {
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onerror: ((event: { message: string; preventDefault(): void }) => void) | null = null;
    private inside: { onmessage: ((event: { data: unknown }) => void) | null } | undefined;
    private alive = true;
    constructor(readonly url: string) {
      if (behaviour === 'throws on start') throw new DOMException('blocked', 'SecurityError');
      started.count++;
      const toPage = (data: unknown) => setTimeout(() => this.alive && this.onmessage?.({ data: structuredClone(data) }), 0);
      const fail = (message: string) => setTimeout(() => this.alive && this.onerror?.({ message, preventDefault() {} }), 0);
      if (behaviour === 'errors before ready') {
        fail('SyntaxError: nothing here parses');
        return;
      }
      if (behaviour === 'silent') return;
      const scope: Record<string, unknown> = {
        navigator: { storage },
        setTimeout,
        clearTimeout,
        Date,
        TextDecoder,
        TextEncoder,
        btoa,
        atob,
        performance,
        Uint8Array,
        DataView,
        File,
        Blob,
        postMessage: (data: unknown) => {
          if (behaviour === 'chatty') toPage({ note: 'not the walk' });
          toPage(data);
          if (behaviour === 'errors after ready' && (data as { kind: string }).kind === 'ready') fail('RangeError: out of memory');
        },
      };
      scope.self = scope;
      this.inside = scope as typeof this.inside;
      runInContext(blobs.get(url)!, createContext(scope));
    }
    postMessage(data: unknown): void {
      setTimeout(() => this.alive && this.inside?.onmessage?.({ data: structuredClone(data) }), 0);
    }
    terminate(): void {
      if (this.alive) started.terminated++;
      this.alive = false;
    }
  };
}

const blobs = new Map<string, string>();

async function withWorker<T>(Worker: unknown, run: () => Promise<T>): Promise<T> {
  const saved = { Worker: (globalThis as { Worker?: unknown }).Worker, create: URL.createObjectURL, revoke: URL.revokeObjectURL };
  let next = 0;
  (globalThis as { Worker?: unknown }).Worker = Worker;
  // The program's text, kept where the fake worker finds it (Blob.text() is asynchronous; the constructor is not).
  URL.createObjectURL = ((blob: Blob) => {
    const url = `blob:${ORIGIN}/${next++}`;
    blobs.set(url, (blob as unknown as { source: string }).source);
    return url;
  });
  URL.revokeObjectURL = (url: string) => void blobs.delete(url);
  const RealBlob = globalThis.Blob;
  globalThis.Blob = class extends RealBlob {
    source: string;
    constructor(parts: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      this.source = parts.map(String).join('');
    }
  } as typeof Blob;
  try {
    return await run();
  } finally {
    (globalThis as { Worker?: unknown }).Worker = saved.Worker;
    URL.createObjectURL = saved.create;
    URL.revokeObjectURL = saved.revoke;
    globalThis.Blob = RealBlob;
  }
}

/** A storage of `files` files over a few folders, some Parquet (some empty, some not), some text. */
async function storageOf(files: number): Promise<FakeOpfs> {
  const fake = new FakeOpfs();
  for (let i = 0; i < files; i++) {
    const folder = `f${i % 7}/g${i % 3}`;
    if (i % 5 === 0) await fake.writeFile(`${folder}/t${i}.parquet`, new Uint8Array(0), { lastModified: 1_700_000_000_000 + i });
    else if (i % 5 === 1) await fake.writeFile(`${folder}/t${i}.parquet`, `PAR1${'x'.repeat(i % 50)}PAR1`, { lastModified: 1_700_000_000_000 + i });
    else await fake.writeFile(`${folder}/n${i}.csv`, 'a,b\n'.repeat(i % 4), { lastModified: 1_700_000_000_000 + i });
  }
  return fake;
}

type Logged = [number, unknown];

/** Walks on this thread, as the page does without a worker. */
async function onThread(fake: FakeOpfs, options: WalkOptions): Promise<{ log: Logged[]; summary: WalkSummary }> {
  const log: Logged[] = [];
  const storage = fake.storage();
  const summary = await walkOpfs(await storage.getDirectory(), { origin: ORIGIN, estimate: () => storage.estimate() }, options, (n, entry) => log.push([n, entry]), options.check ? readForVerdict : undefined);
  return { log, summary };
}

async function inWorker(fake: FakeOpfs, options: WalkOptions, behaviour: Behaviour, extra: { wanted?: () => boolean; startMs?: number } = {}) {
  const started = { count: 0, terminated: 0 };
  const log: Logged[] = [];
  let fellBack = false;
  const storage = fake.storage();
  const walking = withWorker(workerClass(storage, behaviour, started), () =>
    walkOpfsInWorker(
      program(options.check !== undefined),
      { origin: ORIGIN, options },
      (n, entry) => log.push([n, entry]),
      extra.wanted ?? (() => true),
      async () => {
        fellBack = true;
        const storage = fake.storage();
        return walkOpfs(await storage.getDirectory(), { origin: ORIGIN, estimate: () => storage.estimate() }, options, (n, entry) => log.push([n, entry]), options.check ? readForVerdict : undefined);
      },
      extra.startMs ?? 1000,
    ),
  );
  return { walking, log, started, fellBack: () => fellBack };
}

/** Entries without the times that differ from run to run. */
const stable = (log: Logged[]) => log.map(([, entry]) => JSON.stringify(entry, (key, value) => (key === 'elapsedMs' ? 0 : value)));

describe('the walk in a worker of the page', () => {
  const checks: WalkOptions = { check: { footerBytesLimit: 1024, concurrency: 8, whileListing: 2, textBytesLimit: 1000 } };
  // Around the worker's batch of 1,000 entries (files, folders and check entries all count).
  for (const files of [0, 1, 300, 499, 500, 501, 999, 1000, 1001, 2600]) {
    for (const [label, options] of [['listing', {}], ['listing and checking', checks]] as const) {
      test(`${files} files, ${label}: the same entries in the same order, the same summary, and the worker left to stop`, { timeout: 20_000 }, async () => {
        const fake = await storageOf(files);
        const expected = await onThread(fake, options);
        const run = await inWorker(fake, options, 'runs');
        const summary = await run.walking;
        expect(run.fellBack()).toBe(false);
        // Stopped a second later (see the next test), not while the panel fetches the last entries.
        expect(run.started).toEqual({ count: 1, terminated: 0 });
        expect({ ...summary, elapsedMs: 0 }).toEqual({ ...expected.summary, elapsedMs: 0 });
        // Reads finish in their own order: the same entries, each file's check after its listing.
        expect(stable(run.log).sort()).toEqual(stable(expected.log).sort());
        if (options.check === undefined) expect(stable(run.log)).toEqual(stable(expected.log));
        const listedAt = new Map(run.log.map(([, entry], i) => [(entry as unknown[])[0] === 'f' ? (entry as string[])[1] : '', i]));
        for (const [i, [, entry]] of run.log.entries()) if ((entry as unknown[])[0] === 'c' || (entry as unknown[])[0] === 'x') expect(listedAt.get((entry as string[])[1])).toBeLessThan(i);
        // The count of files seen only grows, and ends at every file.
        const seen = run.log.map(([n]) => n);
        expect(seen.every((n, i) => i === 0 || n >= seen[i - 1])).toBe(true);
        if (files > 0) expect(seen.at(-1)).toBe(files);
      });
    }
  }

  for (const options of [{}, checks]) {
    test(`a walk that ended ${options.check ? 'with its checks ' : ''}stops its worker a second later`, async () => {
      const run = await inWorker(await storageOf(1200), options, 'runs');
      await run.walking;
      const ended = performance.now();
      expect(run.started.terminated).toBe(0);
      await vi.waitFor(() => expect(run.started.terminated).toBe(1), { timeout: 3000, interval: 20 });
      expect(performance.now() - ended).toBeGreaterThanOrEqual(900);
    });
  }

  for (const behaviour of ['throws on start', 'errors before ready', 'silent'] as const) {
    test(`a worker that ${behaviour}: the walk runs on the page's thread instead, once`, async () => {
      const fake = await storageOf(40);
      const expected = await onThread(fake, {});
      const run = await inWorker(fake, {}, behaviour, { startMs: 200 });
      const summary = await run.walking;
      expect(run.fellBack()).toBe(true);
      expect(summary.files).toBe(40);
      expect(stable(run.log)).toEqual(stable(expected.log));
      expect(run.started.terminated).toBe(run.started.count);
    });
  }

  test('messages that are not the walk’s are ignored', async () => {
    const fake = await storageOf(120);
    const expected = await onThread(fake, {});
    const run = await inWorker(fake, {}, 'chatty');
    await run.walking;
    expect(stable(run.log)).toEqual(stable(expected.log));
  });

  test('a walk that fails in the worker fails with the error’s own name and message', async () => {
    const fake = await storageOf(10);
    const storage = fake.storage();
    storage.getDirectory = async () => {
      throw new TypeError('no folder here');
    };
    const started = { count: 0, terminated: 0 };
    const walking = withWorker(workerClass(storage, 'runs', started), () => walkOpfsInWorker(program(false), { origin: ORIGIN, options: {} }, () => undefined, () => true, async () => expect.unreachable('no fallback once started'), 1000));
    await expect(walking).rejects.toMatchObject({ name: 'TypeError', message: 'no folder here' });
    expect(started.terminated).toBe(1);
  });

  test('a worker that dies after it started fails the walk and says so', async () => {
    const run = await inWorker(await storageOf(10), {}, 'errors after ready');
    await expect(run.walking).rejects.toThrow(/The walk's worker stopped: RangeError: out of memory/);
    expect(run.fellBack()).toBe(false);
    expect(run.started.terminated).toBe(1);
  });

  // Unwanted from the start, after the first batch, after about half of them.
  for (const limit of [0, 1, 1500]) {
    test(`a walk the panel no longer wants once ${limit} entries arrived ends there, and its worker with it`, async () => {
      const fake = await storageOf(2600);
      const started = { count: 0, terminated: 0 };
      const log: Logged[] = [];
      const summary = await withWorker(workerClass(fake.storage(), 'runs', started), () =>
        walkOpfsInWorker(program(false), { origin: ORIGIN, options: {} }, (n, entry) => log.push([n, entry]), () => log.length < limit, async () => expect.unreachable('no fallback'), 1000),
      );
      expect(started.terminated).toBe(1);
      expect(summary.files).toBe(0);
      // At most the batch that was arriving when it stopped being wanted.
      expect(log.length).toBeGreaterThanOrEqual(limit);
      expect(log.length).toBeLessThan(limit + 1001);
    });
  }
});

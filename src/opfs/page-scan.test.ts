import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { FakeOpfs } from './fake-opfs';
import * as pageScan from './page-scan';
import {
  PAGE_GLOBAL,
  SCAN_SLICE,
  collectScanSlices,
  pageReleaseExpression,
  pageScanPollExpression,
  pageScanSliceExpression,
  parseScanHeaderPoll,
  walkOpfs,
  pagePollExpression,
  pagePurgeExpression,
  pageScanExpression,
  parsePurgePoll,
  parsePurgeResult,
  parseScanPoll,
  parseScanResult,
  purgeExtensionOpfs,
  scanExtensionOpfs,
  type PurgeResult,
  type PurgeTarget,
  type ScanOptions,
  type ScanResult,
} from './page-scan';

import { parseSnapshotFileName } from '../snapshot/names';
import { snapshotLockName } from '../snapshot/locks';

type PageScanModule = typeof pageScan;

/** Evaluates an expression the way inspectedWindow.eval does: as global code, result JSON-serialised. */
function evaluateInPage(expression: string): unknown {
  const value: unknown = new Function(`return (${expression});`)();
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function installPage(fake: FakeOpfs, origin = 'https://app.example'): void {
  vi.stubGlobal('navigator', { storage: fake.storage({ usage: 1234, quota: 10 * 1024 ** 3 }) });
  vi.stubGlobal('location', { origin });
}

async function pollUntilSettled<T, E = never>(requestId: string, parse: (value: unknown) => pageScan.PageTaskState<T, E>, mod: PageScanModule = pageScan): Promise<T> {
  let logged = 0;
  for (let i = 0; i < 10_000; i++) {
    const state = parse(evaluateInPage(mod.pageLogPollExpression(requestId, logged)));
    if (state.state === 'running') logged += state.entries.length;
    if (state.state === 'done') return state.result;
    if (state.state === 'failed') throw new Error(`page task failed: ${state.error}`);
    if (state.state === 'missing') throw new Error('page task missing');
    await new Promise((done) => setTimeout(done, 1));
  }
  throw new Error('page task never settled');
}

/** Scanning through the page expression, optionally with a module built by vite. */
async function scanThroughPage(fake: FakeOpfs, options: ScanOptions, mod: PageScanModule = pageScan): Promise<ScanResult> {
  installPage(fake);
  expect(evaluateInPage(mod.pageScanExpression('scan-1', options))).toBe('started');
  return pollUntilSettled('scan-1', mod.parseScanPoll);
}

async function purgeThroughPage(fake: FakeOpfs, targets: PurgeTarget[], onProgress?: (filesDone: number) => void): Promise<PurgeResult> {
  installPage(fake);
  expect(evaluateInPage(pagePurgeExpression('purge-1', targets))).toBe('started');
  return pollUntilSettled('purge-1', (value) => {
    const state = parsePurgePoll(value, targets);
    if (state.state === 'running') onProgress?.(state.filesSeen);
    return state;
  });
}

/** A file with Parquet's framing: 'PAR1', body, footer, footer length, 'PAR1'. */
function parquetShaped(bodyBytes: number, footer: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bodyBytes + footer.length + 8);
  out.set([0x50, 0x41, 0x52, 0x31], 0);
  out.set(footer, 4 + bodyBytes);
  new DataView(out.buffer).setUint32(4 + bodyBytes + footer.length, footer.length, true);
  out.set([0x50, 0x41, 0x52, 0x31], out.length - 4);
  return out;
}

afterEach(() => {
  vi.unstubAllGlobals();
  delete (globalThis as Record<string, unknown>)[PAGE_GLOBAL];
});

const hosts: [string, (fake: FakeOpfs, options: ScanOptions) => Promise<ScanResult>][] = [
  ['directly (extension OPFS)', (fake, options) => scanExtensionOpfs(fake.handle, { ...options, origin: 'https://app.example', estimate: null })],
  ['through the page expression', (fake, options) => scanThroughPage(fake, options)],
];

describe.each(hosts)('scanning %s', (_host, scan) => {
  test('finds nested files with sizes and dates, and every folder', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a.csv', 'x,y\n1,2\n', { lastModified: 1_700_000_000_000 });
    await fake.writeFile('cleanslate/snapshots/t.parquet', new Uint8Array(0));
    await fake.writeFile('cleanslate/archive/2025/deep/z.bin', new Uint8Array(5000));
    await fake.mkdir('cleanslate/empty-folder');
    const result = await scan(fake, { footerBytesLimit: 1024 });
    expect(result.origin).toBe('https://app.example');
    expect(result.files.map((f) => [f.path, f.size])).toEqual([
      ['a.csv', 8],
      ['cleanslate/archive/2025/deep/z.bin', 5000],
      ['cleanslate/snapshots/t.parquet', 0],
    ]);
    expect(result.files[0]).toMatchObject({ name: 'a.csv', folder: '', lastModified: 1_700_000_000_000 });
    expect(result.files[1]).toMatchObject({ name: 'z.bin', folder: 'cleanslate/archive/2025/deep' });
    expect(result.directories).toEqual([
      'cleanslate',
      'cleanslate/archive',
      'cleanslate/archive/2025',
      'cleanslate/archive/2025/deep',
      'cleanslate/empty-folder',
      'cleanslate/snapshots',
    ]);
    expect(result.files.every((f) => f.probe === undefined)).toBe(true);
    expect(result.truncated).toBe(false);
    expect(result.errors).toEqual([]);
  });

  test('reads the magic bytes and footer of Parquet-named files only', async () => {
    const fake = new FakeOpfs();
    const footer = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const file = parquetShaped(100, footer);
    await fake.writeFile('s/x.parquet', file);
    await fake.writeFile('s/x_part_0.parquet.tmp', file);
    await fake.writeFile('s/x.bin', file);
    await fake.writeFile('s/tiny.parquet', 'PA');
    const result = await scan(fake, { footerBytesLimit: 1024 });
    const byName = new Map(result.files.map((f) => [f.name, f]));
    const probe = byName.get('x.parquet')!.probe!;
    expect([...probe.head]).toEqual([0x50, 0x41, 0x52, 0x31]);
    expect([...probe.tail]).toEqual([...file.slice(-8)]);
    expect([...probe.footer!]).toEqual([...file.slice(-18)]);
    expect(byName.get('x_part_0.parquet.tmp')!.probe?.footer).toHaveLength(18);
    expect(byName.get('x.bin')!.probe).toBeUndefined();
    expect(byName.get('tiny.parquet')!.probe).toMatchObject({ footer: null });
    expect([...byName.get('tiny.parquet')!.probe!.head]).toEqual([0x50, 0x41]);
  });

  test('skips footers above the limit, and beyond the budget', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('big.parquet', parquetShaped(10, new Uint8Array(2000)));
    await fake.writeFile('a.parquet', parquetShaped(10, new Uint8Array(100)));
    await fake.writeFile('b.parquet', parquetShaped(10, new Uint8Array(100)));
    const result = await scan(fake, { footerBytesLimit: 1024, footerBudgetBytes: 150 });
    const probes = result.files.map((f) => [f.name, f.probe!.footer?.length ?? f.probe!.footerSkipped]);
    expect(probes).toContainEqual(['big.parquet', 'too-large']);
    // One of a/b gets the budget, the other is skipped: which one depends on timing.
    expect(probes.filter(([, v]) => v === 108)).toHaveLength(1);
    expect(probes.filter(([, v]) => v === 'budget')).toHaveLength(1);
  });

  test('stops at the entry limit and says so', async () => {
    const fake = new FakeOpfs();
    for (let i = 0; i < 30; i++) await fake.writeFile(`f${i}.txt`, 'x');
    const result = await scan(fake, { footerBytesLimit: 0, maxEntries: 10 });
    expect(result.files).toHaveLength(10);
    expect(result.truncated).toBe(true);
  });

  test('issues getFile() calls concurrently, but bounded', async () => {
    const fake = new FakeOpfs({ getFileDelayMs: 5 });
    for (let i = 0; i < 40; i++) await fake.writeFile(`d${i % 4}/f${i}.txt`, 'x');
    const started = performance.now();
    const result = await scan(fake, { footerBytesLimit: 0, concurrency: 8 });
    expect(result.files).toHaveLength(40);
    expect(fake.maxGetFileInFlight).toBe(8);
    // Sequential would be 40 × 5 ms.
    expect(performance.now() - started).toBeLessThan(150);
  });
});

describe('the page expression', () => {
  test('returns at once and keeps progress on the page global until collected', async () => {
    const fake = new FakeOpfs({ getFileDelayMs: 2 });
    for (let i = 0; i < 120; i++) await fake.writeFile(`f${i}.txt`, 'x');
    installPage(fake);
    expect(evaluateInPage(pageScanExpression('r1', { footerBytesLimit: 0 }))).toBe('started');
    const first = parseScanPoll(evaluateInPage(pagePollExpression('r1')));
    expect(first.state).toBe('running');
    const result = await pollUntilSettled('r1', parseScanPoll);
    expect(result.files).toHaveLength(120);
    expect(result.usage).toBe(1234);
    // Collected once: the page no longer holds it.
    expect(parseScanPoll(evaluateInPage(pagePollExpression('r1')))).toEqual({ state: 'missing' });
    expect((globalThis as unknown as Record<string, unknown>)[PAGE_GLOBAL]).toEqual({});
  });

  test('reports a failure of the page storage as failed', async () => {
    vi.stubGlobal('navigator', { storage: { getDirectory: () => Promise.reject(new DOMException('denied', 'SecurityError')) } });
    vi.stubGlobal('location', { origin: 'https://x.example' });
    evaluateInPage(pageScanExpression('r2', { footerBytesLimit: 0 }));
    await new Promise((done) => setTimeout(done, 5));
    expect(parseScanPoll(evaluateInPage(pagePollExpression('r2')))).toEqual({ state: 'failed', error: 'SecurityError: denied', stage: 'storage', origin: 'https://x.example', secureContext: false });
  });

  test('records estimate() failures without failing the scan', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a.txt', 'x');
    vi.stubGlobal('navigator', { storage: { getDirectory: async () => fake.handle, estimate: () => Promise.reject(new Error('nope')) } });
    vi.stubGlobal('location', { origin: 'https://x.example' });
    evaluateInPage(pageScanExpression('r3', { footerBytesLimit: 0 }));
    const result = await pollUntilSettled('r3', parseScanPoll);
    expect(result.usage).toBeNull();
    expect(result.errors).toEqual([{ path: '', message: 'storage.estimate() failed: Error: nope' }]);
  });

  test('refuses request ids that are not plain tokens', () => {
    expect(() => pageScanExpression('x"); alert(1); ("', { footerBytesLimit: 0 })).toThrow(/Invalid request id/);
    expect(() => pagePollExpression('')).toThrow(/Invalid request id/);
  });

  test('embeds paths as data, never as code', async () => {
    const fake = new FakeOpfs();
    const evil = `a'); globalThis.pwned = true; ('`;
    await fake.writeFile(evil, 'x');
    const result = await purgeThroughPage(fake, [{ path: evil, size: 1 }]);
    expect(result.results).toEqual([{ path: evil, outcome: 'removed', bytes: 1 }]);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  test('survives a minified production build (the functions are sent as source text)', async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'page-scan-build-'));
    try {
      const entry = resolve(import.meta.dirname, 'page-scan.ts');
      await build({
        configFile: false,
        logLevel: 'silent',
        build: {
          outDir,
          target: 'chrome116',
          minify: true,
          write: true,
          lib: { entry, formats: ['es'], fileName: 'page-scan' },
        },
      });
      const built = (await import(pathToFileURL(join(outDir, 'page-scan.js')).href)) as PageScanModule;
      const source = built.pageScanExpression('b1', { footerBytesLimit: 64 });
      expect(source).not.toMatch(/__name|__vite|__vi_|require\(/);
      const fake = new FakeOpfs();
      await fake.writeFile('x/y.parquet', parquetShaped(3, new Uint8Array(5)));
      installPage(fake);
      expect(evaluateInPage(source)).toBe('started');
      const result = await pollUntilSettled('b1', built.parseScanPoll, built);
      expect(result.files.map((f) => [f.path, f.size, f.probe?.footer?.length])).toEqual([['x/y.parquet', 20, 13]]);
      // Check the build really minified the shipped function (so this test means something).
      expect(source.length).toBeLessThan(pageScanExpression('b1', { footerBytesLimit: 64 }).length);
      // The purge function too, including its size check and worker pool.
      await fake.writeFile('x/grown.bin', new Uint8Array(9));
      const targets = [
        { path: 'x/y.parquet', size: 20 },
        { path: 'x/grown.bin', size: 0 },
      ];
      const purgeSource = built.pagePurgeExpression('b2', targets);
      expect(purgeSource).not.toMatch(/__name|__vite|__vi_|require\(/);
      expect(evaluateInPage(purgeSource)).toBe('started');
      const purged = await pollUntilSettled('b2', (value) => built.parsePurgePoll(value, targets), built);
      expect(purged.results).toEqual([
        { path: 'x/y.parquet', outcome: 'removed', bytes: 20 },
        { path: 'x/grown.bin', outcome: 'changed', bytes: 9 },
      ]);
      expect(fake.listPaths()).toEqual(['x/', 'x/grown.bin']);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});

const purgeHosts: [string, (fake: FakeOpfs, targets: PurgeTarget[], onProgress?: (filesDone: number) => void) => Promise<PurgeResult>][] = [
  ['directly (extension OPFS)', (fake, targets, onProgress) => purgeExtensionOpfs(fake.handle, targets, onProgress)],
  ['through the page expression', purgeThroughPage],
];

describe.each(purgeHosts)('purging %s', (_host, purge) => {
  test('removes exactly the listed files, skips locked ones, never folders or unlisted files', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('s/empty.parquet');
    await fake.writeFile('s/old.parquet.tmp', new Uint8Array(300));
    await fake.writeFile('s/keep.parquet', new Uint8Array(50));
    await fake.writeFile('s/held.parquet', new Uint8Array(70));
    await fake.writeFile('s/folder/inner.txt', 'x');
    await fake.mkdir('s/empty-folder');
    fake.lock('s/held.parquet');
    const targets: PurgeTarget[] = [
      { path: 's/empty.parquet', size: 0 },
      { path: 's/old.parquet.tmp', size: 300 },
      { path: 's/held.parquet', size: 70 },
      { path: 's/gone.parquet', size: 10 },
      { path: 's/folder', size: 0 },
      { path: 's/empty-folder', size: 0 },
      { path: 's/empty.parquet', size: 0 },
      { path: '../etc', size: 0 },
    ];
    const result = await purge(fake, targets);
    expect(result.results).toEqual([
      { path: 's/empty.parquet', outcome: 'removed', bytes: 0 },
      { path: 's/old.parquet.tmp', outcome: 'removed', bytes: 300 },
      { path: 's/held.parquet', outcome: 'locked', bytes: 70 },
      { path: 's/gone.parquet', outcome: 'missing', bytes: 0 },
      { path: 's/folder', outcome: 'failed', bytes: 0, error: expect.stringMatching(/^TypeMismatchError: not a file/) },
      { path: 's/empty-folder', outcome: 'failed', bytes: 0, error: expect.stringMatching(/^TypeMismatchError: not a file/) },
      { path: '../etc', outcome: 'failed', bytes: 0, error: 'TypeError: not a valid file path' },
    ]);
    expect(result.bytesFreed).toBe(300);
    expect(fake.listPaths()).toEqual(['s/', 's/empty-folder/', 's/folder/', 's/folder/inner.txt', 's/held.parquet', 's/keep.parquet']);
  });

  test('leaves a file whose size changed since it was listed, and reports it as changed', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('s/grew.parquet.tmp', new Uint8Array(0));
    await fake.writeFile('s/shrank.parquet', new Uint8Array(10));
    await fake.writeFile('s/same.parquet', new Uint8Array(5));
    // Listed at these sizes; then another tab wrote to two of them.
    const targets: PurgeTarget[] = [
      { path: 's/grew.parquet.tmp', size: 0 },
      { path: 's/shrank.parquet', size: 10 },
      { path: 's/same.parquet', size: 5 },
    ];
    await fake.writeFile('s/grew.parquet.tmp', new Uint8Array(4096));
    await fake.writeFile('s/shrank.parquet', new Uint8Array(3));
    const result = await purge(fake, targets);
    expect(result.results).toEqual([
      { path: 's/grew.parquet.tmp', outcome: 'changed', bytes: 4096 },
      { path: 's/shrank.parquet', outcome: 'changed', bytes: 3 },
      { path: 's/same.parquet', outcome: 'removed', bytes: 5 },
    ]);
    expect(result.bytesFreed).toBe(5);
    expect(fake.exists('s/grew.parquet.tmp')).toBe(true);
    expect(fake.exists('s/shrank.parquet')).toBe(true);
    expect(fake.listPaths()).toEqual(['s/', 's/grew.parquet.tmp', 's/shrank.parquet']);
  });

  test('refuses a target without a valid size rather than removing it', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a.bin', new Uint8Array(2));
    await fake.writeFile('b.bin', new Uint8Array(2));
    const result = await purge(fake, [
      { path: 'a.bin', size: Number.NaN },
      { path: 'b.bin', size: -2 },
    ]);
    expect(result.results).toEqual([
      { path: 'a.bin', outcome: 'failed', bytes: 0, error: 'TypeError: not a valid listed size' },
      { path: 'b.bin', outcome: 'failed', bytes: 0, error: 'TypeError: not a valid listed size' },
    ]);
    expect(fake.listPaths()).toEqual(['a.bin', 'b.bin']);
  });

  test('purges 2,500 files: exactly those listed, results in input order', async () => {
    const fake = new FakeOpfs();
    const targets: PurgeTarget[] = [];
    const kept: string[] = [];
    for (let i = 0; i < 2500; i++) {
      const path = `cleanslate/snapshots/d${i % 7}/f${i}.parquet${i % 3 === 0 ? '.tmp' : ''}`;
      const size = i % 5 === 0 ? i % 40 : 0;
      await fake.writeFile(path, new Uint8Array(size));
      targets.push({ path, size });
      // Unlisted neighbours, and a few listed files that change after listing, must stay.
      if (i % 250 === 0) {
        await fake.writeFile(`cleanslate/snapshots/d${i % 7}/keep${i}.parquet`);
        kept.push(`cleanslate/snapshots/d${i % 7}/keep${i}.parquet`);
      }
    }
    const changed = new Set([targets[17]!.path, targets[1234]!.path, targets[2499]!.path]);
    for (const path of changed) {
      await fake.writeFile(path, new Uint8Array(77));
      kept.push(path);
    }
    // A shuffled order (deterministic), with a duplicate, so "input order" is not also sorted order.
    const order = targets.map((t, i) => ({ t, key: (i * 7919) % 2503 })).sort((a, b) => a.key - b.key).map(({ t }) => t);
    const requested = [...order, order[10]!];
    const progress: number[] = [];
    const result = await purge(fake, requested, (n) => progress.push(n));
    expect(result.results.map((r) => r.path)).toEqual(order.map((t) => t.path));
    for (const [i, entry] of result.results.entries()) {
      expect(entry).toEqual(changed.has(entry.path) ? { path: entry.path, outcome: 'changed', bytes: 77 } : { path: entry.path, outcome: 'removed', bytes: order[i]!.size });
    }
    expect(result.bytesFreed).toBe(targets.filter((t) => !changed.has(t.path)).reduce((sum, t) => sum + t.size, 0));
    const folders = ['cleanslate/', 'cleanslate/snapshots/', ...Array.from({ length: 7 }, (_, d) => `cleanslate/snapshots/d${d}/`)];
    expect(fake.listPaths()).toEqual([...folders, ...kept].sort());
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.every((n) => n >= 0 && n <= 2500)).toBe(true);
  });

  test('works on several files at once, at most 16', async () => {
    const fake = new FakeOpfs({ getFileDelayMs: 3 });
    const targets: PurgeTarget[] = [];
    for (let i = 0; i < 100; i++) {
      await fake.writeFile(`p/f${i}.bin`, new Uint8Array(i));
      targets.push({ path: `p/f${i}.bin`, size: i });
    }
    const result = await purge(fake, targets);
    expect(result.results.map((r) => r.outcome)).toEqual(new Array(100).fill('removed'));
    expect(fake.maxGetFileInFlight).toBeGreaterThan(1);
    expect(fake.maxGetFileInFlight).toBeLessThanOrEqual(16);
    expect(fake.listPaths()).toEqual(['p/']);
  });
});

test('progress of a direct purge counts files as they finish, up to the distinct total', async () => {
  const fake = new FakeOpfs({ getFileDelayMs: 1 });
  const targets: PurgeTarget[] = [];
  for (let i = 0; i < 40; i++) {
    await fake.writeFile(`f${i}`);
    targets.push({ path: `f${i}`, size: 0 });
  }
  const progress: number[] = [];
  await purgeExtensionOpfs(fake.handle, [...targets, targets[0]!], (n) => progress.push(n));
  expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
});

test('the purge expression embeds only path and size of each target', () => {
  const file = { path: 'a.parquet', size: 3, name: 'a.parquet', folder: '', lastModified: 1, probe: { head: new Uint8Array(4), tail: new Uint8Array(8), footer: new Uint8Array(1000) } };
  const source = pagePurgeExpression('p1', [file]);
  expect(source).toContain('[{"path":"a.parquet","size":3}]');
  expect(source).not.toContain('lastModified');
});

describe('purging files of a snapshot someone is writing', () => {
  /** A Web Locks stand-in: `held` names are taken; every name asked for is recorded. */
  function fakeLocks(held: Set<string>) {
    const asked: string[] = [];
    const locks = {
      request: async (name: string, _options: unknown, work: (lock: object | null) => unknown) => {
        asked.push(name);
        return work(held.has(name) ? null : { name });
      },
    };
    return { locks, asked };
  }

  test('takes the lock of exactly the snapshot a file name belongs to (the same rule as parseSnapshotFileName)', async () => {
    const names = [
      'orders.parquet', 'orders_part_0.parquet', 'orders_part_12.parquet', 'orders.manifest.json', 'orders.intent.json',
      'orders_part_3.parquet.tmp', 'orders.manifest.json.tmp', 'a_part_b_part_1.parquet', 'x.y.parquet', 'weird_part_.parquet',
      'notes.txt', 'orders.parquet.bak', 'data.csv', 'orders.json',
    ];
    const fake = new FakeOpfs();
    for (const name of names) await fake.writeFile(`app/snaps/${name}`, new Uint8Array(1));
    const { locks, asked } = fakeLocks(new Set());
    vi.stubGlobal('navigator', { locks });
    try {
      await purgeExtensionOpfs(fake.handle, names.map((name) => ({ path: `app/snaps/${name}`, size: 1 })));
    } finally {
      vi.unstubAllGlobals();
    }
    const expected = names.flatMap((name) => {
      const role = parseSnapshotFileName(name);
      return role.kind === 'other' || role.snapshotId === undefined ? [] : [snapshotLockName('app/snaps', role.snapshotId)];
    });
    // Each snapshot's lock once (its files share it), no other.
    expect(asked.filter((name) => name !== 'opfs-snapshot-inspector:purge').sort()).toEqual([...new Set(expected)].sort());
    expect(asked[0]).toBe('opfs-snapshot-inspector:purge');
  });

  test('skips the files of a locked snapshot as locked, and removes the rest', async () => {
    const fake = new FakeOpfs();
    for (const name of ['busy_part_0.parquet', 'busy.intent.json', 'free_part_0.parquet', 'other.txt']) await fake.writeFile(`s/${name}`, new Uint8Array(2));
    const { locks } = fakeLocks(new Set([snapshotLockName('s', 'busy')]));
    vi.stubGlobal('navigator', { locks });
    let result: PurgeResult;
    try {
      result = await purgeExtensionOpfs(fake.handle, ['busy_part_0.parquet', 'busy.intent.json', 'free_part_0.parquet', 'other.txt'].map((n) => ({ path: `s/${n}`, size: 2 })));
    } finally {
      vi.unstubAllGlobals();
    }
    expect(result.results.map((r) => [r.path, r.outcome])).toEqual([
      ['s/busy_part_0.parquet', 'locked'],
      ['s/busy.intent.json', 'locked'],
      ['s/free_part_0.parquet', 'removed'],
      ['s/other.txt', 'removed'],
    ]);
    expect(fake.listPaths()).toEqual(['s/', 's/busy.intent.json', 's/busy_part_0.parquet']);
  });
});

describe('parseScanResult', () => {
  const valid = () => ({
    origin: 'https://a.example',
    usage: 10,
    quota: 100,
    directories: ['d'],
    files: [{ path: 'd/<img src=x onerror=alert(1)>.parquet', size: 12, lastModified: 1, head: 'UEFSMQ==', tail: 'AAAAAFBBUjE=' }],
    errors: [],
    truncated: false,
    elapsedMs: 3,
  });

  test('accepts a well-formed answer and keeps names as plain strings', () => {
    const result = parseScanResult(valid());
    expect(result.files[0]).toMatchObject({ name: '<img src=x onerror=alert(1)>.parquet', folder: 'd', size: 12 });
    expect([...result.files[0]!.probe!.head]).toEqual([0x50, 0x41, 0x52, 0x31]);
    expect(result.files[0]!.probe!.footer).toBeNull();
  });

  test.each<[string, (v: ReturnType<typeof valid>) => unknown]>([
    ['a non-object', () => 'done'],
    ['null', () => null],
    ['an array', () => []],
    ['files that are not an array', (v) => ({ ...v, files: {} })],
    ['a file that is not an object', (v) => ({ ...v, files: [42] })],
    ['a negative size', (v) => ({ ...v, files: [{ path: 'a', size: -1, lastModified: 0 }] })],
    ['a fractional size', (v) => ({ ...v, files: [{ path: 'a', size: 1.5, lastModified: 0 }] })],
    ['a size as a string', (v) => ({ ...v, files: [{ path: 'a', size: '12', lastModified: 0 }] })],
    ['a path that is not a string', (v) => ({ ...v, files: [{ path: ['a'], size: 1, lastModified: 0 }] })],
    ['a path with ..', (v) => ({ ...v, files: [{ path: 'a/../b', size: 1, lastModified: 0 }] })],
    ['an empty path', (v) => ({ ...v, files: [{ path: '', size: 1, lastModified: 0 }] })],
    ['a huge name', (v) => ({ ...v, files: [{ path: 'x'.repeat(100_000), size: 1, lastModified: 0 }] })],
    ['the same path twice', (v) => ({ ...v, files: [v.files[0], v.files[0]] })],
    ['an absurd number of files', (v) => ({ ...v, files: Array.from({ length: 250_001 }, (_, i) => ({ path: `f${i}`, size: 0, lastModified: 0 })) })],
    ['an absurd number of folders', (v) => ({ ...v, directories: new Array(300_000).fill('d') })],
    ['invalid base64', (v) => ({ ...v, files: [{ ...v.files[0], head: '<script>' }] })],
    ['magic bytes longer than asked', (v) => ({ ...v, files: [{ ...v.files[0], head: 'UEFSMVBBUjE=' }] })],
    ['a footer without magic bytes', (v) => ({ ...v, files: [{ path: 'a', size: 20, lastModified: 0, footer: 'AAAAAAAAAAA=' }] })],
    ['a NaN date', (v) => ({ ...v, files: [{ path: 'a', size: 1, lastModified: Number.NaN }] })],
    ['a negative usage', (v) => ({ ...v, usage: -5 })],
    ['an origin that is not a string', (v) => ({ ...v, origin: 7 })],
    ['truncated that is not a boolean', (v) => ({ ...v, truncated: 'no' })],
  ])('rejects %s with a clear error', (_what, mutate) => {
    expect(() => parseScanResult(mutate(valid()))).toThrow(pageScan.InvalidPageAnswerError);
  });

  test('shortens overlong error messages rather than failing', () => {
    const result = parseScanResult({ ...valid(), errors: [{ path: 'd', message: 'm'.repeat(5000) }] });
    expect(result.errors[0]!.message.length).toBeLessThan(1100);
  });
});

describe('parsePurgeResult and polling', () => {
  test('recomputes the bytes freed instead of trusting the page', () => {
    const answer = {
      results: [
        { path: 'a', outcome: 'removed', bytes: 5 },
        { path: 'b', outcome: 'locked', bytes: 7 },
        { path: 'c', outcome: 'changed', bytes: 9 },
      ],
      bytesFreed: 1e12,
    };
    expect(parsePurgeResult(answer, ['a', 'b', 'c']).bytesFreed).toBe(5);
    const targets = [
      { path: 'a', size: 5 },
      { path: 'b', size: 7 },
      { path: 'c', size: 1 },
    ];
    expect(parsePurgeResult(answer, targets)).toEqual({ results: answer.results, bytesFreed: 5 });
    expect(parsePurgeResult(answer).results.map((r) => r.outcome)).toEqual(['removed', 'locked', 'changed']);
  });

  test('rejects outcomes for paths that were not requested, unknown outcomes, and duplicates', () => {
    for (const requested of [['a'], [{ path: 'a', size: 1 }]]) {
      expect(() => parsePurgeResult({ results: [{ path: 'other', outcome: 'removed', bytes: 1 }] }, requested)).toThrow(/not requested/);
      expect(() => parsePurgeResult({ results: [{ path: 'a', outcome: 'exploded', bytes: 1 }] }, requested)).toThrow(/outcome/);
      expect(() => parsePurgeResult({ results: [{ path: 'a', outcome: 'missing', bytes: 0 }, { path: 'a', outcome: 'missing', bytes: 0 }] }, requested)).toThrow(/twice/);
    }
  });

  test('with targets, rejects a removal of a file that did not have the listed size, and a change that was none', () => {
    const targets = [{ path: 'a', size: 10 }];
    expect(() => parsePurgeResult({ results: [{ path: 'a', outcome: 'removed', bytes: 11 }] }, targets)).toThrow(/listed one/);
    expect(() => parsePurgeResult({ results: [{ path: 'a', outcome: 'changed', bytes: 10 }] }, targets)).toThrow(/change/);
    expect(parsePurgePoll({ state: 'done', result: { results: [{ path: 'a', outcome: 'changed', bytes: 12 }] } }, targets)).toEqual({
      state: 'done',
      result: { results: [{ path: 'a', outcome: 'changed', bytes: 12 }], bytesFreed: 0 },
    });
  });

  test('poll states', () => {
    expect(parseScanPoll(null)).toEqual({ state: 'missing' });
    expect(parseScanPoll({ state: 'running', filesSeen: 3 })).toEqual({ state: 'running', filesSeen: 3, entries: [] });
    expect(() => parseScanPoll({ state: 'running', filesSeen: -3 })).toThrow(/filesSeen/);
    expect(() => parseScanPoll({ state: 'hacked' })).toThrow(/state/);
    expect(() => parseScanPoll({ state: 'done', result: 'x' })).toThrow(/scan result/);
  });
});

/** A directory handle whose `entries()` yields exactly `items`: what a page that replaced the API could answer. */
function hostileFolder(items: unknown[]): FileSystemDirectoryHandle {
  return {
    kind: 'directory',
    async *entries() {
      for (const item of items) yield item;
    },
  } as unknown as FileSystemDirectoryHandle;
}

function fakeFile(file: unknown): unknown {
  return { kind: 'file', getFile: async () => file };
}

const unprintable = () => ({
  get name(): string {
    throw new Error('no name');
  },
  get message(): string {
    throw new Error('no message');
  },
});

describe('walking an OPFS whose APIs a hostile page replaced', () => {
  const walk = (root: FileSystemDirectoryHandle, options: Partial<ScanOptions> = {}, estimate: (() => Promise<StorageEstimate>) | null = null) =>
    walkOpfs(root, { origin: 'https://evil.example', estimate }, { footerBytesLimit: 1024, ...options }, () => undefined);

  test('leaves out each bad entry on its own, says why, and still lists the good ones, sorted', async () => {
    const good = new File(['hello'], 'good.txt', { lastModified: 5 });
    const root = hostileFolder([
      42,
      [null, fakeFile(good)],
      ['a/b', fakeFile(good)],
      ['..', fakeFile(good)],
      [Symbol('s'), fakeFile(good)],
      ['', fakeFile(good)],
      ['x'.repeat(5000), fakeFile(good)],
      ['z-good.txt', fakeFile(good)],
      ['z-good.txt', fakeFile(good)],
      ['a-good.txt', fakeFile(good)],
      ['negative.bin', fakeFile({ size: -1, lastModified: 0 })],
      ['fraction.bin', fakeFile({ size: 1.5, lastModified: 0 })],
      ['huge.bin', fakeFile({ size: 2 ** 70, lastModified: 0 })],
      ['string.bin', fakeFile({ size: '12', lastModified: 0 })],
      ['bad-date.bin', fakeFile({ size: 3, lastModified: 'yesterday' })],
      ['throws.bin', { kind: 'file', getFile: async () => Promise.reject(unprintable()) }],
      ['symlink', { kind: 'symlink' }],
      ['kind-throws', Object.defineProperty({}, 'kind', { get: () => { throw new Error('kind'); } })],
    ]);
    const wire = await walk(root);
    expect(wire.files).toEqual([
      { path: 'a-good.txt', size: 5, lastModified: 5 },
      { path: 'bad-date.bin', size: 3, lastModified: 0 },
      { path: 'z-good.txt', size: 5, lastModified: 5 },
    ]);
    const messages = wire.errors.map((e) => `${e.path}|${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\|an entry could not be read: TypeError/),
        '|an entry whose name is not a file name (null) was left out',
        '|an entry whose name is not a file name ("a/b") was left out',
        '|an entry whose name is not a file name ("..") was left out',
        '|an entry whose name is not a file name (symbol) was left out',
        '|an entry whose name is not a file name ("") was left out',
        '|an entry with a name of 5000 characters (more than 4096) was left out',
        'z-good.txt|the folder listed this name twice; the repeat was left out',
        'negative.bin|TypeError: getFile() answered a size that is not a byte count (-1)',
        'fraction.bin|TypeError: getFile() answered a size that is not a byte count (1.5)',
        'huge.bin|TypeError: getFile() answered a size that is not a byte count (1.1805916207174113e+21)',
        'string.bin|TypeError: getFile() answered a size that is not a byte count ("12")',
        'throws.bin|an unprintable object (object thrown while printing it)',
        'symlink|an entry that is neither a file nor a folder (kind "symlink") was left out',
        '|an entry could not be read: Error: kind',
      ]),
    );
    expect(messages).toHaveLength(15);
    // What the walker answers always passes the panel's validation.
    expect(parseScanResult(wire).files.map((f) => f.path)).toEqual(['a-good.txt', 'bad-date.bin', 'z-good.txt']);
  });

  test('an entries() that throws, or is not iterable, costs that folder only', async () => {
    const broken = { kind: 'directory', entries: () => { throw new Error('entries() is disabled'); } };
    const notIterable = { kind: 'directory', entries: () => 42 };
    const root = hostileFolder([
      ['broken', broken],
      ['not-iterable', notIterable],
      ['ok.txt', fakeFile(new File(['x'], 'ok.txt'))],
    ]);
    const wire = await walk(root);
    expect(wire.directories).toEqual(['broken', 'not-iterable']);
    expect(wire.files.map((f) => f.path)).toEqual(['ok.txt']);
    expect(wire.errors).toEqual([
      { path: 'broken', message: 'Error: entries() is disabled' },
      { path: 'not-iterable', message: expect.stringMatching(/^TypeError/) },
    ]);
  });

  test('stops descending at maxDepth: a folder that contains itself is not walked forever', async () => {
    const loop: Record<string, unknown> = { kind: 'directory' };
    loop.entries = async function* () {
      yield ['loop', loop];
    };
    const wire = await walk(loop as unknown as FileSystemDirectoryHandle, { maxDepth: 20 });
    expect(wire.directories).toHaveLength(20);
    expect(wire.errors).toEqual([{ path: Array(20).fill('loop').join('/'), message: 'folders nested more than 20 deep are not walked' }]);
    expect(parseScanResult(wire).directories).toHaveLength(20);
  });

  test('lists a Parquet file whose bytes cannot be read, with the reason instead of a probe', async () => {
    const real = parquetShaped(10, new Uint8Array(20)) as Uint8Array<ArrayBuffer>;
    const lying = new File([real], 'lies.parquet');
    Object.defineProperty(lying, 'slice', { value: () => new Blob([new Uint8Array(1000)]) });
    const notBlob = new File([real], 'garbage.parquet');
    Object.defineProperty(notBlob, 'slice', { value: () => 'not a blob' });
    const root = hostileFolder([
      ['lies.parquet', fakeFile(lying)],
      ['garbage.parquet', fakeFile(notBlob)],
      ['fine.parquet', fakeFile(new File([real], 'fine.parquet'))],
    ]);
    const result = parseScanResult(await walk(root));
    const byName = Object.fromEntries(result.files.map((f) => [f.name, f]));
    expect(byName['lies.parquet']).toMatchObject({ size: real.length, probeError: `RangeError: asked for ${real.length} bytes, got 1000` });
    expect(byName['lies.parquet']!.probe).toBeUndefined();
    expect(byName['garbage.parquet']!.probeError).toMatch(/^TypeError/);
    expect(byName['fine.parquet']!.probe?.footer).toHaveLength(28);
  });

  test.each<[string, unknown, { usage: number | null; quota: number | null; errors: string[] }]>([
    ['garbage numbers', { usage: -5, quota: 'lots' }, { usage: null, quota: null, errors: ['usage that is not a byte count (-5)', 'quota that is not a byte count ("lots")'] }],
    ['huge numbers', { usage: 2 ** 80, quota: Infinity }, { usage: null, quota: null, errors: ['usage that is not a byte count (1.2089258196146292e+24)', 'quota that is not a byte count (Infinity)'] }],
    ['not an object', 7, { usage: null, quota: null, errors: ['storage.estimate() answered 7 instead of an estimate'] }],
    ['a usage only', { usage: 12 }, { usage: 12, quota: null, errors: [] }],
  ])('an estimate() answering %s keeps the listing and says what was wrong', async (_what, estimate, expected) => {
    const wire = await walk(hostileFolder([]), {}, async () => estimate as StorageEstimate);
    expect(wire.usage).toBe(expected.usage);
    expect(wire.quota).toBe(expected.quota);
    expect(wire.errors.map((e) => e.message)).toEqual(expected.errors.map((m) => expect.stringContaining(m)));
    expect(() => parseScanResult(wire)).not.toThrow();
  });

  test('records at most 1,000 problems, then counts the rest', async () => {
    const wire = await walk(hostileFolder(Array.from({ length: 1500 }, () => [null, null])));
    expect(wire.errors).toHaveLength(1001);
    expect(wire.errors.at(-1)).toEqual({ path: '', message: '500 more problems were not listed' });
    expect(() => parseScanResult(wire)).not.toThrow();
  });
});

describe('the page task, when the page replaced getDirectory()', () => {
  const failureOf = async (storage: unknown, extra: Record<string, unknown> = {}) => {
    vi.stubGlobal('navigator', { storage });
    vi.stubGlobal('location', { origin: 'https://x.example', protocol: 'https:' });
    for (const [key, value] of Object.entries(extra)) vi.stubGlobal(key, value);
    expect(evaluateInPage(pageScanExpression('h1', { footerBytesLimit: 0 }))).toBe('started');
    await new Promise((done) => setTimeout(done, 5));
    return parseScanPoll(evaluateInPage(pagePollExpression('h1')));
  };

  test.each<[string, unknown, RegExp]>([
    ['throws', { getDirectory: () => { throw new Error('disabled'); } }, /^Error: disabled$/],
    ['answers a number', { getDirectory: async () => 42 }, /^TypeError: navigator\.storage\.getDirectory\(\) answered number instead of a folder handle$/],
    ['answers null', { getDirectory: async () => null }, /answered null instead/],
    ['answers a file handle', { getDirectory: async () => ({ kind: 'file' }) }, /answered object instead/],
    ['rejects with an unprintable error', { getDirectory: () => Promise.reject(unprintable()) }, /^an unprintable object/],
  ])('getDirectory() that %s fails at the storage stage, with hints', async (_what, storage, error) => {
    const state = await failureOf(storage, { isSecureContext: true, origin: 'https://x.example' });
    expect(state).toEqual({ state: 'failed', error: expect.stringMatching(error), stage: 'storage', origin: 'https://x.example', protocol: 'https:', secureContext: true });
  });

  test('no navigator.storage (not a secure context) fails at the storage stage', async () => {
    const state = await failureOf(undefined, { isSecureContext: false, origin: 'http://192.168.1.2' });
    expect(state).toMatchObject({ state: 'failed', stage: 'storage', secureContext: false, origin: 'http://192.168.1.2', error: 'TypeError: navigator.storage is not available here' });
  });

  test('hints that are not what our code writes are dropped, not fatal', () => {
    expect(parseScanPoll({ state: 'failed', error: 'x', stage: 'evil', origin: 7, protocol: 'javascript:alert(1)//', secureContext: 'yes' })).toEqual({ state: 'failed', error: 'x' });
  });
});

describe('handing a scan over in slices', () => {
  async function sliced(fake: FakeOpfs): Promise<{ result: ScanResult; slices: number; registry: () => unknown }> {
    installPage(fake);
    expect(evaluateInPage(pageScanExpression('s1', { footerBytesLimit: 64 }))).toBe('started');
    let header: pageScan.ScanHeader | undefined;
    for (let i = 0; i < 10_000 && !header; i++) {
      const state = parseScanHeaderPoll(evaluateInPage(pageScanPollExpression('s1')));
      if (state.state === 'done') header = state.result;
      else if (state.state !== 'running') throw new Error(JSON.stringify(state));
      else await new Promise((done) => setTimeout(done, 1));
    }
    let slices = 0;
    const result = await collectScanSlices(header!, async (list, start) => {
      slices++;
      return evaluateInPage(pageScanSliceExpression('s1', list, start));
    });
    return { result, slices, registry: () => (globalThis as unknown as Record<string, Record<string, unknown>>)[PAGE_GLOBAL]?.s1 };
  }

  test('answers exactly what a whole answer would, in slices of at most 10,000 files', async () => {
    const fake = new FakeOpfs();
    const count = SCAN_SLICE.maxItems + 2345;
    for (let i = 0; i < count; i++) await fake.writeFile(`d${i % 7}/f${i}.bin`, new Uint8Array(i % 3));
    await fake.writeFile('x/y.parquet', parquetShaped(3, new Uint8Array(5)));
    const { result, slices, registry } = await sliced(fake);
    expect(result.files).toHaveLength(count + 1);
    expect(result.directories).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'x']);
    expect(slices).toBe(3); // two of files, one of folders
    expect(result.files.find((f) => f.path === 'x/y.parquet')?.probe?.footer).toHaveLength(13);
    expect(result.files.map((f) => f.path)).toEqual([...result.files.map((f) => f.path)].sort());
    expect(result).toEqual(await scanExtensionOpfs(fake.handle, { footerBytesLimit: 64, origin: 'https://app.example', estimate: async () => ({ usage: 1234, quota: 10 * 1024 ** 3 }) }).then((r) => ({ ...r, elapsedMs: result.elapsedMs })));
    // The page keeps the answer until released.
    expect(registry()).toMatchObject({ state: 'done' });
    expect(evaluateInPage(pageReleaseExpression('s1'))).toBe(true);
    expect(registry()).toBeUndefined();
  });

  test('cuts slices by size too: long names travel in several slices', async () => {
    const fake = new FakeOpfs();
    for (let i = 0; i < 3000; i++) await fake.writeFile(`${String(i).padStart(4, '0')}${'n'.repeat(4000)}`, 'x');
    const { result, slices } = await sliced(fake);
    expect(result.files).toHaveLength(3000);
    expect(slices).toBeGreaterThan(2);
  });

  test('rejects slices that do not add up to what the header announced', async () => {
    const header = { origin: 'o', usage: null, quota: null, errors: [], truncated: false, elapsedMs: 1, fileCount: 2, directoryCount: 0 };
    const file = (path: string) => ({ path, size: 1, lastModified: 0 });
    await expect(collectScanSlices(header, async () => [])).rejects.toThrow(/empty although 2 were announced/);
    await expect(collectScanSlices(header, async () => [file('a'), file('b'), file('c')])).rejects.toThrow(/more than the 2/);
    await expect(collectScanSlices(header, async () => 'lol')).rejects.toThrow(/not an array/);
    await expect(collectScanSlices(header, async (_list, start) => [file(start === 0 ? 'a' : 'a')])).rejects.toThrow(/appears twice/);
    await expect(collectScanSlices(header, async (_list, start) => [file(start === 0 ? 'b' : 'a')])).resolves.toMatchObject({ files: [{ path: 'a' }, { path: 'b' }] });
    expect(() => parseScanHeaderPoll({ state: 'done', result: { ...header, fileCount: 250_001 } })).toThrow(/more than 250000/);
    expect(() => parseScanHeaderPoll({ state: 'done', result: { ...header, directoryCount: undefined } })).toThrow(/directoryCount/);
  });

  test('a slice of a request the page no longer holds is null', () => {
    vi.stubGlobal('location', { origin: 'https://x.example' });
    expect(evaluateInPage(pageScanSliceExpression('gone', 'files', 0))).toBeNull();
    expect(() => pageScanSliceExpression('x"); alert(1); ("', 'files', 0)).toThrow(/Invalid request id/);
    expect(() => pageScanSliceExpression('ok', 'files', -1)).toThrow(/Invalid slice start/);
  });
});

describe('parseScanResult ordering', () => {
  test('sorts an answer that is not in order, and finds a path listed as both folder and file', () => {
    const answer = (files: string[], directories: string[]) => ({
      origin: 'o', usage: null, quota: null, errors: [], truncated: false, elapsedMs: 0, directories,
      files: files.map((path) => ({ path, size: 0, lastModified: 0 })),
    });
    expect(parseScanResult(answer(['b', 'a', 'c'], ['z', 'y'])).files.map((f) => f.path)).toEqual(['a', 'b', 'c']);
    expect(parseScanResult(answer(['b', 'a', 'c'], ['z', 'y'])).directories).toEqual(['y', 'z']);
    expect(() => parseScanResult(answer(['b', 'a', 'b'], []))).toThrow(/"b" appears twice/);
    expect(() => parseScanResult(answer(['a', 'd'], ['d']))).toThrow(/"d" appears twice/);
    expect(() => parseScanResult(answer([], ['d', 'd']))).toThrow(/"d" appears twice/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { FakeOpfs } from './fake-opfs';
import * as pageScan from './page-scan';
import {
  PAGE_GLOBAL,
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

async function pollUntilSettled<T>(requestId: string, parse: (value: unknown) => pageScan.PageTaskState<T>, mod: PageScanModule = pageScan): Promise<T> {
  for (let i = 0; i < 10_000; i++) {
    const state = parse(evaluateInPage(mod.pagePollExpression(requestId)));
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
    expect(parseScanPoll(evaluateInPage(pagePollExpression('r2')))).toEqual({ state: 'failed', error: 'SecurityError: denied' });
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
    expect(parseScanPoll({ state: 'running', filesSeen: 3 })).toEqual({ state: 'running', filesSeen: 3 });
    expect(() => parseScanPoll({ state: 'running', filesSeen: -3 })).toThrow(/filesSeen/);
    expect(() => parseScanPoll({ state: 'hacked' })).toThrow(/state/);
    expect(() => parseScanPoll({ state: 'done', result: 'x' })).toThrow(/scan result/);
  });
});

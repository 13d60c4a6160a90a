/**
 * The functions that run inside the inspected page — walk, check, purge, the task runner —
 * both as the page runs them (expressions evaluated as global code, answers through JSON and
 * the panel's validators) and directly (as on the extension's own storage), against an
 * in-memory OPFS that behaves like Chrome's, and against a page that replaced the APIs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { FakeOpfs } from '../../tests/support/fake-opfs';
import { HOSTS, clearPageGlobal, evaluateInPage, installPage, pageHost, scan, type ExpressionsModule } from '../../tests/support/page-functions';
import { LOG_CHUNK_CHARS, LOG_SLICE, LOG_SLICE_CHARS, UPLOAD_CHUNK_BYTES, writeUploadExpression, checkExpression, pollExpression, purgeExpression, releaseExpression, walkExpression } from '../../panel/page-expressions';
import { parseLiveChanges, parsePoll, parseWalkEntry, parseWalkSummary, walkAnswerParser } from '../opfs/page-answers';
import { PAGE_GLOBAL, SCAN_LIMITS, checkReadFor, type PurgeTarget, type WalkEntry, type WalkOptions } from '../opfs/scan-types';
import { parseSnapshotFileName } from '../snapshot/names';
import { snapshotLockName } from '../snapshot/locks';
import { walkOpfs } from './walk';
import { purgeOpfsFiles } from './purge';

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
  clearPageGlobal();
});

describe.each(HOSTS)('walking and checking %s', (_host, host) => {
  test('lists nested files with sizes and dates, and every folder, reading nothing', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a.csv', 'x,y\n1,2\n', { lastModified: 1_700_000_000_000 });
    await fake.writeFile('cleanslate/snapshots/t.parquet', new Uint8Array(0));
    await fake.writeFile('cleanslate/archive/2025/deep/z.bin', new Uint8Array(5000));
    await fake.mkdir('cleanslate/empty-folder');
    const entries: WalkEntry[] = [];
    const summary = await host.walk(fake, {}, { onEntries: (batch) => entries.push(...batch), onListed: () => undefined });
    expect(summary).toMatchObject({ origin: 'https://app.example', files: 3, directories: 6, truncated: false, usage: 1234 });
    expect(entries[0]).toEqual(['o', 'https://app.example']);
    const files = entries.filter((e) => e[0] === 'f').sort();
    expect(files).toEqual([
      ['f', 'a.csv', 8, 1_700_000_000_000],
      ['f', 'cleanslate/archive/2025/deep/z.bin', 5000, expect.any(Number)],
      ['f', 'cleanslate/snapshots/t.parquet', 0, expect.any(Number)],
    ]);
    expect(entries.filter((e) => e[0] === 'd').map((e) => e[1]).sort()).toEqual([
      'cleanslate',
      'cleanslate/archive',
      'cleanslate/archive/2025',
      'cleanslate/archive/2025/deep',
      'cleanslate/empty-folder',
      'cleanslate/snapshots',
    ]);
    expect(fake.reads).toBe(0);
  });

  test('lists anew exactly the paths asked: a file, a folder with its contents, a path gone; reading nothing', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('app/a.parquet', new Uint8Array(10), { lastModified: 1_700_000_000_000 });
    await fake.writeFile('app/moved/x.csv', 'x\n1\n', { lastModified: 1_700_000_001_000 });
    await fake.writeFile('app/moved/deeper/y.json', '{}', { lastModified: 1_700_000_002_000 });
    await fake.writeFile('elsewhere/untouched.bin', new Uint8Array(3));
    await fake.mkdir('app/moved/empty');
    const entries: WalkEntry[] = [];
    const asked = ['app/a.parquet', 'app/moved', 'app/gone.parquet', 'nowhere/at/all.csv', 'app/../elsewhere/untouched.bin', 'app//a.parquet', 'app/./a.parquet'];
    await host.stat(fake, asked, (batch) => entries.push(...batch));
    expect(entries.sort()).toEqual(
      [
        ['d', 'app/moved'],
        ['d', 'app/moved/deeper'],
        ['d', 'app/moved/empty'],
        ['f', 'app/a.parquet', 10, 1_700_000_000_000],
        ['f', 'app/moved/deeper/y.json', 2, 1_700_000_002_000],
        ['f', 'app/moved/x.csv', 4, 1_700_000_001_000],
        ['g', 'app/gone.parquet'],
        ['g', 'nowhere/at/all.csv'],
      ].sort(),
    );
    expect(fake.reads).toBe(0);
  });

  test.each([
    ['after the walk', {}],
    ['while walking', { check: { footerBytesLimit: 1024 * 1024, textBytesLimit: SCAN_LIMITS.maxRecordTextLength } }],
  ])('checks the magic bytes and footer of Parquet-named files, and the text of manifests, only (%s)', async (_when, walk: WalkOptions) => {
    const fake = new FakeOpfs();
    const footer = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const file = parquetShaped(100, footer);
    await fake.writeFile('s/x.parquet', file);
    await fake.writeFile('s/x_part_0.parquet.tmp', file);
    await fake.writeFile('s/x.bin', file);
    await fake.writeFile('s/tiny.parquet', 'PA');
    await fake.writeFile('s/x.manifest.json', '{"formatVersion":1}');
    const result = await scan(fake, host, { walk });
    const byName = new Map(result.files.map((f) => [f.name, f]));
    const probe = byName.get('x.parquet')!.probe!;
    expect([...probe.head]).toEqual([0x50, 0x41, 0x52, 0x31]);
    expect([...probe.tail]).toEqual([...file.slice(-8)]);
    expect([...probe.footer!]).toEqual([...file.slice(-18)]);
    expect(byName.get('x_part_0.parquet.tmp')!.probe?.footer).toHaveLength(18);
    expect(byName.get('x.bin')!.probe).toBeUndefined();
    expect(byName.get('tiny.parquet')!.probe).toMatchObject({ footer: null });
    expect([...byName.get('tiny.parquet')!.probe!.head]).toEqual([0x50, 0x41]);
    expect(byName.get('x.manifest.json')!.text).toBe('{"formatVersion":1}');
  });

  test.each([
    ['after the walk', {}],
    ['while walking', { check: { footerBytesLimit: 1024, textBytesLimit: SCAN_LIMITS.maxRecordTextLength } }],
  ])('skips footers above the limit (%s)', async (_when, walk: WalkOptions) => {
    const fake = new FakeOpfs();
    await fake.writeFile('big.parquet', parquetShaped(10, new Uint8Array(2000)));
    await fake.writeFile('a.parquet', parquetShaped(10, new Uint8Array(100)));
    const result = await scan(fake, host, { walk, check: { footerBytesLimit: 1024 } });
    expect(result.files.map((f) => [f.name, f.probe!.footer?.length ?? f.probe!.footerSkipped])).toEqual([
      ['a.parquet', 108],
      ['big.parquet', 'too-large'],
    ]);
  });

  test('a walk that reads reads what checkReadFor names, once per file, and nothing in an origin whose verdicts are known', async () => {
    const fake = new FakeOpfs();
    const limit = 64;
    const names = ['a.parquet', 'a.parquet.tmp', 'a.PARQUET', 'parquet', 'a.parquet.bak', 'x.manifest.json', 'x.intent.json', 'x.json', 'x.manifest.json.tmp', 'manifest.json', '.parquet'];
    const sizes = [0, 1, 7, limit, limit + 1];
    for (const name of names) for (const size of sizes) await fake.writeFile(`d${size}/${name}`, new Uint8Array(size).fill(80));
    const reads = new Map<string, number>();
    let listed = 0;
    const check = { footerBytesLimit: 1024, textBytesLimit: limit };
    await host.walk(fake, { check }, {
      onEntries: (_entries, checked) => checked.forEach((c) => reads.set(c.path, (reads.get(c.path) ?? 0) + 1)),
      onListed: () => listed++,
    });
    expect(listed).toBe(1);
    // Records over the walk's text limit are left to the check (which reads them by checkReadFor's rule).
    const overLimit = (name: string, size: number) => size > limit && (name.endsWith('.manifest.json') || name.endsWith('.intent.json'));
    const expected = names.flatMap((name) => sizes.flatMap((size) => (!overLimit(name, size) && checkReadFor(name, size) ? [`d${size}/${name}`] : [])));
    expect([...reads.keys()].sort()).toEqual(expected.sort());
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    const readsBefore = fake.reads;
    await host.walk(fake, { check: { ...check, unlessOrigins: ['https://app.example'] } }, { onEntries: (_e, checked) => expect(checked).toEqual([]), onListed: () => undefined });
    expect(fake.reads).toBe(readsBefore);
  });

  test('a file that changed between the walk and the check is reported as changed, not read', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('s/x.parquet', parquetShaped(10, new Uint8Array(10)));
    const checked: unknown[] = [];
    await host.check(fake, [{ path: 's/x.parquet', size: 999, lastModified: 1, read: 'parquet' }], { footerBytesLimit: 1024 }, (files) => checked.push(...files));
    expect(checked).toEqual([{ kind: 'changed', path: 's/x.parquet', size: 999, lastModified: 1, found: { size: 32, lastModified: expect.any(Number) } }]);
    expect(fake.reads).toBe(0);
  });

  test('stops at the entry limit and says so', async () => {
    const fake = new FakeOpfs();
    for (let i = 0; i < 30; i++) await fake.writeFile(`f${i}.txt`, 'x');
    const result = await scan(fake, host, { walk: { maxEntries: 10 } });
    expect(result.files).toHaveLength(10);
    expect(result.summary.truncated).toBe(true);
  });

  test('issues getFile() calls concurrently, but bounded', async () => {
    const fake = new FakeOpfs({ getFileDelayMs: 5 });
    for (let i = 0; i < 40; i++) await fake.writeFile(`d${i % 4}/f${i}.txt`, 'x');
    const result = await scan(fake, host, { walk: { concurrency: 8 }, check: { footerBytesLimit: 1024, concurrency: 8 } });
    expect(result.files).toHaveLength(40);
    expect(fake.maxGetFileInFlight).toBe(8);
  });
});

describe('the page task', () => {
  test('returns at once, hands its entries over in slices while it runs, and is collected once', async () => {
    const fake = new FakeOpfs({ getFileDelayMs: 1 });
    const count = LOG_SLICE + 1234;
    for (let i = 0; i < count; i++) await fake.writeFile(`d${i % 5}/f${i}.txt`, 'x');
    installPage(fake);
    expect(evaluateInPage(walkExpression('r1', {}))).toBe('started');
    const first = parsePoll(evaluateInPage(pollExpression('r1', 0)), parseWalkSummary, parseWalkEntry);
    expect(first.state).toBe('running');
    const entries: WalkEntry[] = first.state === 'running' ? [...first.entries] : [];
    let slices = 0;
    for (;;) {
      const state = parsePoll(evaluateInPage(pollExpression('r1', entries.length)), parseWalkSummary, parseWalkEntry);
      if (state.state !== 'running' && state.state !== 'done') throw new Error(JSON.stringify(state));
      expect(state.entries.length).toBeLessThanOrEqual(LOG_SLICE);
      entries.push(...state.entries);
      slices++;
      if (state.state === 'done') {
        expect(state.result.files).toBe(count);
        break;
      }
      await new Promise((done) => setTimeout(done, 1));
    }
    expect(slices).toBeGreaterThan(1);
    expect(entries.filter((e) => e[0] === 'f')).toHaveLength(count);
    // Collected once: the page no longer holds it.
    expect(evaluateInPage(pollExpression('r1', 0))).toBeNull();
    expect((globalThis as unknown as Record<string, unknown>)[PAGE_GLOBAL]).toEqual({});
  });

  test('hands entries over in answers of bounded size: many large footers take several polls, each entry once, in order', async () => {
    const fake = new FakeOpfs();
    // Footers of several sizes, up to one larger than a whole answer's budget (it still travels, alone).
    const footerSizes = [10, 3000, 40_000, LOG_SLICE_CHARS];
    for (let i = 0; i < 120; i++) await fake.writeFile(`s${i % 7}/f${i}.parquet`, parquetShaped(5, new Uint8Array(footerSizes[i % footerSizes.length]).fill(i)));
    installPage(fake);
    const options: WalkOptions = { check: { footerBytesLimit: 2 * LOG_SLICE_CHARS, textBytesLimit: 1024 } };
    expect(evaluateInPage(walkExpression('big', options))).toBe('started');
    const parse = walkAnswerParser();
    const answers: unknown[] = [];
    let polls = 0;
    let texts = 0;
    for (;;) {
      const raw = evaluateInPage(pollExpression('big', answers.length));
      const state = parsePoll(raw, parseWalkSummary, parse);
      if (state.state !== 'running' && state.state !== 'done') throw new Error(JSON.stringify(state));
      polls++;
      // No answer much over the budget, unless it carries a single entry.
      if (state.entries.length > 1) expect(JSON.stringify(raw).length).toBeLessThan(LOG_SLICE_CHARS * 1.1);
      // Its entries in JSON texts the panel parses one at a time: none much over a text's budget, unless it holds a single entry.
      for (const text of (raw as { entryChunks: string[] }).entryChunks) {
        if ((JSON.parse(text) as unknown[]).length > 1) expect(text.length).toBeLessThan(LOG_CHUNK_CHARS * 1.25);
        texts++;
      }
      answers.push(...state.entries);
      if (state.state === 'done') break;
      if (!state.more) await new Promise((done) => setTimeout(done, 1));
    }
    expect(polls).toBeGreaterThan(4);
    expect(texts).toBeGreaterThan(polls);
    const checked = answers.flatMap((a) => ('checked' in (a as object) ? [(a as { checked: { path: string; kind: string } }).checked] : []));
    expect(checked.map((c) => c.kind)).toEqual(new Array(120).fill('parquet'));
    expect(new Set(checked.map((c) => c.path)).size).toBe(120);
  }, 30_000); // Megabytes of footers through the page's JSON: over 5 s when the machine is loaded.

  test('lets go of the entries the panel has received, and hands over again an answer lost on the way', async () => {
    const fake = new FakeOpfs();
    const count = 2 * LOG_SLICE + 300;
    for (let i = 0; i < count; i++) await fake.writeFile(`d${i % 3}/f${i}.bin`, 'x');
    installPage(fake);
    evaluateInPage(walkExpression('held', {}));
    const pageLog = () => ((globalThis as unknown as Record<string, Record<string, { state: string; log: unknown[] }>>)[PAGE_GLOBAL].held ?? { log: [] }).log;
    await vi.waitFor(() => expect(pageLog().length).toBeGreaterThan(count));
    const poll = (from: number) => parsePoll(evaluateInPage(pollExpression('held', from)), parseWalkSummary, parseWalkEntry);
    const lost = poll(0);
    const again = poll(0);
    expect(again.state === 'running' && again.entries).toEqual(lost.state === 'running' && lost.entries);
    const received = again.state === 'running' ? [...again.entries] : [];
    expect(received.length).toBeGreaterThan(0);
    let runningAnswers = 0;
    for (let from = received.length; ; from = received.length) {
      const state = poll(from);
      if (state.state !== 'running' && state.state !== 'done') throw new Error(JSON.stringify(state));
      // Asked from `from` on: everything before it is let go, nothing after it.
      if (state.state === 'running') {
        runningAnswers++;
        expect(pageLog().slice(0, from).every((entry) => entry === 0)).toBe(true);
        expect(pageLog().slice(from).every((entry) => Array.isArray(entry))).toBe(true);
      }
      received.push(...state.entries);
      if (state.state === 'done') break;
    }
    expect(runningAnswers).toBeGreaterThan(0);
    expect(received.filter((e) => e[0] === 'f').map((e) => e[1]).sort()).toEqual(Array.from({ length: count }, (_, i) => `d${i % 3}/f${i}.bin`).sort());
  });

  test('a task the panel stops following is released from the page', async () => {
    installPage(new FakeOpfs({ getFileDelayMs: 50 }));
    evaluateInPage(walkExpression('r2', {}));
    expect(evaluateInPage(releaseExpression('r2'))).toBe(true);
    expect(evaluateInPage(pollExpression('r2', 0))).toBeNull();
  });

  test.each([
    ['walk', 0],
    ['check', 1],
  ] as const)('a released %s stops in the page: no more file calls, nothing left on the page global', async (what, _n) => {
    const fake = new FakeOpfs({ getFileDelayMs: 5 });
    const total = 3000;
    for (let i = 0; i < total; i++) await fake.writeFile(`d${i % 7}/f${i}.parquet`, 'PAR1 not really');
    installPage(fake);
    const requests = Array.from({ length: total }, (_, i) => ({ path: `d${i % 7}/f${i}.parquet`, size: 15, lastModified: 0, read: 'parquet' as const }));
    const expression = what === 'walk' ? walkExpression('stop', { concurrency: 16 }) : checkExpression('stop', requests, { footerBytesLimit: 1024, concurrency: 16 });
    expect(evaluateInPage(expression)).toBe('started');
    for (let i = 0; i < 100 && fake.getFileCalls < 20; i++) await new Promise((done) => setTimeout(done, 5));
    expect(evaluateInPage(releaseExpression('stop'))).toBe(true);
    await new Promise((done) => setTimeout(done, 100));
    const afterRelease = fake.getFileCalls;
    await new Promise((done) => setTimeout(done, 200));
    expect(fake.getFileCalls).toBe(afterRelease);
    expect(afterRelease).toBeLessThan(total);
    expect(evaluateInPage(pollExpression('stop', 0))).toBeNull();
    expect((globalThis as unknown as Record<string, Record<string, unknown>>)[PAGE_GLOBAL]?.stop).toBeUndefined();
  });

  test('reports a failure of the page storage as failed, with where the page is', async () => {
    vi.stubGlobal('navigator', { storage: { getDirectory: () => Promise.reject(new DOMException('denied', 'SecurityError')) } });
    vi.stubGlobal('location', { origin: 'https://x.example' });
    evaluateInPage(walkExpression('r3', {}));
    await new Promise((done) => setTimeout(done, 5));
    expect(parsePoll(evaluateInPage(pollExpression('r3', 0)), parseWalkSummary)).toEqual({ state: 'failed', error: 'SecurityError: denied', stage: 'storage', origin: 'https://x.example', secureContext: false });
  });

  test('records estimate() failures without failing the walk', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a.txt', 'x');
    vi.stubGlobal('navigator', { storage: { getDirectory: async () => fake.handle, estimate: () => Promise.reject(new Error('nope')) } });
    vi.stubGlobal('location', { origin: 'https://x.example' });
    evaluateInPage(walkExpression('r4', {}));
    const entries: WalkEntry[] = [];
    let summary;
    for (;;) {
      const state = parsePoll(evaluateInPage(pollExpression('r4', entries.length)), parseWalkSummary, parseWalkEntry);
      if (state.state === 'running' || state.state === 'done') entries.push(...state.entries);
      if (state.state === 'done') {
        summary = state.result;
        break;
      }
      await new Promise((done) => setTimeout(done, 1));
    }
    expect(summary.usage).toBeNull();
    expect(entries.filter((e) => e[0] === 'e')).toEqual([['e', '', 'storage.estimate() failed: Error: nope']]);
  });

  test('refuses request ids that are not plain tokens, and embeds paths as data, never as code', async () => {
    expect(() => walkExpression('x"); alert(1); ("', {})).toThrow(/Invalid request id/);
    expect(() => pollExpression('', 0)).toThrow(/Invalid request id/);
    const fake = new FakeOpfs();
    const evil = `a'); globalThis.pwned = true; ('`;
    await fake.writeFile(evil, 'x');
    const result = await pageHost().purge(fake, [{ path: evil, size: 1 }]);
    expect(result.results).toEqual([{ path: evil, outcome: 'removed', bytes: 1 }]);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  test('the purge expression embeds only path, size and time of each target', () => {
    const file = { path: 'a.parquet', size: 3, name: 'a.parquet', folder: 'secret-folder', lastModified: 1 };
    const source = purgeExpression('p1', [file]);
    expect(source).toContain('[{"path":"a.parquet","size":3,"lastModified":1}]');
    expect(source).not.toContain('secret-folder');
  });

  test('survives a minified production build (the functions are sent as source text)', async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'page-functions-build-'));
    try {
      const entry = resolve(import.meta.dirname, '..', '..', 'panel', 'page-expressions.ts');
      await build({ configFile: false, logLevel: 'silent', build: { outDir, target: 'chrome116', minify: true, write: true, lib: { entry, formats: ['es'], fileName: 'page-expressions' } } });
      const built = (await import(pathToFileURL(join(outDir, 'page-expressions.js')).href)) as ExpressionsModule;
      const source = built.walkExpression('b1', {});
      expect(source).not.toMatch(/__name|__vite|__vi_|require\(/);
      // The build really minified the shipped functions, so this test means something.
      expect(source.length).toBeLessThan(walkExpression('b1', {}).length);
      const host = pageHost(built);
      const fake = new FakeOpfs();
      await fake.writeFile('x/y.parquet', parquetShaped(3, new Uint8Array(5)));
      const result = await scan(fake, host);
      expect(result.files.map((f) => [f.path, f.size, f.probe?.footer?.length])).toEqual([['x/y.parquet', 20, 13]]);
      await fake.writeFile('x/grown.bin', new Uint8Array(9));
      const purged = await host.purge(fake, [
        { path: 'x/y.parquet', size: 20 },
        { path: 'x/grown.bin', size: 0 },
      ]);
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

describe.each(HOSTS)('purging %s', (_host, host) => {
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
    const result = await host.purge(fake, targets);
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
    const targets: PurgeTarget[] = [
      { path: 's/grew.parquet.tmp', size: 0 },
      { path: 's/shrank.parquet', size: 10 },
      { path: 's/same.parquet', size: 5 },
    ];
    await fake.writeFile('s/grew.parquet.tmp', new Uint8Array(4096));
    await fake.writeFile('s/shrank.parquet', new Uint8Array(3));
    const result = await host.purge(fake, targets);
    expect(result.results).toEqual([
      { path: 's/grew.parquet.tmp', outcome: 'changed', bytes: 4096 },
      { path: 's/shrank.parquet', outcome: 'changed', bytes: 3 },
      { path: 's/same.parquet', outcome: 'removed', bytes: 5 },
    ]);
    expect(fake.listPaths()).toEqual(['s/', 's/grew.parquet.tmp', 's/shrank.parquet']);
  });

  test('leaves a file written anew at its listed size since it was listed (another time), and reports it as changed', async () => {
    const fake = new FakeOpfs();
    const listedAt = 1_767_225_600_000;
    for (const name of ['rewritten', 'untouched', 'no-time']) await fake.writeFile(`s/${name}.parquet`, new Uint8Array([1, 2, 3]), { lastModified: listedAt });
    const targets: PurgeTarget[] = [
      { path: 's/rewritten.parquet', size: 3, lastModified: listedAt },
      { path: 's/untouched.parquet', size: 3, lastModified: listedAt },
      // A caller that lists no time: the size alone decides, as before.
      { path: 's/no-time.parquet', size: 3 },
    ];
    for (const name of ['rewritten', 'no-time']) await fake.writeFile(`s/${name}.parquet`, new Uint8Array([7, 7, 7]), { lastModified: listedAt + 1 });
    const result = await host.purge(fake, targets);
    expect(result.results).toEqual([
      { path: 's/rewritten.parquet', outcome: 'changed', bytes: 3 },
      { path: 's/untouched.parquet', outcome: 'removed', bytes: 3 },
      { path: 's/no-time.parquet', outcome: 'removed', bytes: 3 },
    ]);
    expect(fake.listPaths()).toEqual(['s/', 's/rewritten.parquet']);
  });

  test('refuses a target without a valid size rather than removing it', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('a.bin', new Uint8Array(2));
    await fake.writeFile('b.bin', new Uint8Array(2));
    const result = await host.purge(fake, [
      { path: 'a.bin', size: Number.NaN },
      { path: 'b.bin', size: -2 },
    ]);
    expect(result.results).toEqual([
      { path: 'a.bin', outcome: 'failed', bytes: 0, error: 'TypeError: not a valid listed size' },
      { path: 'b.bin', outcome: 'failed', bytes: 0, error: 'TypeError: not a valid listed size' },
    ]);
    expect(fake.listPaths()).toEqual(['a.bin', 'b.bin']);
  });

  test('purges 2,500 files: exactly those listed, results in input order, each outcome heard as it happens', async () => {
    const fake = new FakeOpfs();
    const targets: PurgeTarget[] = [];
    const kept: string[] = [];
    for (let i = 0; i < 2500; i++) {
      const path = `cleanslate/snapshots/d${i % 7}/f${i}.bin${i % 3 === 0 ? '.tmp' : ''}`;
      const size = i % 5 === 0 ? i % 40 : 0;
      await fake.writeFile(path, new Uint8Array(size));
      targets.push({ path, size });
      if (i % 250 === 0) {
        await fake.writeFile(`cleanslate/snapshots/d${i % 7}/keep${i}.bin`);
        kept.push(`cleanslate/snapshots/d${i % 7}/keep${i}.bin`);
      }
    }
    const changed = new Set([targets[17].path, targets[1234].path, targets[2499].path]);
    for (const path of changed) {
      await fake.writeFile(path, new Uint8Array(77));
      kept.push(path);
    }
    const order = targets.map((t, i) => ({ t, key: (i * 7919) % 2503 })).sort((a, b) => a.key - b.key).map(({ t }) => t);
    const heard: string[] = [];
    const result = await host.purge(fake, [...order, order[10]], (_done, entries) => heard.push(...entries.map((e) => e.path)));
    expect(result.results.map((r) => r.path)).toEqual(order.map((t) => t.path));
    for (const [i, entry] of result.results.entries()) {
      expect(entry).toEqual(changed.has(entry.path) ? { path: entry.path, outcome: 'changed', bytes: 77 } : { path: entry.path, outcome: 'removed', bytes: order[i].size });
    }
    expect(heard.sort()).toEqual(order.map((t) => t.path).sort());
    const folders = ['cleanslate/', 'cleanslate/snapshots/', ...Array.from({ length: 7 }, (_, d) => `cleanslate/snapshots/d${d}/`)];
    expect(fake.listPaths()).toEqual([...folders, ...kept].sort());
  });

  test('works on several files at once, at most 64', async () => {
    const fake = new FakeOpfs({ getFileDelayMs: 3 });
    const targets: PurgeTarget[] = [];
    for (let i = 0; i < 200; i++) {
      await fake.writeFile(`p/f${i}.bin`, new Uint8Array(i));
      targets.push({ path: `p/f${i}.bin`, size: i });
    }
    const result = await host.purge(fake, targets);
    expect(result.results.map((r) => r.outcome)).toEqual(new Array(200).fill('removed'));
    expect(fake.maxGetFileInFlight).toBeGreaterThan(16);
    expect(fake.maxGetFileInFlight).toBeLessThanOrEqual(64);
  });
});

describe.each(HOSTS)('deleting folders through %s', (_host, host) => {
  /**
   * A tree at depths 1 to 4, every folder with files; in the chosen subtree one file is
   * kept (it grew), one is held open, and one was added after the listing, each at each depth
   * in turn. Whatever holds such a file stays, with every folder above it; the rest goes.
   */
  test.each([0, 1, 2, 3])('removes a subtree bottom-up, never recursively: whatever holds a kept, held or new file stays (trouble at depth %i)', async (troubleDepth) => {
    const fake = new FakeOpfs();
    const chain = ['top', 'top/a b', 'top/a b/ñ', 'top/a b/ñ/#4'];
    for (const folder of chain) {
      await fake.writeFile(`${folder}/data.parquet`, new Uint8Array(10));
      await fake.writeFile(`${folder}/.hidden`, new Uint8Array(0));
    }
    await fake.mkdir('top/a b/empty');
    await fake.writeFile('outside/data.parquet', new Uint8Array(10));
    await fake.writeFile('top-sibling.txt', 'x');
    // What the panel listed of `top` (as the delete of the folder `top` sends it), in any order.
    const listed: PurgeTarget[] = [
      ...chain.flatMap((folder) => [`${folder}/data.parquet`, `${folder}/.hidden`].map((path) => ({ path, size: path.endsWith('.hidden') ? 0 : 10 }))),
      ...[...chain, 'top/a b/empty'].map((path) => ({ path, size: 0, directory: true })),
    ].sort((a, b) => (a.path.length * 7919) % 13 - (b.path.length * 7919) % 13);
    const troubled = chain[troubleDepth];
    for (const kind of ['grown', 'held', 'new'] as const) {
      const fresh = new FakeOpfs();
      for (const path of fake.listPaths()) {
        if (path.endsWith('/')) await fresh.mkdir(path.slice(0, -1));
        else await fresh.writeFile(path, new Uint8Array(path.endsWith('.hidden') ? 0 : path.endsWith('.txt') ? 1 : 10));
      }
      if (kind === 'grown') await fresh.writeFile(`${troubled}/data.parquet`, new Uint8Array(11));
      if (kind === 'held') fresh.lock(`${troubled}/data.parquet`);
      if (kind === 'new') await fresh.writeFile(`${troubled}/arrived-later.csv`, 'a,b');
      const result = await host.purge(fresh, listed);
      const outcome = new Map(result.results.map((r) => [r.path, r.outcome]));
      // Folders at or above the trouble stay (changed: not empty); those below it and the empty one go.
      chain.forEach((folder, depth) => expect(outcome.get(folder), `${kind} ${folder}`).toBe(depth <= troubleDepth ? 'changed' : 'removed'));
      expect(outcome.get('top/a b/empty')).toBe('removed');
      expect(outcome.get(`${troubled}/data.parquet`)).toBe(kind === 'grown' ? 'changed' : kind === 'held' ? 'locked' : 'removed');
      const left = fresh.listPaths();
      expect(left, kind).toEqual(
        expect.arrayContaining(['outside/', 'outside/data.parquet', 'top-sibling.txt', ...chain.slice(0, troubleDepth + 1).map((f) => `${f}/`)]),
      );
      const keptFile = kind === 'new' ? `${troubled}/arrived-later.csv` : `${troubled}/data.parquet`;
      expect(left.filter((p) => !p.endsWith('/')).sort(), kind).toEqual([keptFile, 'outside/data.parquet', 'top-sibling.txt'].sort());
    }
  });

  test('a folder target that names a file, the root, or a path with dots is refused', async () => {
    const fake = new FakeOpfs();
    await fake.writeFile('f.txt', 'x');
    const result = await host.purge(fake, [
      { path: 'f.txt', size: 0, directory: true },
      { path: '', size: 0, directory: true },
      { path: 'a/../b', size: 0, directory: true },
      { path: 'never-was', size: 0, directory: true },
    ]);
    expect(result.results.map((r) => [r.path, r.outcome])).toEqual([
      ['f.txt', 'failed'],
      ['', 'failed'],
      ['a/../b', 'failed'],
      ['never-was', 'missing'],
    ]);
    expect(fake.listPaths()).toEqual(['f.txt']);
  });
});

describe('upload messages', () => {
  test('carry at most one chunk: a larger one, or anything but base64, is refused before it is sent', () => {
    const chunk = Buffer.alloc(UPLOAD_CHUNK_BYTES, 7).toString('base64');
    expect(writeUploadExpression('u1', chunk).length).toBeLessThan(UPLOAD_CHUNK_BYTES * 1.4 + 4096);
    expect(() => writeUploadExpression('u1', Buffer.alloc(UPLOAD_CHUNK_BYTES + 1).toString('base64'))).toThrow('Not a chunk');
    for (const bad of ['"); alert(1); ("', 'abc def', '\u2028']) expect(() => writeUploadExpression('u1', bad), bad).toThrow('Not a chunk');
  });
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
    await purgeOpfsFiles(fake.handle, names.map((name) => ({ path: `app/snaps/${name}`, size: 1 })), () => undefined);
    const expected = names.flatMap((name) => {
      const role = parseSnapshotFileName(name);
      return role.kind === 'other' || role.snapshotId === undefined ? [] : [snapshotLockName('app/snaps', role.snapshotId)];
    });
    // The purge's own lock first, then each snapshot's lock once (its files share it), no other.
    expect(asked[0]).toBe('opfs-snapshot-inspector:purge');
    expect(asked.slice(1).sort()).toEqual([...new Set(expected)].sort());
  });

  test('skips the files of a locked snapshot as locked, and removes the rest', async () => {
    const fake = new FakeOpfs();
    for (const name of ['busy_part_0.parquet', 'busy.intent.json', 'free_part_0.parquet', 'other.txt']) await fake.writeFile(`s/${name}`, new Uint8Array(2));
    const { locks } = fakeLocks(new Set([snapshotLockName('s', 'busy')]));
    vi.stubGlobal('navigator', { locks });
    const result = await purgeOpfsFiles(fake.handle, ['busy_part_0.parquet', 'busy.intent.json', 'free_part_0.parquet', 'other.txt'].map((n) => ({ path: `s/${n}`, size: 2 })), () => undefined);
    expect(result.results.map((r) => [r.path, r.outcome])).toEqual([
      ['s/busy_part_0.parquet', 'locked'],
      ['s/busy.intent.json', 'locked'],
      ['s/free_part_0.parquet', 'removed'],
      ['s/other.txt', 'removed'],
    ]);
    expect(fake.listPaths()).toEqual(['s/', 's/busy.intent.json', 's/busy_part_0.parquet']);
  });

  test.each([0, 1, 3, 5])('a purge the panel gave up on (after %i files) removes nothing more, folders included', async (before) => {
    const fake = new FakeOpfs();
    const names = ['a.txt', 'b.parquet', 'c_part_0.parquet', 'd.bin', 'sub/e.txt'];
    for (const name of names) await fake.writeFile(`s/${name}`, new Uint8Array(2));
    vi.stubGlobal('navigator', { locks: fakeLocks(new Set()).locks });
    let asked = 0;
    const targets = [...names.map((n) => ({ path: `s/${n}`, size: 2 })), { path: 's/sub', size: 0, directory: true }];
    const result = await purgeOpfsFiles(fake.handle, targets, () => undefined, () => asked++ < before);
    const removed = result.results.filter((r) => r.outcome === 'removed').map((r) => r.path);
    expect(removed).toHaveLength(Math.min(before, names.length));
    for (const entry of result.results.filter((r) => r.outcome !== 'removed')) expect(entry).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/^GivenUp: /) });
    expect(fake.listPaths().filter((p) => !p.endsWith('/')).sort()).toEqual(names.map((n) => `s/${n}`).filter((p) => !removed.includes(p)).sort());
    expect(fake.listPaths()).toContain('s/sub/');
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
  async function walk(root: FileSystemDirectoryHandle, options: { maxDepth?: number; concurrency?: number } = {}, estimate: (() => Promise<StorageEstimate>) | null = null) {
    const entries: WalkEntry[] = [];
    const summary = await walkOpfs(root, { origin: 'https://evil.example', estimate }, options, (_n, entry) => entries.push(entry as WalkEntry));
    // What the walker emits always passes the panel's validation.
    entries.forEach((entry, i) => parseWalkEntry(entry, `entry ${i}`));
    parseWalkSummary(summary);
    return {
      summary,
      files: entries.filter((e) => e[0] === 'f').map((e) => e.slice(1)).sort(),
      directories: entries.filter((e) => e[0] === 'd').map((e) => e[1]),
      errors: entries.filter((e): e is ['e', string, string] => e[0] === 'e').map((e) => ({ path: e[1], message: e[2] })),
    };
  }

  test('leaves out each bad entry on its own, says why, and still lists the good ones', async () => {
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
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile page rejects with anything
      ['throws.bin', { kind: 'file', getFile: async () => Promise.reject(unprintable()) }],
      ['symlink', { kind: 'symlink' }],
      ['kind-throws', Object.defineProperty({}, 'kind', { get: () => { throw new Error('kind'); } })],
    ]);
    const walked = await walk(root);
    expect(walked.files).toEqual([
      ['a-good.txt', 5, 5],
      ['bad-date.bin', 3, 0],
      ['z-good.txt', 5, 5],
    ]);
    const messages = walked.errors.map((e) => `${e.path}|${e.message}`);
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
  });

  // How a replaced getFile() can fail, each for every file of a folder, around the bound of calls in flight: each
  // file costs its own entry, every other file is still listed, and the walk ends. The folder starts with files
  // whose getFile() takes a while, so the failing ones wait in the queue: a failure that comes at once must not
  // start the next queued file from inside the last one's failure, 20,000 calls deep.
  const failures: [string, () => unknown, string][] = [
    ['throws at once', () => { throw new RangeError('no files today'); }, 'RangeError: no files today'],
    ['rejects', () => Promise.reject(new TypeError('rejected')), 'TypeError: rejected'],
    ['answers no size', () => ({ lastModified: 1 }), 'TypeError: getFile() answered a size that is not a byte count (undefined)'],
    ['is not a function', 42 as unknown as () => unknown, 'TypeError'],
  ];
  const slowFile = (name: string) => ({ kind: 'file', getFile: () => new Promise((answer) => setTimeout(() => answer(new File(['x'], name, { lastModified: 7 })), 5)) });
  for (const [how, getFile, message] of failures) {
    for (const concurrency of [1, 3, 1024]) {
      for (const failing of [concurrency - 1, concurrency, concurrency + 1, 20_000]) {
        test(`a getFile() that ${how}, for ${failing} files queued behind ${concurrency} in flight: each file says so, the rest are listed`, async () => {
          const slow = Array.from({ length: concurrency + 1 }, (_, i) => `slow-${i}.txt`);
          const after = ['after-0.txt', 'after-1.txt'];
          const bad = Array.from({ length: failing }, (_, i) => [`bad-${i}.bin`, { kind: 'file', getFile }]);
          const walked = await walk(hostileFolder([...slow.map((name) => [name, slowFile(name)]), ...bad, ...after.map((name) => [name, slowFile(name)])]), { concurrency });
          expect(walked.files).toEqual([...after, ...slow].sort().map((name) => [name, 1, 7]));
          const perFile = walked.errors.filter((e) => e.path.startsWith('bad-'));
          expect(perFile).toHaveLength(Math.min(failing, 1000));
          for (const error of perFile) expect(error.message.startsWith(message)).toBe(true);
          if (failing > 1000) expect(walked.errors.at(-1)).toEqual({ path: '', message: `${failing - 1000} more problems were not listed` });
        });
      }
    }
  }

  test('an entries() that throws, or is not iterable, costs that folder only', async () => {
    const broken = { kind: 'directory', entries: () => { throw new Error('entries() is disabled'); } };
    const notIterable = { kind: 'directory', entries: () => 42 };
    const walked = await walk(hostileFolder([['broken', broken], ['not-iterable', notIterable], ['ok.txt', fakeFile(new File(['x'], 'ok.txt'))]]));
    expect(walked.directories).toEqual(['broken', 'not-iterable']);
    expect(walked.files.map((f) => f[0])).toEqual(['ok.txt']);
    expect(walked.errors).toEqual([
      { path: 'broken', message: 'Error: entries() is disabled' },
      { path: 'not-iterable', message: expect.stringMatching(/^TypeError/) },
    ]);
  });

  test('stops descending at maxDepth: a folder that contains itself is not walked forever', async () => {
    const loop: Record<string, unknown> = { kind: 'directory' };
    loop.entries = async function* () {
      yield ['loop', loop];
    };
    const walked = await walk(loop as unknown as FileSystemDirectoryHandle, { maxDepth: 20 });
    expect(walked.directories).toHaveLength(20);
    expect(walked.errors).toEqual([{ path: Array(20).fill('loop').join('/'), message: 'folders nested more than 20 deep are not walked' }]);
  });

  // A file of up to 64 KiB is read whole (File.arrayBuffer); a larger one in ranges (slice, then arrayBuffer).
  const readPaths = [
    ['slice', 'lies', 70_000],
    ['slice', 'garbage', 70_000],
    ['arrayBuffer', 'lies', 70_000],
    ['arrayBuffer', 'garbage', 70_000],
    ['arrayBuffer', 'lies', 38],
    ['arrayBuffer', 'garbage', 38],
    ['arrayBuffer', 'lies', 64 * 1024],
  ] as const;
  test.each(readPaths)('a Parquet file whose %s %s (%i bytes) is checked with the reason instead of a probe', async (method, how, bytes) => {
    const real = parquetShaped(bytes - 30, new Uint8Array(18)) as Uint8Array<ArrayBuffer>;
    const broken = new File([real], 'broken.parquet');
    const answer = (): unknown => (how === 'garbage' ? 'not a buffer' : new ArrayBuffer(1000));
    if (method === 'slice') Object.defineProperty(broken, 'slice', { value: () => (how === 'garbage' ? 'not a blob' : new Blob([new Uint8Array(1000)])) });
    else {
      // Every Blob the file hands out answers the same way, as a page that replaced Blob.prototype.arrayBuffer.
      const slice = broken.slice.bind(broken);
      Object.defineProperty(broken, 'arrayBuffer', { value: async () => answer() });
      Object.defineProperty(broken, 'slice', { value: (...range: number[]) => Object.defineProperty(slice(...range), 'arrayBuffer', { value: async () => answer() }) });
    }
    const { checkOpfsFiles, readForVerdict } = await import('./check');
    const files: Record<string, File> = { 'broken.parquet': broken, 'fine.parquet': new File([real], 'fine.parquet', { lastModified: broken.lastModified }) };
    const root = { kind: 'directory', getFileHandle: async (name: string) => ({ getFile: async () => files[name] }) } as unknown as FileSystemDirectoryHandle;
    const out: unknown[] = [];
    const requests = Object.keys(files).map((path) => ({ path, size: real.length, lastModified: broken.lastModified, read: 'parquet' as const }));
    await checkOpfsFiles(root, requests, { footerBytesLimit: 1024 }, readForVerdict, (_n, entry) => out.push(entry));
    const reason = how === 'garbage' && method === 'slice' ? /^TypeError/ : /^RangeError: asked for \d+ bytes, got (1000|0)$/;
    expect(out).toContainEqual(['x', 'broken.parquet', expect.stringMatching(reason)]);
    expect(out).toContainEqual(['p', 'fine.parquet', expect.any(String), expect.any(String), expect.any(String), null]);
  });

  test('reads a file of up to 64 KiB whole, without slicing it (each slice is a synchronous call to the browser); a larger one in ranges, with the same verdict', async () => {
    const { readForVerdict } = await import('./check');
    const footer = new Uint8Array(40).map((_, i) => i * 7);
    const big = 200 * 1024;
    for (const bytes of [12, 13, 100, 523, 524, 525, 4096, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 64 * 1024 + 60, big]) {
      const content = parquetShaped(Math.max(0, bytes - 4 - 8 - footer.length), footer) as Uint8Array<ArrayBuffer>;
      // A footer larger than the window is read on its own: one more range.
      const long = parquetShaped(bytes > 70_000 ? 100 : 0, new Uint8Array(Math.max(0, bytes - 112)).fill(3)) as Uint8Array<ArrayBuffer>;
      for (const [kind, file] of [['parquet', content], ['head', content], ['text', content], ['parquet', long]] as const) {
        let slices = 0;
        const counted = new File([file], 'f.parquet');
        const slice = counted.slice.bind(counted);
        Object.defineProperty(counted, 'slice', { value: (...range: number[]) => (slices++, slice(...range)) });
        const entry = await readForVerdict(counted, 'f.parquet', kind, 1024 * 1024);
        const plain = await readForVerdict(new File([file], 'f.parquet'), 'f.parquet', kind, 1024 * 1024);
        expect(entry, `${kind} ${file.length}`).toEqual(plain);
        expect(entry[0], `${kind} ${file.length}`).toBe(kind === 'parquet' ? 'p' : kind === 'head' ? 'h' : 't');
        const whole = kind === 'text' || (kind === 'head' ? file.length <= 524 : file.length <= 64 * 1024);
        if (whole) expect(slices, `${kind} ${file.length}`).toBe(0);
        else expect(slices, `${kind} ${file.length}`).toBeGreaterThan(0);
      }
    }
  });

  test.each<[string, unknown, { usage: number | null; quota: number | null; errors: string[] }]>([
    ['garbage numbers', { usage: -5, quota: 'lots' }, { usage: null, quota: null, errors: ['usage that is not a byte count (-5)', 'quota that is not a byte count ("lots")'] }],
    ['huge numbers', { usage: 2 ** 80, quota: Infinity }, { usage: null, quota: null, errors: ['usage that is not a byte count (1.2089258196146292e+24)', 'quota that is not a byte count (Infinity)'] }],
    ['not an object', 7, { usage: null, quota: null, errors: ['storage.estimate() answered 7 instead of an estimate'] }],
    ['a usage only', { usage: 12 }, { usage: 12, quota: null, errors: [] }],
  ])('an estimate() answering %s keeps the listing and says what was wrong', async (_what, estimate, expected) => {
    const walked = await walk(hostileFolder([]), {}, async () => estimate as StorageEstimate);
    expect(walked.summary.usage).toBe(expected.usage);
    expect(walked.summary.quota).toBe(expected.quota);
    expect(walked.errors.map((e) => e.message)).toEqual(expected.errors.map((m) => expect.stringContaining(m)));
  });

  test('records at most 1,000 problems, then counts the rest', async () => {
    const walked = await walk(hostileFolder(Array.from({ length: 1500 }, () => [null, null])));
    expect(walked.errors).toHaveLength(1001);
    expect(walked.errors.at(-1)).toEqual({ path: '', message: '500 more problems were not listed' });
  });
});

describe('the page task, when the page replaced getDirectory()', () => {
  const failureOf = async (storage: unknown, extra: Record<string, unknown> = {}) => {
    vi.stubGlobal('navigator', { storage });
    vi.stubGlobal('location', { origin: 'https://x.example', protocol: 'https:' });
    for (const [key, value] of Object.entries(extra)) vi.stubGlobal(key, value);
    expect(evaluateInPage(walkExpression('h1', {}))).toBe('started');
    await new Promise((done) => setTimeout(done, 5));
    return parsePoll(evaluateInPage(pollExpression('h1', 0)), parseWalkSummary, parseWalkEntry);
  };

  test.each<[string, unknown, RegExp]>([
    ['throws', { getDirectory: () => { throw new Error('disabled'); } }, /^Error: disabled$/],
    ['answers a number', { getDirectory: async () => 42 }, /^TypeError: navigator\.storage\.getDirectory\(\) answered number instead of a folder handle$/],
    ['answers null', { getDirectory: async () => null }, /answered null instead/],
    ['answers a file handle', { getDirectory: async () => ({ kind: 'file' }) }, /answered object instead/],
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile page rejects with anything
    ['rejects with an unprintable error', { getDirectory: () => Promise.reject(unprintable()) }, /^an unprintable object/],
  ])('getDirectory() that %s fails at the storage stage, with hints', async (_what, storage, error) => {
    const state = await failureOf(storage, { isSecureContext: true, origin: 'https://x.example' });
    expect(state).toEqual({ state: 'failed', error: expect.stringMatching(error), stage: 'storage', origin: 'https://x.example', protocol: 'https:', secureContext: true });
  });

  test('no navigator.storage (not a secure context) fails at the storage stage', async () => {
    const state = await failureOf(undefined, { isSecureContext: false, origin: 'http://192.168.1.2' });
    expect(state).toMatchObject({ state: 'failed', stage: 'storage', secureContext: false, origin: 'http://192.168.1.2', error: 'TypeError: navigator.storage is not available here' });
  });
});

describe('the live watch’s record, as the panel reads it', () => {
  test('takes well-formed changes, and nothing else: a page that lies gets a clear error, never a path outside its storage', () => {
    expect(parseLiveChanges(null)).toBeNull();
    expect(parseLiveChanges({ state: 'watching', changes: [['moved', 'a/b.parquet', 'a/c.parquet'], ['appeared', 'x', null], ['errored', '', null]], overflow: false })).toEqual({
      state: 'watching',
      changes: [
        { type: 'moved', path: 'a/b.parquet', from: 'a/c.parquet' },
        { type: 'appeared', path: 'x', from: null },
        { type: 'errored', path: '', from: null },
      ],
      overflow: false,
      error: null,
    });
    const lies: unknown[] = [
      'watching',
      { state: 'watching', changes: 'all', overflow: false },
      { state: 'watching', changes: [['deleted-everything', 'a', null]], overflow: false },
      { state: 'watching', changes: [['appeared', '../outside', null]], overflow: false },
      { state: 'watching', changes: [['moved', 'a', '/etc/passwd']], overflow: false },
      { state: 'watching', changes: [['appeared', 7, null]], overflow: false },
      { state: 'watching', changes: Array.from({ length: 10_001 }, () => ['appeared', 'a', null]), overflow: false },
      { state: 'watching', changes: [], overflow: 'yes' },
      { state: { toString: 'x' }, changes: [], overflow: false },
    ];
    for (const lie of lies) expect(() => parseLiveChanges(lie), JSON.stringify(lie)?.slice(0, 80)).toThrow();
  });
});

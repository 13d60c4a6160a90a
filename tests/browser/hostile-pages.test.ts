/**
 * The real DevTools panel on pages that are odd or hostile: no OPFS at all (about:blank,
 * chrome://, file://, data:), file names that carry HTML, script, control characters and
 * 4,000 characters, a page that replaces the storage APIs with garbage, a 20-level
 * nesting, and an OPFS of tens of thousands of files. Every scenario has its own origin (its own
 * server), so their OPFS contents never mix; one tab and one DevTools window serve them all.
 *
 * HOSTILE_BIG_FILES sets the size of the big scenario. The default, 20,000, is enough for
 * what it asserts here (progress while scanning, every size exact, the last rows in order);
 * a listing of 100,000 files has its own test (panel-at-scale.test.ts), and creating that
 * many files in a page takes 50 s on a 2-core machine. Timings are
 * measured and reported (artifacts/hostile-pages-metrics.json and the test output), never
 * asserted: the machines are shared, and their load varies several-fold.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { openDevToolsPanel } from '../support/devtools-panel';
import { serveStatic, type StaticServer } from '../support/static-server';
import { formatBytes } from '../../src/format';
import { opfsFilesOf, panelRows, press, text } from '../support/panel';
import {
  installPanelProbes,
  longTasksSince,
  navigateAndScan,
  probeMark,
  recordLongTasks,
  recordedLongTasks,
  rescan,
  settledScanAfter,
  summaryLogSince,
  type SummaryEntry,
} from '../support/panel-probes';
import { screenshot } from '../support/screenshots';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'hostile-pages');
const METRICS = join(ROOT, 'artifacts', 'hostile-pages-metrics.json');
const BIG_FILES = Number(process.env.HOSTILE_BIG_FILES ?? 20_000);

/** Messages the panel shows for pages without OPFS (see pageProblem in panel/inspected-window.ts). */
const NO_ACCESS = /^This page has no Origin Private File System that the panel may read: DevTools does not let extensions run code in chrome:\/\/, about:, data: and Chrome Web Store pages/;
const OPAQUE_FILE = /^This page has no Origin Private File System: its origin is opaque \(“null”\), and Chrome gives file:\/\/ pages none \(SecurityError/;

interface RenderedRow {
  path: string;
  size: number;
  status: string;
  text: string;
  title: string;
  warning: boolean;
}

async function renderedRows(panel: Frame): Promise<RenderedRow[]> {
  return panel.$$eval('[data-testid="file-row"]', (rows) =>
    rows.map((row) => ({
      path: row.getAttribute('data-path') ?? '',
      size: Number(row.getAttribute('data-size')),
      status: row.getAttribute('data-status') ?? '',
      text: row.textContent ?? '',
      title: row.getAttribute('title') ?? '',
      warning: row.querySelector('[data-testid="name-warning"]') !== null,
    })),
  );
}

async function scanErrors(panel: Frame): Promise<string[]> {
  return panel.$$eval('[data-testid="scan-error"]', (items) => items.map((item) => item.textContent ?? ''));
}

/** Types into the panel's filter box and answers the rows it then renders. */
async function filterRows(panel: Frame, filter: string): Promise<RenderedRow[]> {
  await panel.$eval(
    '[data-testid="filter"]',
    (input, value) => {
      const element = input as HTMLInputElement;
      element.value = value;
      element.dispatchEvent(new Event('input', { bubbles: true }));
    },
    filter,
  );
  await new Promise((done) => setTimeout(done, 50));
  return renderedRows(panel);
}

/** Clicks a source tab until it is the selected one (a click during a re-render can miss). */
async function selectSource(panel: Frame, source: 'page' | 'extension'): Promise<void> {
  const tab = `[data-testid="source-${source}"]`;
  for (let attempt = 0; ; attempt++) {
    await panel.click(tab);
    try {
      await panel.waitForSelector(`${tab}[aria-selected="true"]`, { timeout: 2000 });
      return;
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}

/** Shows the extension's own storage, rescans it, and comes back to the page: the panel still works. */
async function extensionStillWorks(panel: Frame): Promise<string> {
  await selectSource(panel, 'extension');
  const extension = await rescan(panel);
  expect(extension.state, extension.text).toBe('done');
  expect(extension.text).toContain('chrome-extension://');
  await selectSource(panel, 'page');
  return text(panel, 'summary');
}

describe('the OPFS Snapshots panel on hostile or odd pages', () => {
  let chromium: LaunchedBrowser;
  let page: Page;
  let devtools: Page;
  let panel: Frame;
  let served: string;
  const servers: Record<'home' | 'names' | 'overrides' | 'nested' | 'big', StaticServer> = {} as never;
  const metrics: Record<string, unknown> = {};

  const shoot = (name: string) => screenshot(devtools, name);
  /** `window.__pwned` in the DevTools page and in the panel frame: set only if a name ran as code. */
  const pwned = async () => [await devtools.evaluate('window.__pwned'), await panel.evaluate('window.__pwned')];

  beforeAll(async () => {
    served = mkdtempSync(join(tmpdir(), 'opfs-hostile-pages-'));
    cpSync(FIXTURES, served, { recursive: true });
    // One server per scenario: another port is another origin, with an OPFS of its own.
    for (const name of ['home', 'names', 'overrides', 'nested', 'big'] as const) servers[name] = await serveStatic(served);
    chromium = await launchWithExtension();
    page = await chromium.browser.newPage();
    await page.goto(`${servers.home.url}/`);
    ({ devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${servers.home.url}/`, { dock: 'undocked', inspected: page }));
    await devtools.setViewport({ width: 1200, height: 800 });
    await installPanelProbes(panel);
    await panel.waitForSelector('[data-testid="summary"][data-state="done"]', { timeout: 60_000 });
  });

  afterAll(async () => {
    if (Object.keys(metrics).length > 0) {
      mkdirSync(resolve(METRICS, '..'), { recursive: true });
      writeFileSync(METRICS, `${JSON.stringify(metrics, null, 2)}\n`);
    }
    await chromium?.close();
    for (const server of Object.values(servers)) await server?.close();
    if (served) rmSync(served, { recursive: true, force: true });
  });

  describe('pages without an Origin Private File System', () => {
    it('about:blank and data: (DevTools refuses extension code there): a specific message, and the extension source still works', async () => {
      for (const url of ['about:blank', 'data:text/html,<title>data page</title><p>no storage here']) {
        const summary = await navigateAndScan(page, panel, url);
        expect(summary.state, url).toBe('failed');
        expect(summary.text, url).toMatch(NO_ACCESS);
        expect(await extensionStillWorks(panel)).toMatch(NO_ACCESS);
      }
      await shoot('hostile-no-opfs-data-url');
    });

    it('a file:// page (opaque origin): says that file:// pages have no OPFS', async () => {
      const summary = await navigateAndScan(page, panel, `file://${join(served, 'index.html')}`);
      expect(summary.state).toBe('failed');
      expect(summary.text).toMatch(OPAQUE_FILE);
      expect(await extensionStillWorks(panel)).toMatch(OPAQUE_FILE);
      await shoot('hostile-no-opfs-file-url');
    });

    it('chrome://version (DevTools sends extensions no navigation event there): Refresh says why, and the extension source still works', async () => {
      await page.goto('chrome://version/');
      const summary = await rescan(panel);
      expect(summary.state).toBe('failed');
      expect(summary.text).toMatch(NO_ACCESS);
      // A failed scan is a scan too: each has its own `data-scan`, so that a caller can tell the next one from this one.
      const scanNumber = () => panel.$eval('[data-testid="summary"]', (e) => e.getAttribute('data-scan'));
      const failedScan = await scanNumber();
      expect(failedScan).toMatch(/^\d+$/);
      expect((await rescan(panel)).state).toBe('failed');
      expect(await scanNumber()).not.toBe(failedScan);
      expect(await extensionStillWorks(panel)).toMatch(NO_ACCESS);
      await shoot('hostile-no-opfs-chrome-url');
      // Back on a normal page, the panel lists it again by itself.
      const back = await navigateAndScan(page, panel, `${servers.home.url}/`);
      expect(back.state, back.text).toBe('done');
      expect(back.text).toContain(servers.home.url);
    });
  });

  describe('file names that carry HTML, script, control characters, and 4,000 characters', () => {
    const longName = `${'x'.repeat(4000)}.parquet`;
    const tooLong = 'y'.repeat(5000);
    /** 0-byte Parquet files (so: "empty", what the purge offers) with hostile names. */
    const empty = [
      '<img src=x onerror="parent.__pwned=1;window.__pwned=1">.parquet',
      '"><svg onload="parent.__pwned=2;window.__pwned=2">.parquet',
      "'><script>window.__pwned=3<.parquet",
      'line1\nline2.parquet',
      'evil\u202Egnp.parquet',
      'zero\u200Bwidth.parquet',
      'caf\u00e9.parquet', // NFC
      `<b>folder</b>&amp;/<i>inner</i>.parquet`,
      longName,
    ];
    /** Look-alikes that must survive a purge of the empty files (they are not empty). */
    const keep: Record<string, number> = {
      'keep/<img src=x onerror="parent.__pwned=1;window.__pwned=1">.parquet': 12,
      'line1 line2.parquet': 5,
      'cafe\u0301.parquet': 7, // NFD: another name
      'evil\u202Egnp.csv': 3,
      [tooLong]: 10,
    };

    it('renders every name as text, runs none of them, and flags the deceptive ones', async () => {
      await page.goto(`${servers.names.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.evaluate(
        async (empty, keep) => {
          const fixtures = (window as unknown as { opfsFixtures: { writeFile(path: string, content: number | string): Promise<string> } }).opfsFixtures;
          for (const path of empty) await fixtures.writeFile(path, 0);
          for (const [path, size] of Object.entries(keep)) await fixtures.writeFile(path, size);
        },
        empty,
        keep,
      );
      const summary = await rescan(panel);
      expect(summary.state, summary.text).toBe('done');
      const rows = await renderedRows(panel);
      const listable = [...empty, ...Object.keys(keep).filter((p) => p !== tooLong)];
      expect(rows.map((r) => r.path).sort()).toEqual([...listable].sort());
      for (const path of listable) {
        const row = rows.find((r) => r.path === path)!;
        expect(row.text, JSON.stringify(path.slice(0, 80))).toContain(path.slice(path.lastIndexOf('/') + 1));
        expect(row.size).toBe(keep[path] ?? 0);
      }
      for (const path of empty) expect(rows.find((r) => r.path === path)!.status).toBe('empty');
      // Newlines, direction overrides and zero-width characters get a visible warning.
      for (const path of ['line1\nline2.parquet', 'evil\u202Egnp.parquet', 'zero\u200Bwidth.parquet', 'evil\u202Egnp.csv']) {
        expect(rows.find((r) => r.path === path)!.warning, JSON.stringify(path)).toBe(true);
      }
      expect(rows.find((r) => r.path === 'line1 line2.parquet')!.warning).toBe(false);
      // A name longer than the panel accepts is reported, not listed and not dropped silently.
      expect((await scanErrors(panel)).join('\n')).toMatch(/a name of 5000 characters \(more than 4096\) was left out/);
      // Details of an HTML-named file: still text.
      await press(panel, `[data-testid="file-row"][data-path="${empty[0].replaceAll('"', '\\"')}"]`);
      await panel.waitForSelector('[data-testid="details"]');
      expect(await panel.$eval('[data-testid="details"] .details-title', (e) => e.textContent)).toBe(empty[0]);
      await press(panel, `[data-testid="file-row"][data-path="evil\u202Egnp.parquet"]`);
      expect(await text(panel, 'name-spelled-out')).toContain('evil⟨U+202E⟩gnp.parquet');
      await new Promise((done) => setTimeout(done, 300)); // time for an injected onerror/onload to fire
      expect(await pwned()).toEqual([undefined, undefined]);
      await shoot('hostile-names-listing');
    });

    it('purges exactly what the confirmation lists, nothing on cancel, and keeps a file that changed after confirming', async () => {
      const before = await opfsFilesOf(page);
      expect(Object.keys(before)).toHaveLength(empty.length + Object.keys(keep).length);
      await press(panel, '[data-testid="purge-empty"]');
      await panel.waitForSelector('[data-testid="purge-dialog"]');
      const listed = await panel.$$eval('[data-testid="purge-dialog"] .purge-list li .path', (items) => items.map((item) => item.textContent));
      expect([...listed].sort()).toEqual([...empty].sort());
      await shoot('hostile-names-purge-confirmation');
      await press(panel, '[data-testid="purge-cancel"]');
      expect(await panel.$('[data-testid="purge-dialog"]')).toBeNull();
      expect(await opfsFilesOf(page)).toEqual(before);

      // Confirm; between the confirmation and the deletion the page writes into one listed file.
      await press(panel, '[data-testid="purge-empty"]');
      await panel.waitForSelector('[data-testid="purge-dialog"]');
      const changed = 'line1\nline2.parquet';
      await page.evaluate((path) => (window as unknown as { opfsFixtures: { writeFile(p: string, c: string): Promise<string> } }).opfsFixtures.writeFile(path, 'PAR'), changed);
      await press(panel, '[data-testid="purge-confirm"]');
      await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]', { timeout: 30_000 });
      const result = await text(panel, 'purge-result');
      expect(result).toContain(`Removed ${empty.length - 1} empty files`);
      expect(result).toContain('1 kept: changed since they were listed');
      const expected: Record<string, number> = { ...before, [changed]: 3 };
      for (const path of empty) if (path !== changed) delete expected[path];
      expect(await opfsFilesOf(page)).toEqual(expected);
      expect(await pwned()).toEqual([undefined, undefined]);
    });
  });

  describe('a page that replaces the storage APIs with garbage or throwing versions', () => {
    const real: Record<string, number> = { 'real/ok.csv': 10, 'real/data.parquet': 40, 'real/empty.parquet': 0 };
    interface Case {
      mode: string;
      state: 'done' | 'failed';
      /** For failed: the message; for done: the summary line. */
      summary: RegExp;
      /** Files listed (done only); default: the real ones. */
      rows?: Record<string, number>;
      /** Problems listed under the summary (done only). */
      problems?: RegExp[];
      /** A mode that breaks reading bytes: the size `real/data.parquet` is written at first (read whole, or in two ranges past 64 KiB). */
      parquetBytes?: number;
    }
    // Every way the check reads bytes, broken in turn: a file read whole (File.arrayBuffer), and
    // one read in ranges (its last 64 KiB and its first bytes: slice, then arrayBuffer).
    const readModes = (method: 'slice' | 'arrayBuffer', sizes: number[]): Case[] =>
      ['garbage', 'lies'].flatMap((how) => sizes.map((parquetBytes) => ({ mode: `${method}-${how}`, state: 'done' as const, summary: new RegExp(`3 files, ${formatBytes(10 + parquetBytes)}`), parquetBytes })));
    const ranged = 64 * 1024 + 100;
    const cases: Case[] = [
      { mode: 'getDirectory-throws', state: 'failed', summary: /^The page's Origin Private File System could not be opened: navigator\.storage\.getDirectory\(\) failed in the page \(Error: getDirectory is disabled by this page\)\. The page may have replaced it/ },
      { mode: 'getDirectory-garbage', state: 'failed', summary: /could not be opened: .*getDirectory\(\) answered number instead of a folder handle/ },
      { mode: 'getDirectory-unprintable', state: 'failed', summary: /could not be opened: .*an unprintable object/ },
      { mode: 'estimate-garbage', state: 'done', summary: /3 files, 50 B/, problems: [/usage that is not a byte count \(-5\)/, /quota that is not a byte count \("lots"\)/] },
      { mode: 'estimate-huge', state: 'done', summary: /3 files, 50 B/, problems: [/usage that is not a byte count \(1\.2089258196146292e\+24\)/, /quota that is not a byte count \(Infinity\)/] },
      { mode: 'estimate-throws', state: 'done', summary: /3 files, 50 B/, problems: [/storage\.estimate\(\) failed: RangeError: no estimate for you/] },
      { mode: 'entries-throws', state: 'done', summary: /^No files could be listed/, rows: {}, problems: [/^\(the storage as a whole\): Error: entries\(\) is disabled by this page/] },
      {
        mode: 'entries-garbage',
        state: 'done',
        summary: /^The only file looks healthy|files look healthy|need attention/,
        problems: [
          /an entry could not be read: TypeError/,
          /not a file name \(null\)/,
          /not a file name \("a\/b"\)/,
          /not a file name \("\.\."\)/,
          /not a file name \(symbol\)/,
          /negative\.bin: TypeError: getFile\(\) answered a size that is not a byte count \(-1\)/,
          /huge\.bin: TypeError: .*\(1\.1805916207174113e\+21\)/,
          /string-size\.bin: TypeError: .*\("12"\)/,
          /symlink: an entry that is neither a file nor a folder \(kind "symlink"\)/,
          /unprintable\.bin: an unprintable object/,
          /real: the folder listed this name twice/,
        ],
      },
      { mode: 'values-garbage', state: 'done', summary: /3 files, 50 B/ },
      { mode: 'size-garbage', state: 'done', summary: /^No files could be listed/, rows: {}, problems: [/real\/ok\.csv: TypeError: getFile\(\) answered a size that is not a byte count \(-7\)/] },
      ...readModes('slice', [ranged]),
      // The small size last: the files are then as the cases after these expect them.
      ...readModes('arrayBuffer', [ranged, real['real/data.parquet']]),
      { mode: 'nested-forever', state: 'done', summary: /^No files could be listed/, rows: {}, problems: [/^loop(\/loop){255}: folders nested more than 256 deep are not walked/] },
      { mode: 'promise-broken', state: 'failed', summary: /^Reading the page's Origin Private File System failed: TypeError: Promise\.all is not a function/ },
      { mode: 'global-tampered', state: 'failed', summary: /^The inspected page returned an invalid answer: /},
    ];

    it('sets up a few real files first', async () => {
      await page.goto(`${servers.overrides.url}/overrides.html`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.evaluate(async (real) => {
        const fixtures = (window as unknown as { opfsFixtures: { writeFile(path: string, content: number | string): Promise<string> } }).opfsFixtures;
        for (const [path, size] of Object.entries(real)) await fixtures.writeFile(path, path.endsWith('data.parquet') ? `PAR1${'x'.repeat(size - 8)}PAR1` : size);
      }, real);
      const summary = await rescan(panel);
      expect(summary.text).toContain('3 files, 50 B');
    });

    // The walk runs in a worker of the page where one starts (the override reaches it there
    // too), and on the page's thread where none can.
    for (const [c, workers] of cases.flatMap((c) => (['allowed', 'blocked'] as const).map((w) => [c, w] as const))) {
      const files = c.parquetBytes === undefined ? real : { ...real, 'real/data.parquet': c.parquetBytes };
      it(`${c.mode}${c.parquetBytes === undefined ? '' : ` (a file of ${c.parquetBytes} bytes)`}, workers ${workers}: ${c.state === 'failed' ? 'a clear message' : 'lists what it can, says what it could not'}`, async () => {
        await page.goto(`${servers.overrides.url}/overrides.html?mode=${c.mode}${workers === 'blocked' ? '&workers=blocked' : ''}`);
        await page.waitForSelector('body[data-ready="true"]');
        if (c.parquetBytes !== undefined) {
          // Written anew (a new time), so that the panel reads its bytes again rather than keep the verdict of an earlier scan.
          await page.evaluate(async (size) => {
            const fixtures = (window as unknown as { opfsFixtures: { writeFile(path: string, content: string): Promise<string> } }).opfsFixtures;
            await new Promise((resolve) => setTimeout(resolve, 5));
            await fixtures.writeFile('real/data.parquet', `PAR1${'x'.repeat(size - 8)}PAR1`);
          }, c.parquetBytes);
        }
        // The navigation already started a scan; this one surely runs with the override in place.
        const summary: SummaryEntry = await rescan(panel);
        expect(summary.state, summary.text).toBe(c.state);
        // Where the page lets a worker start, the walk started one; where not, it walked all the same.
        const started = await page.evaluate(() => (window as unknown as { hostileWorkers: number }).hostileWorkers);
        if (c.state === 'done') expect(started > 0).toBe(workers === 'allowed');
        if (c.state === 'failed') {
          expect(summary.text).toMatch(c.summary);
          await shoot(`hostile-overrides-${c.mode}`);
          return;
        }
        expect(await panel.$eval('[data-testid="summary"] .sentence', (e) => `${e.textContent}`)).toMatch(/\S/);
        expect(summary.text).toMatch(c.summary);
        const rows = await renderedRows(panel);
        expect(Object.fromEntries(rows.map((r) => [r.path, r.size]))).toEqual(c.rows ?? files);
        const problems = await scanErrors(panel);
        for (const problem of c.problems ?? []) expect(problems.some((p) => problem.test(p)), `${problem} in ${JSON.stringify(problems)}`).toBe(true);
        if (c.parquetBytes !== undefined) {
          // Unknown bytes are not a verdict: the file stays "ok" (never offered for purging) and says why.
          const data = rows.find((r) => r.path === 'real/data.parquet')!;
          expect(data.status).toBe('ok');
          expect(data.title).toMatch(/^contents not checked: reading its bytes failed/);
        }
        if (c.mode === 'entries-garbage' || c.mode === 'nested-forever') await shoot(`hostile-overrides-${c.mode}`);
      });
    }

    it('the panel keeps working after all of them', async () => {
      expect(await extensionStillWorks(panel)).toMatch(/invalid answer/);
      const summary = await navigateAndScan(page, panel, `${servers.overrides.url}/overrides.html`);
      expect(summary.state, summary.text).toBe('done');
      expect(summary.text).toContain('3 files, 50 B');
    });
  });

  /**
   * Creates files in the page, rescans with Refresh, and measures: the time from the click
   * to the listing, and the longest tasks of the panel's and of DevTools' main threads.
   */
  async function measuredScan(label: string): Promise<{ summary: SummaryEntry; progress: SummaryEntry[] }> {
    await panel.waitForSelector('[data-testid="refresh"]:not([disabled])');
    const mark = await probeMark(panel);
    const devtoolsMark = (await devtools.evaluate('performance.now()')) as number;
    const clicked = Date.now();
    await press(panel, '[data-testid="refresh"]');
    const summary = await settledScanAfter(panel, mark, 170_000);
    const scanMs = Date.now() - clicked;
    const log = await summaryLogSince(panel, mark);
    const progress = log.filter((e) => e.state === 'running');
    const panelTasks = await longTasksSince(panel, mark);
    const devtoolsTasks = await recordedLongTasks(devtools, devtoolsMark);
    const longest = (tasks: { duration: number }[]) => Math.round(Math.max(0, ...tasks.map((t) => t.duration)));
    // Where each long task fell, in ms after the click (both frames' clocks turned into wall-clock time).
    const panelOrigin = (await panel.evaluate('performance.timeOrigin')) as number;
    const devtoolsOrigin = (await devtools.evaluate('performance.timeOrigin')) as number;
    const timeline = [
      ...panelTasks.map((t) => `panel ${Math.round(t.duration)} ms at +${Math.round(panelOrigin + t.start - clicked)}`),
      ...devtoolsTasks.map((t) => `devtools ${Math.round(t.duration)} ms at +${Math.round(devtoolsOrigin + t.start - clicked)}`),
      `listing shown at +${Math.round(panelOrigin + summary.t - clicked)}`,
    ];
    metrics[label] = {
      scanMs,
      timeline,
      progressUpdates: progress.length,
      panelLongestTaskMs: longest(panelTasks),
      panelLongTasks: panelTasks.length,
      panelLongTaskTotalMs: Math.round(panelTasks.reduce((sum, t) => sum + t.duration, 0)),
      devtoolsLongestTaskMs: longest(devtoolsTasks),
      devtoolsLongTasks: devtoolsTasks.length,
      ...((metrics[label]) ?? {}),
    };
    console.log(`[hostile-pages] ${label}: ${JSON.stringify(metrics[label])}`);
    return { summary, progress };
  }

  /** "Scanning… N files so far" was shown with N > 0 before the listing. */
  function expectProgress(progress: SummaryEntry[]): void {
    const counts = progress.map((e) => Number(/Listing… ([\d,]+) files? in/.exec(e.text)?.[1]?.replaceAll(',', '') ?? NaN));
    expect(counts.some((n) => n > 0), JSON.stringify(progress.slice(0, 5))).toBe(true);
  }

  describe('a 20-level nesting', () => {
    it('shows progress, then lists every level with exact sizes', async () => {
      await page.goto(`${servers.nested.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await recordLongTasks(devtools);
      const filesPerLevel = 150;
      const deepest = await page.evaluate(
        (filesPerLevel) => (window as unknown as { opfsFixtures: { createNested(o: { depth: number; filesPerLevel: number }): Promise<string> } }).opfsFixtures.createNested({ depth: 20, filesPerLevel }),
        filesPerLevel,
      );
      expect(deepest.split('/')).toHaveLength(20);
      const { summary, progress } = await measuredScan('nested20');
      expect(summary.state, summary.text).toBe('done');
      expectProgress(progress);
      const total = 20 * (filesPerLevel + 1);
      const bytes = Array.from({ length: 20 }, (_, i) => (i + 1) * 100).reduce((a, b) => a + b, 0);
      expect(summary.text).toContain(`All ${total.toLocaleString('en-US')} files look healthy`);
      expect(summary.text).toContain(`${total.toLocaleString('en-US')} files, ${formatBytes(bytes)}`);
      const sized = await filterRows(panel, 'size-');
      expect(sized.map((r) => [r.path, r.size])).toEqual(
        expect.arrayContaining(Array.from({ length: 20 }, (_, i) => [`${deepest.split('/').slice(0, i + 1).join('/')}/size-${String(i + 1).padStart(2, '0')}.bin`, (i + 1) * 100])),
      );
      expect(sized).toHaveLength(20);
      const deepestFile = await filterRows(panel, `${deepest}/file-0149.txt`);
      expect(deepestFile.map((r) => r.path)).toEqual([`${deepest}/file-0149.txt`]);
      await shoot('hostile-nested-20');
      await filterRows(panel, '');
    });
  });

  describe(`${BIG_FILES.toLocaleString('en-US')} files`, () => {
    it('shows progress while scanning, stays responsive, then lists every file with exact sizes', async () => {
      await page.goto(`${servers.big.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await recordLongTasks(devtools);
      const folders = 100;
      const created = Date.now();
      const withContent = await page.evaluate(
        (count, folders) =>
          (window as unknown as { opfsFixtures: { createFiles(o: { count: number; folders: number; contentEvery: number }): Promise<Record<string, number>> } }).opfsFixtures.createFiles({
            count,
            folders,
            contentEvery: 1000,
          }),
        BIG_FILES,
        folders,
      );
      metrics[`big${BIG_FILES}`] = { files: BIG_FILES, createMs: Date.now() - created };
      const { summary, progress } = await measuredScan(`big${BIG_FILES}`);
      expect(summary.state, summary.text).toBe('done');
      expectProgress(progress);
      const bytes = Object.values(withContent).reduce((a, b) => a + b, 0);
      expect(summary.text).toContain(`All ${BIG_FILES.toLocaleString('en-US')} files look healthy`);
      expect(summary.text).toContain(`${BIG_FILES.toLocaleString('en-US')} files, ${formatBytes(bytes)}`);
      expect(await panel.$eval('[role="grid"]', (e) => e.getAttribute('aria-rowcount'))).toBe(String(BIG_FILES));
      await shoot('hostile-big-listing');

      // Sizes, found through the filter: every file with content, and empty ones beside them.
      const filterStarted = Date.now();
      const contentRows = await filterRows(panel, '000.dat');
      metrics[`big${BIG_FILES}`] = { ...(metrics[`big${BIG_FILES}`] as object), filterMs: Date.now() - filterStarted };
      const shown = Object.fromEntries(contentRows.map((r) => [r.path, r.size]));
      const firstWithContent = Object.entries(withContent).sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, 20);
      for (const [path, size] of firstWithContent) expect(shown[path], path).toBe(size);
      const last = `d${String((BIG_FILES - 1) % folders).padStart(3, '0')}/f${String(BIG_FILES - 1).padStart(6, '0')}.dat`;
      expect((await filterRows(panel, last)).map((r) => [r.path, r.size, r.status])).toEqual([[last, 0, 'ok']]);
      await filterRows(panel, '');

      // The last rows, by path: the list really holds all of them, in order.
      await press(panel, '[role="columnheader"].col-path');
      await panel.$eval('.file-viewport', (e) => e.scrollTo(0, e.scrollHeight));
      await new Promise((done) => setTimeout(done, 200));
      const bottom = (await panelRows(panel)).map((r) => r.path);
      let lastOfLastFolder = BIG_FILES - 1;
      while (lastOfLastFolder % folders !== folders - 1) lastOfLastFolder--;
      expect(bottom.at(-1)).toBe(`d${String(folders - 1).padStart(3, '0')}/f${String(lastOfLastFolder).padStart(6, '0')}.dat`);
    });
  });
});

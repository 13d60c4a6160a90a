/**
 * The real DevTools panel on a page whose OPFS holds many files (half healthy Parquet
 * parts, a quarter 0-byte Parquet files, corrupt files, nested folders of other files):
 *   - refresh → classified list, measured inside the panel frame, against a bare walk in
 *     the page that calls `getFile()` concurrently (the floor for listing sizes), paired
 *     run by run;
 *   - the panel's longest task (Long Tasks API in the panel frame) while it loads;
 *   - whether the inspected page does any work while the panel sits open and idle
 *     (counters on the page's OPFS methods and on the panel's page global);
 *   - one-click purge of the empty files (dialog, confirm, result, refreshed list).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { createParquetWriter, customersSql, ordersSql } from '../tests/support/parquet-fixtures';
import { openDevToolsPanel } from '../tests/support/devtools-panel';
import { serveStatic } from '../tests/support/static-server';
import type { BenchConfig } from './config';
import { NAME_SHIM, launchBenchBrowser, shimPage } from './extension';
import { PAGES_DIR } from './opfs-write';
import { summarize, type Sample } from './stats';

export interface PanelLayout {
  healthy: number;
  empty: number;
  corrupt: number;
  other: number;
  folders: number;
}

export interface PanelResult {
  files: number;
  layout: PanelLayout;
  firstOpenMs: number;
  scan: Sample;
  bareWalk: Sample;
  /** The bare walk plus reading what classification needs of each Parquet file. */
  probeWalk: Sample;
  probeReads: number;
  /** The same probes as one read of each file's last 64 KiB (a prototype of a cheaper scan). */
  oneReadWalk: Sample;
  oneReadReads: number;
  refreshBreakdown: RefreshBreakdown | null;
  /** Longest long task in the panel frame during each timed refresh (0: none ≥ 50 ms). */
  longestTask: Sample;
  longTasksPerRefresh: Sample;
  idle: { seconds: number; opfsCalls: number; polls: number; pageLongTasks: number; calls: Record<string, number>; controlOpfsCalls: number; controlPolls: number };
  purge: { dialog: Sample; purge: Sample; toRefreshedList: Sample; longestTask: Sample; removed: number; resultText: string };
}

const FIXTURES = ['healthy-0.parquet', 'healthy-1.parquet', 'healthy-2.parquet'];

async function writeFixtures(dir: string): Promise<void> {
  const writer = await createParquetWriter();
  try {
    await writer.write(join(dir, FIXTURES[0]), ordersSql(0, 200));
    await writer.write(join(dir, FIXTURES[1]), customersSql(150));
    await writer.write(join(dir, FIXTURES[2]), ordersSql(5000, 800));
  } finally {
    writer.close();
  }
}

/**
 * Fills the page's OPFS (runs in the page). Returns the layout and the empty files' paths.
 * Self-contained: passed to page.evaluate.
 */
async function fillPageOpfs(total: number, fixtureNames: string[]): Promise<{ layout: PanelLayout; emptyPaths: string[] }> {
  const fixtures = await Promise.all(fixtureNames.map(async (name) => new Uint8Array(await (await fetch(`./fixtures/${name}`)).arrayBuffer())));
  const root = await navigator.storage.getDirectory();
  for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true });
  const healthy = Math.round(total * 0.5);
  const empty = Math.round(total * 0.25);
  const corrupt = Math.round(total * 0.15);
  const other = total - healthy - empty - corrupt;
  const files: { path: string; bytes: Uint8Array | string }[] = [];
  for (let i = 0; i < healthy; i++) {
    const table = Math.floor(i / 100);
    files.push({ path: `app/snapshots/t${table}/t${table}_part_${i % 100}.parquet`, bytes: fixtures[i % fixtures.length] });
  }
  const emptyPaths: string[] = [];
  for (let i = 0; i < empty; i++) {
    const path = `app/exports/${2021 + (i % 5)}/${String(1 + (Math.floor(i / 5) % 12)).padStart(2, '0')}/export-${i}.parquet`;
    emptyPaths.push(path);
    files.push({ path, bytes: new Uint8Array(0) });
  }
  for (let i = 0; i < corrupt; i++) {
    const source = fixtures[i % fixtures.length];
    const bytes = i % 2 === 0 ? source.slice(0, Math.floor(source.length * 0.6)) : `id,note\n${i},"CSV renamed to .parquet"\n`;
    files.push({ path: `app/broken/b${i % 30}/bad-${i}.parquet`, bytes });
  }
  for (let i = 0; i < other; i++) {
    files.push({ path: `app/cache/c${i % 7}/d${i % 11}/e${i % 13}/blob-${i}.json`, bytes: JSON.stringify({ i, note: 'cached blob' }) });
  }
  const folders = new Map<string, Promise<FileSystemDirectoryHandle>>();
  const folder = (path: string): Promise<FileSystemDirectoryHandle> => {
    let known = folders.get(path);
    if (!known) {
      const cut = path.lastIndexOf('/');
      known = (cut < 0 ? Promise.resolve(root) : folder(path.slice(0, cut))).then((parent) => parent.getDirectoryHandle(path.slice(cut + 1), { create: true }));
      folders.set(path, known);
    }
    return known;
  };
  let next = 0;
  const writeNext = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      const cut = file.path.lastIndexOf('/');
      const dir = await folder(file.path.slice(0, cut));
      const writable = await (await dir.getFileHandle(file.path.slice(cut + 1), { create: true })).createWritable();
      await writable.write(file.bytes as Uint8Array<ArrayBuffer> | string);
      await writable.close();
    }
  };
  await Promise.all(Array.from({ length: 32 }, writeNext));
  return { layout: { healthy, empty, corrupt, other, folders: folders.size }, emptyPaths };
}

/** Recreates the 0-byte files a purge removed (runs in the page). */
async function recreateEmpty(paths: string[]): Promise<void> {
  const root = await navigator.storage.getDirectory();
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < paths.length) {
      const segments = paths[next++].split('/');
      let dir = root;
      for (const segment of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(segment, { create: true });
      await dir.getFileHandle(segments.at(-1)!, { create: true });
    }
  };
  await Promise.all(Array.from({ length: 32 }, work));
}

/** A recursive walk calling getFile() concurrently: the floor for listing sizes (runs in the page). */
async function bareWalk(): Promise<{ ms: number; files: number; bytes: number }> {
  const started = performance.now();
  let files = 0;
  let bytes = 0;
  const walk = async (dir: FileSystemDirectoryHandle): Promise<void> => {
    const pending: Promise<void>[] = [];
    for await (const [, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (handle.kind === 'directory') pending.push(walk(handle as FileSystemDirectoryHandle));
      else
        pending.push(
          (handle as FileSystemFileHandle).getFile().then((file) => {
            files++;
            bytes += file.size;
          }),
        );
    }
    await Promise.all(pending);
  };
  await walk(await navigator.storage.getDirectory());
  return { ms: performance.now() - started, files, bytes };
}

/**
 * Watches the panel's page tasks without changing them (runs in the page): the panel keeps
 * each task's state on `globalThis.__opfsSnapshotInspector[requestId]` and polls it; a
 * Proxy standing in for that registry records when a task starts, when it is done (with
 * the walker's own `elapsedMs`), and when the panel collects it.
 */
const SCAN_OBSERVER = `(() => {
  if (window.__scanObserver) return true;
  const now = () => performance.timeOrigin + performance.now();
  const tasks = {};
  const observer = { tasks, polls: 0 };
  window.__scanObserver = observer;
  const registry = new Proxy({}, {
    set(target, key, value) {
      const t = tasks[key] || (tasks[key] = { startedAt: now() });
      if (value && value.state === 'done') {
        t.doneAt = now();
        const r = value.result;
        if (r && typeof r.elapsedMs === 'number') t.walkMs = r.elapsedMs;
        if (r && Array.isArray(r.files)) t.files = r.files.length;
        if (r && Array.isArray(r.results)) t.purged = r.results.length;
      }
      target[key] = value;
      return true;
    },
    get(target, key) { return target[key]; },
    deleteProperty(target, key) {
      if (tasks[key]) tasks[key].collectedAt = now();
      delete target[key];
      return true;
    },
  });
  Object.defineProperty(globalThis, '__opfsSnapshotInspector', { configurable: true, get() { observer.polls++; return registry; }, set() {} });
  return true;
})()`;

interface ObservedTask {
  startedAt: number;
  doneAt?: number;
  collectedAt?: number;
  walkMs?: number;
  files?: number;
  purged?: number;
}

async function takeObservedTasks(page: Page): Promise<ObservedTask[]> {
  return page.evaluate(() => {
    const observer = (window as unknown as { __scanObserver: { tasks: Record<string, ObservedTask> } }).__scanObserver;
    const list = Object.values(observer.tasks).sort((a, b) => a.startedAt - b.startedAt);
    for (const key of Object.keys(observer.tasks)) delete observer.tasks[key];
    return list;
  });
}

/**
 * The bare walk plus what classification needs from each Parquet-named file: its first 4
 * and last 8 bytes, and its footer (runs in the page). Shows how much of the panel's time
 * reading those bytes costs by itself.
 */
type ProbeMode = 'three-reads' | 'one-read';
const THREE_READS: ProbeMode = 'three-reads';
const ONE_READ: ProbeMode = 'one-read';

async function probeWalk(mode: ProbeMode): Promise<{ ms: number; files: number; reads: number }> {
  const started = performance.now();
  let files = 0;
  let reads = 0;
  const read = async (file: File, from: number, to: number) => {
    reads++;
    return new Uint8Array(await file.slice(from, to).arrayBuffer());
  };
  const probe = async (handle: FileSystemFileHandle, name: string) => {
    const file = await handle.getFile();
    files++;
    if (file.size === 0 || !name.endsWith('.parquet')) return;
    if (mode === 'one-read') {
      // One read of the file's last 64 KiB (all of a small file): head, tail and, nearly
      // always, the whole footer are in it; a larger footer costs one more read.
      const window = Math.min(file.size, 64 * 1024);
      const bytes = await read(file, file.size - window, file.size);
      if (window < file.size) await read(file, 0, 4);
      const tail = bytes.subarray(bytes.length - 8);
      if (tail.length === 8 && String.fromCharCode(...tail.subarray(4)) === 'PAR1') {
        const footer = new DataView(tail.buffer, tail.byteOffset).getUint32(0, true);
        if (footer + 8 > window && footer <= file.size - 12) await read(file, file.size - footer - 8, file.size);
      }
      return;
    }
    await read(file, 0, 4);
    const tail = await read(file, Math.max(0, file.size - 8), file.size);
    if (tail.length === 8 && String.fromCharCode(...tail.subarray(4)) === 'PAR1') {
      const footer = new DataView(tail.buffer).getUint32(0, true);
      if (footer > 0 && footer <= file.size - 12) await read(file, file.size - footer - 8, file.size);
    }
  };
  const walk = async (dir: FileSystemDirectoryHandle): Promise<void> => {
    const pending: Promise<void>[] = [];
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      pending.push(handle.kind === 'directory' ? walk(handle as FileSystemDirectoryHandle) : probe(handle as FileSystemFileHandle, name));
    }
    await Promise.all(pending);
  };
  await walk(await navigator.storage.getDirectory());
  return { ms: performance.now() - started, files, reads };
}

/**
 * Helpers installed in the panel frame: a long-task log and a wait for a `data-state`
 * cycle (leaves `done`, comes back to `done` or `failed`) that cannot miss a fast cycle,
 * since it also reads the old values of attribute mutations.
 */
const PANEL_HELPERS = `(() => {
  if (window.__panelBench) return true;
  const bench = { longtasks: [] };
  window.__panelBench = bench;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  bench.el = (id) => document.querySelector('[data-testid="' + id + '"]');
  bench.state = (id) => bench.el(id)?.getAttribute('data-state') ?? null;
  bench.cycle = (id, trigger, timeoutMs) => new Promise((resolve, reject) => {
    const before = bench.el(id);
    let left = false;
    const finish = () => {
      const now = bench.el(id);
      if (now !== before || (now && now.getAttribute('data-state') !== 'done')) left = true;
      const state = now?.getAttribute('data-state');
      if (left && (state === 'done' || state === 'failed')) {
        observer.disconnect();
        clearTimeout(timer);
        resolve({ at: performance.now(), epoch: performance.timeOrigin + performance.now(), state, text: now.textContent });
      }
    };
    const observer = new MutationObserver((records) => {
      for (const r of records) if (r.attributeName === 'data-state' && r.oldValue === 'done') left = true;
      finish();
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
    const timer = setTimeout(() => { observer.disconnect(); reject(new Error(id + ' did not finish within ' + timeoutMs + ' ms')); }, timeoutMs);
    trigger();
  });
  bench.longestSince = (t0) => {
    const tasks = bench.longtasks.filter((t) => t.start + t.duration >= t0);
    return { longest: tasks.reduce((m, t) => Math.max(m, t.duration), 0), count: tasks.length };
  };
  return true;
})()`;

interface TimedRefresh {
  ms: number;
  clickedAt: number;
  listedAt: number;
  state: string;
  text: string;
  longest: number;
  count: number;
  rows: number;
}

async function timedRefresh(panel: Frame): Promise<TimedRefresh> {
  return panel.evaluate(async () => {
    const bench = (window as unknown as { __panelBench: PanelHelpers }).__panelBench;
    const t0 = performance.now();
    const clickedAt = performance.timeOrigin + t0;
    const end = await bench.cycle('summary', () => (bench.el('refresh') as HTMLButtonElement).click(), 180_000);
    const tasks = bench.longestSince(t0);
    return { ms: end.at - t0, clickedAt, listedAt: end.epoch, state: end.state, text: end.text, ...tasks, rows: document.querySelectorAll('[data-testid="file-row"]').length };
  });
}

/** Where one refresh's time went, from the panel's clock and the page's (both epoch ms). */
export interface RefreshBreakdown {
  /** Click → the page task starts (inspectedWindow.eval round trip). */
  start: number;
  /** The page's walk, as the walker measures itself. */
  walk: number;
  /** Walk done → the panel collects the result (poll interval, eval round trip). */
  collect: number;
  /** Collected → classified list in the panel (result transfer, validation, classification, rendering). */
  classify: number;
}

function refreshBreakdown(refresh: TimedRefresh, tasks: ObservedTask[]): RefreshBreakdown | null {
  const task = tasks.find((t) => t.doneAt !== undefined && t.files !== undefined);
  if (!task || task.doneAt === undefined || task.collectedAt === undefined) return null;
  const walkEnd = task.doneAt;
  return {
    start: task.startedAt - refresh.clickedAt,
    walk: task.walkMs ?? walkEnd - task.startedAt,
    collect: task.collectedAt - walkEnd,
    classify: refresh.listedAt - task.collectedAt,
  };
}

interface PanelHelpers {
  el(id: string): HTMLElement | null;
  state(id: string): string | null;
  cycle(id: string, trigger: () => void, timeoutMs: number): Promise<{ at: number; epoch: number; state: string; text: string }>;
  longestSince(t0: number): { longest: number; count: number };
}

/** Counters on the page's OPFS methods and on the panel's page global (runs in the page). */
const PAGE_COUNTERS = `(() => {
  const counters = { calls: {}, polls: 0, longtasks: 0, restore: [] };
  window.__pageBench = counters;
  const wrap = (proto, name) => {
    const original = proto[name];
    if (typeof original !== 'function') return;
    proto[name] = function (...args) { counters.calls[name] = (counters.calls[name] || 0) + 1; return original.apply(this, args); };
    counters.restore.push(() => { proto[name] = original; });
  };
  for (const name of ['entries', 'values', 'keys', 'getFileHandle', 'getDirectoryHandle', 'removeEntry']) wrap(FileSystemDirectoryHandle.prototype, name);
  for (const name of ['getFile', 'createWritable', 'createSyncAccessHandle']) wrap(FileSystemFileHandle.prototype, name);
  for (const name of ['getDirectory', 'estimate']) wrap(StorageManager.prototype, name);
  // Polls of the panel's page global are counted by the scan observer.
  const observer = window.__scanObserver;
  const pollsBefore = observer.polls;
  Object.defineProperty(counters, 'polls', { get() { return observer.polls - pollsBefore - counters.pollsReset; } });
  counters.pollsReset = 0;
  const longtasks = new PerformanceObserver((list) => { counters.longtasks += list.getEntries().length; });
  longtasks.observe({ type: 'longtask' });
  counters.restore.push(() => longtasks.disconnect());
  return true;
})()`;

async function readPageCounters(page: Page, reset: boolean): Promise<{ calls: Record<string, number>; polls: number; longtasks: number }> {
  return page.evaluate((reset) => {
    const c = (window as unknown as { __pageBench: { calls: Record<string, number>; polls: number; pollsReset: number; longtasks: number } }).__pageBench;
    const snapshot = { calls: { ...c.calls }, polls: c.polls, longtasks: c.longtasks };
    if (reset) {
      c.calls = {};
      c.pollsReset += c.polls;
      c.longtasks = 0;
    }
    return snapshot;
  }, reset);
}

function medianOf(list: RefreshBreakdown[]): RefreshBreakdown | null {
  if (list.length === 0) return null;
  const keys = Object.keys(list[0]) as (keyof RefreshBreakdown)[];
  return Object.fromEntries(keys.map((k) => [k, summarize(list.map((b) => b[k])).median])) as unknown as RefreshBreakdown;
}

const sumCalls = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

export async function runPanelBench(config: BenchConfig, log: (line: string) => void, onVersion: (v: string) => void): Promise<PanelResult> {
  const root = mkdtempSync(join(tmpdir(), 'opfs-bench-page-'));
  for (const name of readdirSync(PAGES_DIR)) copyFileSync(join(PAGES_DIR, name), join(root, name));
  mkdirSync(join(root, 'fixtures'));
  await writeFixtures(join(root, 'fixtures'));
  const server = await serveStatic(root);
  const bench = await launchBenchBrowser({ devtools: true });
  try {
    onVersion(await bench.browser.version());
    const page = await bench.browser.newPage();
    await shimPage(page);
    const pageUrl = `${server.url}/index.html`;
    await page.goto(pageUrl);
    const fillStarted = performance.now();
    const { layout, emptyPaths } = await page.evaluate(fillPageOpfs, config.panelFiles, FIXTURES);
    log(`  wrote ${config.panelFiles.toLocaleString('en-US')} files (${layout.healthy} healthy, ${layout.empty} empty, ${layout.corrupt} corrupt, ${layout.other} other; ${layout.folders} folders) in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);

    await page.evaluate(SCAN_OBSERVER);
    const opened = performance.now();
    const { devtools, panel } = await openDevToolsPanel(bench.browser, bench.extensionId, pageUrl, { dock: 'undocked', timeoutMs: 60_000 });
    await devtools.setViewport({ width: 1200, height: 800 });
    await panel.evaluate(NAME_SHIM);
    await panel.evaluate(PANEL_HELPERS);
    await panel.waitForFunction(() => document.querySelector('[data-testid="summary"]')?.getAttribute('data-state') === 'done', { timeout: 180_000, polling: 50 });
    const firstOpenMs = performance.now() - opened;
    const purgeLabel = await panel.$eval('[data-testid="purge-empty"]', (e) => e.textContent ?? '');
    if (!purgeLabel.includes(layout.empty.toLocaleString('en-US'))) throw new Error(`The panel offers "${purgeLabel}", expected ${layout.empty} empty files.`);
    log(`  panel open → classified list in ${(firstOpenMs / 1000).toFixed(1)} s (includes opening the panel); it offers "${purgeLabel.trim()}"`);

    // Refresh vs bare walk, paired run by run.
    const scan: number[] = [];
    const walk: number[] = [];
    const probe: number[] = [];
    const longest: number[] = [];
    const counts: number[] = [];
    const breakdowns: RefreshBreakdown[] = [];
    const oneReadProbe: number[] = [];
    let probeReads = 0;
    let oneReadReads = 0;
    await takeObservedTasks(page);
    for (let i = 0; i < config.warmup + config.runs; i++) {
      const bare = await page.evaluate(bareWalk);
      if (bare.files !== config.panelFiles) throw new Error(`The bare walk found ${bare.files} files, expected ${config.panelFiles}.`);
      const probed = await page.evaluate(probeWalk, THREE_READS);
      const oneRead = await page.evaluate(probeWalk, ONE_READ);
      probeReads = probed.reads;
      oneReadReads = oneRead.reads;
      const refreshed = await timedRefresh(panel);
      if (refreshed.state !== 'done') throw new Error(`The panel's scan failed: ${refreshed.text}`);
      const breakdown = refreshBreakdown(refreshed, await takeObservedTasks(page));
      if (i >= config.warmup) {
        scan.push(refreshed.ms);
        walk.push(bare.ms);
        probe.push(probed.ms);
        oneReadProbe.push(oneRead.ms);
        longest.push(refreshed.longest);
        counts.push(refreshed.count);
        if (breakdown) breakdowns.push(breakdown);
      }
      const parts = breakdown ? ` = start ${breakdown.start.toFixed(0)} + page walk ${breakdown.walk.toFixed(0)} + collect ${breakdown.collect.toFixed(0)} + classify/render ${breakdown.classify.toFixed(0)}` : '';
      log(
        `  refresh ${i < config.warmup ? 'warm-up' : `run ${i}`}: panel ${refreshed.ms.toFixed(0)} ms${parts} (longest task ${refreshed.longest.toFixed(0)} ms, ${refreshed.count} long tasks); ` +
          `bare walk ${bare.ms.toFixed(0)} ms, walk + Parquet probes ${probed.ms.toFixed(0)} ms (${probed.reads} reads; as one read per file: ${oneRead.ms.toFixed(0)} ms, ${oneRead.reads} reads)`,
      );
    }

    // The page while the panel sits open, idle; then a control refresh that must show up.
    await page.evaluate(PAGE_COUNTERS);
    await readPageCounters(page, true);
    await new Promise((r) => setTimeout(r, config.idleSeconds * 1000));
    const idle = await readPageCounters(page, true);
    await timedRefresh(panel);
    const control = await readPageCounters(page, true);
    await page.evaluate(() => {
      for (const restore of (window as unknown as { __pageBench: { restore: (() => void)[] } }).__pageBench.restore) restore();
    });
    log(`  idle ${config.idleSeconds} s with the panel open: ${sumCalls(idle.calls)} OPFS calls, ${idle.polls} polls, ${idle.longtasks} long tasks in the page (control refresh: ${sumCalls(control.calls)} OPFS calls, ${control.polls} polls)`);

    // One-click purge of the empty files, repeated on recreated files.
    const dialog: number[] = [];
    const purge: number[] = [];
    const refreshed: number[] = [];
    const purgeLongest: number[] = [];
    let resultText = '';
    let removed = 0;
    for (let i = 0; i < config.warmup + config.runs; i++) {
      if (i > 0) {
        await page.evaluate(recreateEmpty, emptyPaths);
        await timedRefresh(panel);
      }
      const run = await panel.evaluate(async () => {
        const bench = (window as unknown as { __panelBench: PanelHelpers }).__panelBench;
        const t0 = performance.now();
        (bench.el('purge-empty') as HTMLButtonElement).click();
        await new Promise<void>((resolve, reject) => {
          const deadline = performance.now() + 30_000;
          const check = () => (bench.el('purge-dialog') ? resolve() : performance.now() > deadline ? reject(new Error('no purge dialog')) : setTimeout(check, 5));
          check();
        });
        const t1 = performance.now();
        let afterPurge: Promise<{ at: number; epoch: number; state: string; text: string }> | undefined;
        const purged = await bench.cycle(
          'purge-result',
          () => {
            // The panel refreshes the listing right after the purge: watch for it from the start.
            afterPurge = bench.cycle('summary', () => undefined, 180_000);
            (bench.el('purge-confirm') as HTMLButtonElement).click();
          },
          180_000,
        );
        const listed = await afterPurge!;
        return { dialog: t1 - t0, purge: purged.at - t1, total: listed.at - t1, state: purged.state, text: purged.text, longest: bench.longestSince(t0).longest };
      });
      if (run.state !== 'done') throw new Error(`The purge failed: ${run.text}`);
      const left = await page.evaluate(async (paths) => {
        const root = await navigator.storage.getDirectory();
        let found = 0;
        for (const path of paths) {
          const segments = path.split('/');
          try {
            let dir = root;
            for (const s of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(s);
            await dir.getFileHandle(segments.at(-1)!);
            found++;
          } catch {
            // gone, as it should be
          }
        }
        return found;
      }, emptyPaths);
      if (left > 0) throw new Error(`${left} of ${emptyPaths.length} empty files are still in the page's OPFS after the purge.`);
      removed = emptyPaths.length;
      resultText = run.text.trim();
      if (i >= config.warmup) {
        dialog.push(run.dialog);
        purge.push(run.purge);
        refreshed.push(run.total);
        purgeLongest.push(run.longest);
      }
      log(`  purge ${i < config.warmup ? 'warm-up' : `run ${i}`}: dialog ${run.dialog.toFixed(0)} ms, purge ${run.purge.toFixed(0)} ms, refreshed list ${run.total.toFixed(0)} ms after confirm; "${resultText}"`);
    }

    return {
      files: config.panelFiles,
      layout,
      firstOpenMs,
      scan: summarize(scan),
      bareWalk: summarize(walk),
      probeWalk: summarize(probe),
      probeReads,
      oneReadWalk: summarize(oneReadProbe),
      oneReadReads,
      refreshBreakdown: medianOf(breakdowns),
      longestTask: summarize(longest),
      longTasksPerRefresh: summarize(counts),
      idle: {
        seconds: config.idleSeconds,
        opfsCalls: sumCalls(idle.calls),
        polls: idle.polls,
        pageLongTasks: idle.longtasks,
        calls: idle.calls,
        controlOpfsCalls: sumCalls(control.calls),
        controlPolls: control.polls,
      },
      purge: { dialog: summarize(dialog), purge: summarize(purge), toRefreshedList: summarize(refreshed), longestTask: summarize(purgeLongest), removed, resultText },
    };
  } finally {
    await bench.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The real DevTools panel on a page whose OPFS holds many files (half healthy Parquet
 * parts, a quarter 0-byte Parquet files, corrupt files, nested folders of other files), at
 * each size of `config.panelSizes`, in a fresh browser per size. Timed inside the panel
 * frame from the click on Refresh, paired run by run with baselines walked in the page:
 *   - every file listed (the summary leaves `running`) vs a bare walk calling `getFile()`
 *     for every file concurrently; the first row's latency;
 *   - every Parquet file checked (Shift-click: read every file again; the summary says
 *     `done`) vs that walk plus one read of each Parquet file's last 64 KiB;
 *   - a rescan of the unchanged storage vs the bare walk;
 *   - the panel's longest task (Long Tasks API) during those;
 *   - a filter keystroke over every row; the one-click purge of the empty files, up to
 *     the list's update; OPFS calls in the page while the panel sits idle, Live off and on.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { createParquetWriter, customersSql, ordersSql } from '../tests/support/parquet-fixtures';
import { openDevToolsPanel } from '../tests/support/devtools-panel';
import { serveStatic } from '../tests/support/static-server';
import { cpuByProcess, samplePriorities, settleDisk } from './machine';
import { callsBetween, countOpfsCalls, opfsCalls } from '../tests/support/opfs-calls';
import type { BenchConfig } from './config';
import { NAME_SHIM, launchBenchBrowser, shimPage } from './extension';
import { PAGES_DIR } from './opfs-write';
import { summarize, type Sample } from './stats';
import { traceTasks, type TracedTasks } from './task-trace';
import { profileFrame, selfTimeWithin } from './cpu-profile';
import { walkOpfs } from '../src/inspected-page/walk';

export interface PanelLayout {
  healthy: number;
  empty: number;
  corrupt: number;
  other: number;
  folders: number;
}

/** The panel at one size. Times in ms. */
export interface PanelSizeResult {
  files: number;
  layout: PanelLayout;
  /** Opening the panel (DevTools included) until every file is listed, and until every file is checked. */
  firstOpen: { listedMs: number; checkedMs: number };
  /**
   * Click on Refresh (Shift: read every file again) → every file listed, every file checked.
   * A refresh walks behind the rows listed before (they stay until every file is listed).
   */
  listed: Sample;
  checked: Sample;
  /** The inspected page reloads: its new document's listing fills from an empty list → first row, every file listed. */
  reload: { firstRow: Sample; listed: Sample };
  /** The panel's JS heap at most while a cold refresh, a rescan and a reload listed (bytes; see RefreshTiming.heapListing). */
  heapListing: { cold: Sample; rescan: Sample; reload: Sample };
  /** Click on Refresh of the unchanged storage → done (verdicts known: nothing is read). */
  rescan: Sample;
  bareWalk: Sample;
  readWalk: Sample;
  /** Reads the read walk made (one per non-empty Parquet file, two when larger than 64 KiB). */
  readWalkReads: number;
  /**
   * Walks with `getFile()` calls bounded at 1,024 (the panel's walker) and 4,096 in flight,
   * once each before the panel opens: how long, how soon the first file, and how late a
   * 10 ms timer in the page fires meanwhile (whether the page can still answer the panel).
   */
  walkConcurrency: { inFlight: number; ms: number; firstFileMs: number; timerLatenessMs: number }[];
  /** In a dedicated worker of the page, before the panel opens: the panel's own walk, and bare walks with and without reading each file's size and time (ms). */
  workerWalk: { panelWalk: Sample; bareWithStat: Sample; bare: Sample };
  /** Longest panel task per cold refresh and per rescan (0: none ≥ 50 ms). */
  longestTask: Sample;
  longestRescanTask: Sample;
  /** The page's own thread: its longest stall (a 10 ms timer's lateness) during the bare walk, and while the panel listed and checked (cold) and rescanned. */
  pageStall: { bareWalk: Sample; cold: Sample; rescan: Sample };
  /** One more cold refresh, traced: the panel thread's long tasks, wall time against CPU time (null where not traced). */
  tracedRefresh: TracedTasks | null;
  /** Input event → next frame, per keystroke typing a filter over every row. */
  filterKeystroke: Sample;
  filterLongestTask: number;
  idle: { seconds: number; liveOff: Record<string, number>; liveOn: Record<string, number>; liveUnavailable: boolean; liveLatencyMs: number | null };
  purge: { removed: number; toResult: Sample; toUpdatedList: Sample; /** The same files removed with `removeEntry` alone, paired run by run. */ bareRemoval: Sample; longestTask: Sample; resultText: string; pageCallsAfter: Record<string, number> } | null;
}

export interface PanelResult {
  sizes: PanelSizeResult[];
}

/** Where a `--panel-profile` run leaves its profiles (not committed). */
const RESULTS_DIR = resolve(import.meta.dirname, 'results');

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

/**
 * Removes the files at `paths` with `removeEntry` alone, 64 at once as the purge works, each
 * folder looked up once: the floor for a purge of them, which also reads each file and takes
 * its snapshot's lock before removing it (runs in the page). Returns the time taken, ms.
 */
async function removeBare(paths: string[]): Promise<number> {
  const started = performance.now();
  const root = await navigator.storage.getDirectory();
  const folders = new Map<string, Promise<FileSystemDirectoryHandle>>();
  const folder = (path: string): Promise<FileSystemDirectoryHandle> => {
    let known = folders.get(path);
    if (!known) {
      const cut = path.lastIndexOf('/');
      known = (cut < 0 ? Promise.resolve(root) : folder(path.slice(0, cut))).then((parent) => parent.getDirectoryHandle(path.slice(cut + 1)));
      folders.set(path, known);
    }
    return known;
  };
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++];
      const cut = path.lastIndexOf('/');
      await (await folder(path.slice(0, cut))).removeEntry(path.slice(cut + 1));
    }
  };
  await Promise.all(Array.from({ length: 64 }, work));
  return performance.now() - started;
}

/** Starts (or restarts) timing the page's own thread: a 10 ms timer whose lateness is kept (runs in the page). */
function resetPageStall(): void {
  const scope = globalThis as unknown as { __pageStall?: { longest: number; last: number } };
  if (!scope.__pageStall) {
    const stall = { longest: 0, last: performance.now() };
    scope.__pageStall = stall;
    setInterval(() => {
      const now = performance.now();
      stall.longest = Math.max(stall.longest, now - stall.last - 10);
      stall.last = now;
    }, 10);
  }
  scope.__pageStall.longest = 0;
  scope.__pageStall.last = performance.now();
}

/** The page thread's longest stall since {@link resetPageStall}, ms (runs in the page). */
function longestPageStall(): number {
  return Math.max(0, (globalThis as unknown as { __pageStall: { longest: number } }).__pageStall.longest);
}

/** A recursive walk calling getFile() concurrently: the floor for listing sizes (runs in the page). */
async function bareWalk(): Promise<{ ms: number; files: number }> {
  const started = performance.now();
  let files = 0;
  const walk = async (dir: FileSystemDirectoryHandle): Promise<void> => {
    const pending: Promise<unknown>[] = [];
    for await (const [, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (handle.kind === 'directory') pending.push(walk(handle as FileSystemDirectoryHandle));
      else pending.push((handle as FileSystemFileHandle).getFile().then(() => files++));
    }
    await Promise.all(pending);
  };
  await walk(await navigator.storage.getDirectory());
  return { ms: performance.now() - started, files };
}

/** A walk with at most `limit` getFile() calls in flight, with a 10 ms timer's worst lateness in the page (runs in the page). */
async function boundedWalk(limit: number): Promise<{ inFlight: number; ms: number; firstFileMs: number; timerLatenessMs: number }> {
  const started = performance.now();
  let active = 0;
  let files = 0;
  let firstFileMs = 0;
  let lateness = 0;
  let last = performance.now();
  const waiting: (() => void)[] = [];
  const tick = setInterval(() => {
    const now = performance.now();
    lateness = Math.max(lateness, now - last - 10);
    last = now;
  }, 10);
  const limited = async (task: () => Promise<void>) => {
    while (active >= limit) await new Promise<void>((wake) => waiting.push(wake));
    active++;
    try {
      await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  const walk = async (dir: FileSystemDirectoryHandle): Promise<void> => {
    const pending: Promise<void>[] = [];
    for await (const [, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (handle.kind === 'directory') pending.push(walk(handle as FileSystemDirectoryHandle));
      else
        pending.push(
          limited(async () => {
            await (handle as FileSystemFileHandle).getFile();
            if (++files === 1) firstFileMs = performance.now() - started;
          }),
        );
    }
    await Promise.all(pending);
  };
  await walk(await navigator.storage.getDirectory());
  clearInterval(tick);
  return { inFlight: limit, ms: performance.now() - started, firstFileMs, timerLatenessMs: lateness };
}

/**
 * The walks a dedicated worker of the page can do, as source text for {@link workerWalkMs}:
 * the panel's own (`walkOpfs`, what its worker runs, entries collected as the worker would
 * post them), a bare walk that calls getFile() on every file and reads its size and time,
 * and the page thread's baseline walk ({@link bareWalk}) itself. Each answers its count of files.
 */
const WORKER_WALKS = {
  panelWalk: `async () => { const entries = []; const summary = await (${walkOpfs.toString()})(await navigator.storage.getDirectory(), { origin: location.origin, estimate: null }, {}, (_seen, entry) => entries.push(entry)); return summary.files; }`,
  bareWithStat: `async () => { const entries = []; const walk = async (dir, prefix) => { const pending = []; for await (const [name, handle] of dir.entries()) { const path = prefix + '/' + name; if (handle.kind === 'directory') pending.push(walk(handle, path)); else pending.push(handle.getFile().then((file) => entries.push(['f', path, file.size, file.lastModified]))); } await Promise.all(pending); }; await walk(await navigator.storage.getDirectory(), ''); return entries.length; }`,
  bare: `async () => (await (${bareWalk.toString()})()).files`,
};

/** Runs `walk` (source text of an async function answering a count of files) in a new dedicated worker of the page: its time from the worker's start, and the count (runs in the page). */
async function workerWalkMs(walk: string): Promise<{ ms: number; files: number }> {
  const program = `globalThis.__name ??= (f) => f; onmessage = async () => postMessage(await (${walk})());`;
  const url = URL.createObjectURL(new Blob([program], { type: 'text/javascript' }));
  const started = performance.now();
  const worker = new Worker(url);
  try {
    const files = await new Promise<unknown>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage('walk');
    });
    return { ms: performance.now() - started, files: Number(files) };
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
}

/**
 * The bare walk plus, for each non-empty `.parquet` file, one read of its last 64 KiB (and
 * of its first 4 bytes when it is larger): what checking magic and footer must read, 512
 * files at a time (runs in the page).
 */
async function readWalk(): Promise<{ ms: number; files: number; reads: number }> {
  const started = performance.now();
  let files = 0;
  let reads = 0;
  const read = async (file: File, from: number, to: number) => {
    reads++;
    return (await file.slice(from, to).arrayBuffer()).byteLength;
  };
  const probe = async (handle: FileSystemFileHandle, name: string) => {
    const file = await handle.getFile();
    files++;
    if (file.size === 0 || !name.endsWith('.parquet')) return;
    const window = Math.min(file.size, 64 * 1024);
    await Promise.all([read(file, file.size - window, file.size), window < file.size ? read(file, 0, 4) : 0]);
  };
  // At most 512 files read at once: 50,000 reads in flight make Chromium fail some with NotReadableError.
  let active = 0;
  const waiting: (() => void)[] = [];
  const bounded = async (task: () => Promise<void>) => {
    while (active >= 512) await new Promise<void>((wake) => waiting.push(wake));
    active++;
    try {
      await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  const walk = async (dir: FileSystemDirectoryHandle): Promise<void> => {
    const pending: Promise<void>[] = [];
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      pending.push(handle.kind === 'directory' ? walk(handle as FileSystemDirectoryHandle) : bounded(() => probe(handle as FileSystemFileHandle, name)));
    }
    await Promise.all(pending);
  };
  await walk(await navigator.storage.getDirectory());
  return { ms: performance.now() - started, files, reads };
}

/**
 * Installed in the panel frame: long tasks, and a timeline of the summary's attributes
 * (state, files listed, checked) and of the first file row, each change timestamped.
 */
const PANEL_HELPERS = `(() => {
  if (window.__panelBench) return true;
  const bench = { longtasks: [], marks: [] };
  window.__panelBench = bench;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  bench.el = (id) => document.querySelector('[data-testid="' + id + '"]');
  const record = () => {
    const s = bench.el('summary');
    const mark = { t: performance.now(), state: s?.getAttribute('data-state') ?? null, files: Number(s?.getAttribute('data-files') ?? 0), checked: Number(s?.getAttribute('data-checked') ?? 0), rows: document.querySelector('[data-testid="file-row"]') ? 1 : 0, text: s?.textContent ?? '' };
    const last = bench.marks[bench.marks.length - 1];
    // The heap is read only for a mark that is kept: this runs on every change of the panel's DOM.
    if (!last || last.state !== mark.state || last.files !== mark.files || last.checked !== mark.checked || last.rows !== mark.rows) bench.marks.push({ ...mark, heap: performance.memory?.usedJSHeapSize ?? 0 });
  };
  record();
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-files', 'data-checked'] });
  /** The largest heap sampled in \`marks\`. */
  bench.heapPeak = (marks) => marks.reduce((m, mark) => Math.max(m, mark.heap), 0);
  bench.longestSince = (t0, t1 = Infinity) => bench.longtasks.filter((t) => t.start + t.duration >= t0 && t.start <= t1).reduce((m, t) => Math.max(m, t.duration), 0);
  /** Clicks Refresh (with Shift: read every file again) and resolves once the summary, having left done, is done again. */
  bench.refresh = (shift) => new Promise((resolve, reject) => {
    const from = bench.marks.length;
    const t0 = performance.now();
    const timer = setInterval(() => {
      const marks = bench.marks.slice(from);
      const left = marks.findIndex((m) => m.state !== 'done');
      const done = left < 0 ? undefined : marks.slice(left).find((m) => m.state === 'done' || m.state === 'failed');
      if (done) {
        clearInterval(timer);
        const listed = marks.slice(left).find((m) => m.state !== 'running');
        resolve({ t0, state: done.state, text: done.text, listed: listed.t - t0, done: done.t - t0, files: done.files, longest: bench.longestSince(t0), heapListing: bench.heapPeak(marks.slice(left, marks.indexOf(listed) + 1)) });
      } else if (performance.now() - t0 > 600000) {
        clearInterval(timer);
        reject(new Error('the refresh did not finish within 10 minutes'));
      }
    }, 20);
    bench.el('refresh').dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey: shift }));
  });
  /** After the inspected page began to reload at \`t0\`: its new listing from an empty list → first row, every file listed, done. */
  bench.afterReload = (t0) => new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const marks = bench.marks.filter((m) => m.t >= t0);
      const emptied = marks.findIndex((m) => m.state === 'running' && m.rows === 0);
      const done = emptied < 0 ? undefined : marks.slice(emptied).find((m) => m.state === 'done' || m.state === 'failed');
      if (done) {
        clearInterval(timer);
        const after = marks.slice(emptied);
        const listed = after.find((m) => m.state !== 'running');
        const firstRow = after.find((m) => m.rows > 0 && m.state === 'running') ?? listed;
        resolve({ t0, state: done.state, text: done.text, emptied: marks[emptied].t - t0, firstRow: firstRow.t - t0, listed: listed.t - t0, done: done.t - t0, files: done.files, longest: bench.longestSince(t0), heapListing: bench.heapPeak(after.slice(0, after.indexOf(listed) + 1)) });
      } else if (performance.now() - t0 > 600000) {
        clearInterval(timer);
        reject(new Error('the reloaded page was not listed within 10 minutes'));
      }
    }, 20);
  });
  /** Types \`text\` into the filter one character at a time: input event → next frame, per keystroke. */
  bench.type = async (text) => {
    const input = bench.el('filter');
    const times = [];
    const t0 = performance.now();
    for (let i = 1; i <= text.length; i++) {
      const start = performance.now();
      input.value = text.slice(0, i);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      times.push(performance.now() - start);
    }
    const rowcount = Number(document.querySelector('[role="grid"]').getAttribute('aria-rowcount'));
    input.value = '';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return { times, rowcount, longest: bench.longestSince(t0) };
  };
  return true;
})()`;

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

interface RefreshTiming {
  t0: number;
  state: string;
  text: string;
  listed: number;
  done: number;
  files: number;
  longest: number;
  /**
   * The JS heap at most, as sampled at each change of the summary while it listed
   * (`performance.memory`, precise): the heap of the panel's process, which the extension's
   * other pages in that process share. It grows with the listing: 22–35 MiB at 10,000 files,
   * 145–173 MiB at 100,000.
   */
  heapListing: number;
}

interface ReloadTiming extends RefreshTiming {
  /** `page.reload()` resolved (the new document's load event), in the benchmark's clock; the others are in the panel's. */
  loaded: number;
  /** The panel heard of the new document (its list emptied). */
  emptied: number;
  firstRow: number;
}

/** Reloads the inspected page and times its new document's listing in the panel frame. */
async function reloadListed(page: Page, panel: Frame): Promise<ReloadTiming> {
  const t0 = await panel.evaluate(() => performance.now());
  const reloading = performance.now();
  await page.reload();
  const loaded = performance.now() - reloading;
  const timing = await panel.evaluate((t0) => (window as unknown as { __panelBench: PanelHelpers }).__panelBench.afterReload(t0), t0);
  if (timing.state !== 'done') throw new Error(`The panel's scan of the reloaded page failed: ${timing.text}`);
  return { ...timing, loaded };
}

interface PanelHelpers {
  el(id: string): HTMLElement | null;
  marks: { t: number; state: string | null; files: number; checked: number; rows: number; heap: number; text: string }[];
  heapPeak(marks: PanelHelpers['marks']): number;
  longestSince(t0: number, t1?: number): number;
  refresh(shift: boolean): Promise<RefreshTiming>;
  afterReload(t0: number): Promise<Omit<ReloadTiming, 'loaded'>>;
  type(text: string): Promise<{ times: number[]; rowcount: number; longest: number }>;
}

async function refreshPanel(panel: Frame, shift: boolean): Promise<RefreshTiming> {
  const timing = await panel.evaluate((shift) => (window as unknown as { __panelBench: PanelHelpers }).__panelBench.refresh(shift), shift);
  if (timing.state !== 'done') throw new Error(`The panel's scan failed: ${timing.text}`);
  return timing;
}

/** Collects garbage in the inspected page and the panel (the bench's browser runs with `--expose-gc`). */
async function collectPageGarbage(page: Page, panel: Frame): Promise<void> {
  const gc = () => (globalThis as unknown as { gc?: () => void }).gc?.();
  await page.evaluate(gc);
  await panel.evaluate(gc);
  // And lets the browser finish what the last step left it: the panel's walk stops its worker a
  // second after the walk (releasing 10,000 files' handles then), which must not land in the next timed step.
  await sleep(SETTLE_MS);
}

/** How long after the last step the next timed one starts (see collectPageGarbage). */
const SETTLE_MS = 1500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sumCalls = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

/** The panel at one size, in a fresh browser. */
async function benchSize(config: BenchConfig, files: number, root: string, log: (line: string) => void, onVersion: (v: string) => void): Promise<PanelSizeResult> {
  const server = await serveStatic(root);
  const bench = await launchBenchBrowser({ devtools: true });
  const n = (value: number) => value.toLocaleString('en-US');
  try {
    onVersion(await bench.browser.version());
    const page = await bench.browser.newPage();
    await shimPage(page);
    await countOpfsCalls(page);
    const pageUrl = `${server.url}/index.html`;
    await page.goto(pageUrl);
    const fillStarted = performance.now();
    const { layout, emptyPaths } = await page.evaluate(fillPageOpfs, files, FIXTURES);
    log(`  ${n(files)} files written (${n(layout.healthy)} healthy, ${n(layout.empty)} empty, ${n(layout.corrupt)} corrupt, ${n(layout.other)} other; ${layout.folders} folders) in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);
    // The fill's writes flushed before any walk is timed (see settleDisk).
    settleDisk();

    const walkConcurrency: PanelSizeResult['walkConcurrency'] = [];
    for (const limit of [1024, 4096]) {
      const measured = await page.evaluate(boundedWalk, limit);
      walkConcurrency.push(measured);
      log(`  walk with ${limit} getFile() in flight: ${measured.ms.toFixed(0)} ms, first file after ${measured.firstFileMs.toFixed(0)} ms, a 10 ms timer in the page up to ${measured.timerLatenessMs.toFixed(0)} ms late`);
    }
    // The same three walks in turn, round by round, so that the same load hits each.
    const workerRuns: Record<keyof typeof WORKER_WALKS, number[]> = { panelWalk: [], bareWithStat: [], bare: [] };
    for (let round = 0; round < 3; round++) {
      for (const name of Object.keys(WORKER_WALKS) as (keyof typeof WORKER_WALKS)[]) {
        await page.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.());
        const measured = await page.evaluate(workerWalkMs, WORKER_WALKS[name]);
        if (measured.files !== files) throw new Error(`The ${name} walk in a worker found ${measured.files} files, expected ${files}.`);
        workerRuns[name].push(measured.ms);
      }
    }
    const workerWalk = { panelWalk: summarize(workerRuns.panelWalk), bareWithStat: summarize(workerRuns.bareWithStat), bare: summarize(workerRuns.bare) };
    log(`  in a worker of the page: the panel's walk ${workerRuns.panelWalk.map((ms) => ms.toFixed(0)).join(' / ')} ms, a bare walk reading sizes and times ${workerRuns.bareWithStat.map((ms) => ms.toFixed(0)).join(' / ')} ms, a bare walk ${workerRuns.bare.map((ms) => ms.toFixed(0)).join(' / ')} ms`);

    const opened = performance.now();
    const { devtools, panel } = await openDevToolsPanel(bench.browser, bench.extensionId, pageUrl, { dock: 'undocked', timeoutMs: 60_000 });
    await devtools.setViewport({ width: 1200, height: 800 });
    await panel.evaluate(NAME_SHIM);
    // Listed: the summary has left "running" with files in it (before the first scan starts it has no state at all).
    await panel.waitForFunction(
      () => {
        const summary = document.querySelector('[data-testid="summary"]');
        const state = summary?.getAttribute('data-state');
        return (state === 'checking' || state === 'done') && Number(summary?.getAttribute('data-files')) > 0;
      },
      { timeout: 600_000, polling: 50 },
    );
    const listedMs = performance.now() - opened;
    await panel.waitForFunction(() => document.querySelector('[data-testid="summary"]')?.getAttribute('data-state') === 'done', { timeout: 600_000, polling: 50 });
    const checkedMs = performance.now() - opened;
    await panel.evaluate(PANEL_HELPERS);
    const purgeLabel = await panel.$eval('[data-testid="purge-empty"]', (e) => e.textContent ?? '');
    if (!purgeLabel.includes(n(layout.empty))) throw new Error(`The panel offers "${purgeLabel}", expected ${layout.empty} empty files.`);
    log(`  panel opened → every file listed in ${(listedMs / 1000).toFixed(1)} s, checked in ${(checkedMs / 1000).toFixed(1)} s (DevTools' own start included)`);

    const runs = files > 20_000 ? Math.min(config.runs, 2) : config.runs;
    const warmup = files > 20_000 ? 0 : config.warmup;
    const reload = { firstRow: [] as number[], listed: [] as number[] };
    const heap = { cold: [] as number[], rescan: [] as number[], reload: [] as number[] };
    const listed: number[] = [];
    const checked: number[] = [];
    const rescan: number[] = [];
    const walk: number[] = [];
    const readWalkMs: number[] = [];
    const longest: number[] = [];
    const longestRescan: number[] = [];
    const stalls = { bareWalk: [] as number[], cold: [] as number[], rescan: [] as number[] };
    let readWalkReads = 0;
    const browserPid = bench.browser.process()?.pid;
    const priorities = browserPid === undefined ? undefined : samplePriorities(browserPid);
    const cpu = browserPid === undefined ? undefined : { bare: cpuByProcess(browserPid), rescan: cpuByProcess(browserPid), cold: cpuByProcess(browserPid) };
    for (let i = 0; i < warmup + runs; i++) {
      // Each timed step starts from collected heaps: the read walk leaves ~400 MiB of read
      // buffers behind, which the page would otherwise collect during the next step.
      await collectPageGarbage(page, panel);
      await page.evaluate(resetPageStall);
      if (i >= warmup) cpu?.bare.start();
      const bare = await page.evaluate(bareWalk);
      cpu?.bare.stop();
      const bareStall = await page.evaluate(longestPageStall);
      if (bare.files !== files) throw new Error(`The bare walk found ${bare.files} files, expected ${files}.`);
      await collectPageGarbage(page, panel);
      const reading = await page.evaluate(readWalk);
      readWalkReads = reading.reads;
      await collectPageGarbage(page, panel);
      await page.evaluate(resetPageStall);
      if (i >= warmup) cpu?.cold.start();
      const cold = await refreshPanel(panel, true);
      cpu?.cold.stop();
      const coldStall = await page.evaluate(longestPageStall);
      await collectPageGarbage(page, panel);
      await page.evaluate(resetPageStall);
      if (i >= warmup) cpu?.rescan.start();
      const warm = await refreshPanel(panel, false);
      cpu?.rescan.stop();
      const warmStall = await page.evaluate(longestPageStall);
      await collectPageGarbage(page, panel);
      const reloaded = await reloadListed(page, panel);
      if (cold.files !== files || warm.files !== files || reloaded.files !== files) throw new Error(`The panel listed ${cold.files}, ${warm.files} and ${reloaded.files} files, expected ${files}.`);
      log(
        `  ${i < warmup ? 'warm-up' : `run ${i - warmup + 1}`}: all listed ${cold.listed.toFixed(0)} ms (bare walk ${bare.ms.toFixed(0)}), ` +
          `all checked ${cold.done.toFixed(0)} ms (walk + ${n(reading.reads)} reads ${reading.ms.toFixed(0)}), rescan ${warm.done.toFixed(0)} ms; longest task ${cold.longest.toFixed(0)} / ${warm.longest.toFixed(0)} ms; ` +
          `panel heap while listing at most ${mib(cold.heapListing)} / ${mib(warm.heapListing)} MiB; ` +
          `the page's thread stalled at most ${coldStall.toFixed(0)} / ${warmStall.toFixed(0)} ms (bare walk ${bareStall.toFixed(0)}); ` +
          `page reloaded: loaded ${reloaded.loaded.toFixed(0)} ms, list emptied ${reloaded.emptied.toFixed(0)} ms, first row ${reloaded.firstRow.toFixed(0)} ms, all listed ${reloaded.listed.toFixed(0)} ms, longest task ${reloaded.longest.toFixed(0)} ms, panel heap ${mib(reloaded.heapListing)} MiB`,
      );
      if (i < warmup) continue;
      reload.firstRow.push(reloaded.firstRow);
      reload.listed.push(reloaded.listed);
      heap.cold.push(cold.heapListing);
      heap.rescan.push(warm.heapListing);
      heap.reload.push(reloaded.heapListing);
      listed.push(cold.listed);
      checked.push(cold.done);
      rescan.push(warm.done);
      walk.push(bare.ms);
      readWalkMs.push(reading.ms);
      longest.push(cold.longest);
      longestRescan.push(warm.longest);
      stalls.bareWalk.push(bareStall);
      stalls.cold.push(coldStall);
      stalls.rescan.push(warmStall);
    }
    if (priorities) log(`  nice values seen during the runs: ${priorities()}`);
    // What holds the cores: a run's time over a bare walk is the CPU the panel's way adds, where the walk alone fills them.
    const seconds = (runsMs: number[]) => `${(runsMs.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`;
    if (cpu) {
      log(`  CPU time by process on ${cpus().length} cores, summed over the ${runs} timed runs of each:`);
      log(`    bare walks (${seconds(walk)}): ${cpu.bare.summary()}`);
      log(`    rescans (${seconds(rescan)}): ${cpu.rescan.summary()}`);
      log(`    cold refreshes, listed and checked (${seconds(checked)}): ${cpu.cold.summary()}`);
    }

    // One more cold refresh, traced: how much of each long task the panel's thread was on the CPU.
    const { traced } = await traceTasks(bench.browser, () => refreshPanel(panel, true));
    if (traced) {
      const longest = traced.tasks.slice(0, 8).map((t) => `${t.wallMs.toFixed(0)} ms (CPU ${t.cpuMs.toFixed(0)})`).join(', ');
      log(`  traced cold refresh: ${traced.tasks.length} tasks ≥ 50 ms on the panel's thread${longest ? `, the longest ${longest}` : ''}; most CPU in one task ${traced.maxCpuMs.toFixed(0)} ms`);
    }

    if (config.panelProfile) {
      // Traced and profiled at once: the samples inside each of the busiest tasks say what it did.
      const file = join(RESULTS_DIR, `panel-${files}.cpuprofile`);
      const ms = (value: number) => `${value.toFixed(0)} ms`;
      const { result: profiled, traced } = await traceTasks(bench.browser, () =>
        profileFrame(bench.browser, `chrome-extension://${bench.extensionId}/panel/panel.html`, file, () => refreshPanel(panel, true)),
        { detail: true },
      );
      const { summary, profile } = profiled;
      log(`  profiled cold refresh (${file}): ${ms(summary.totalMs - summary.idleMs)} busy of ${ms(summary.totalMs)}, GC ${ms(summary.gcMs)}, the browser's own work ${ms(summary.programMs)}; most self time:`);
      for (const f of summary.top) log(`    ${ms(f.selfMs).padStart(8)}  ${f.name} ${f.where}`);
      const census = await panel.evaluate(() =>
        [...document.querySelectorAll('[data-testid]')]
          .filter((e) => e.getElementsByTagName('*').length >= 50 && !e.parentElement?.closest('[data-testid]'))
          .map((e) => `${e.getAttribute('data-testid')} ${e.getElementsByTagName('*').length}`)
          .concat(`all ${document.getElementsByTagName('*').length}`),
      );
      log(`  elements in the panel: ${census.join(', ')}`);
      for (const task of traced?.busiest ?? []) {
        const inside = selfTimeWithin(profile, task.ts, task.ts + task.wallMs * 1000);
        const layouts = (task.layouts ?? []).map((l) => `${l.dirty} of ${l.total}`).join(', ');
        log(`  a task of ${ms(task.wallMs)} (CPU ${ms(task.cpuMs)}): ${(task.inside ?? []).slice(0, 5).map((e) => `${e.name} ${ms(e.cpuMs)}`).join(', ')}${layouts ? `; layout objects dirty: ${layouts}` : ''}`);
        log(`    its samples: ${inside.map((f) => `${f.name} ${f.where} ${ms(f.selfMs)}`).join('; ')}`);
      }
    }

    // A filter typed over every row: a folder's name, one key at a time.
    const typed = await panel.evaluate(() => (window as unknown as { __panelBench: PanelHelpers }).__panelBench.type('exports/2023/'));
    log(`  filter over ${n(files)} rows, per keystroke: ${typed.times.map((t) => t.toFixed(0)).join(', ')} ms (${n(typed.rowcount)} rows match; longest task ${typed.longest.toFixed(0)} ms)`);

    // The page while the panel sits open and idle, Live off, then on; then a file the page writes, seen live.
    const idleCalls = async () => {
      await sleep(500);
      const before = await opfsCalls(page);
      await sleep(config.idleSeconds * 1000);
      return callsBetween(before, await opfsCalls(page));
    };
    const liveOff = await idleCalls();
    const liveState = () => panel.$eval('[data-testid="live"]', (e) => e.getAttribute('data-live') ?? '');
    let liveOn: Record<string, number> = {};
    let liveLatencyMs: number | null = null;
    const liveUnavailable = (await liveState()) === 'unavailable';
    if (!liveUnavailable) {
      await panel.click('[data-testid="live"]');
      await panel.waitForFunction(() => document.querySelector('[data-testid="live"]')?.getAttribute('data-live') === 'on', { timeout: 10_000 });
      liveOn = await idleCalls();
      const written = performance.now();
      await page.evaluate(async () => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('app', { create: true });
        const writable = await (await dir.getFileHandle('live-arrival.parquet', { create: true })).createWritable();
        await writable.write('not parquet');
        await writable.close();
      });
      await panel.waitForFunction((total) => Number(document.querySelector('[data-testid="summary"]')?.getAttribute('data-files')) === total, { timeout: 30_000, polling: 20 }, files + 1);
      liveLatencyMs = performance.now() - written;
      await panel.click('[data-testid="live"]');
      await page.evaluate(async () => (await (await navigator.storage.getDirectory()).getDirectoryHandle('app')).removeEntry('live-arrival.parquet'));
      await refreshPanel(panel, false);
    }
    log(`  idle ${config.idleSeconds} s: ${sumCalls(liveOff)} OPFS calls in the page with Live off, ${liveUnavailable ? 'Live unavailable' : `${sumCalls(liveOn)} with Live on; a file the page wrote was listed ${liveLatencyMs?.toFixed(0)} ms later`}`);

    // One-click purge of the empty files, up to the list's update (repeated on recreated files).
    let purge: PanelSizeResult['purge'] = null;
    if (files <= 20_000) {
      const toResult: number[] = [];
      const toList: number[] = [];
      const purgeLongest: number[] = [];
      const bareRemoval: number[] = [];
      let resultText = '';
      let pageCallsAfter: Record<string, number> = {};
      for (let i = 0; i < warmup + runs; i++) {
        // The floor, paired with this round's purge: the same files removed and written again.
        if (i > 0) await page.evaluate(recreateEmpty, emptyPaths);
        const bareMs = await page.evaluate(removeBare, emptyPaths);
        await page.evaluate(recreateEmpty, emptyPaths);
        await refreshPanel(panel, false);
        await panel.click('[data-testid="purge-empty"]');
        await panel.waitForSelector('[data-testid="purge-confirm"]', { timeout: 30_000 });
        const run = await panel.evaluate(async (expected) => {
          const bench = (window as unknown as { __panelBench: PanelHelpers }).__panelBench;
          const t0 = performance.now();
          (bench.el('purge-confirm') as HTMLButtonElement).click();
          const deadline = t0 + 300_000;
          let result = 0;
          for (;;) {
            const state = bench.el('purge-result')?.getAttribute('data-state');
            if (!result && (state === 'done' || state === 'failed')) result = performance.now() - t0;
            const files = Number(bench.el('summary')?.getAttribute('data-files'));
            if (result && files === expected && bench.el('summary')?.getAttribute('data-state') === 'done') break;
            if (performance.now() > deadline) throw new Error(`the purge or the list's update did not finish: ${bench.el('purge-result')?.textContent ?? ''}`);
            await new Promise((r) => setTimeout(r, 5));
          }
          return { toResult: result, toList: performance.now() - t0, text: bench.el('purge-result')?.textContent ?? '', state: bench.el('purge-result')?.getAttribute('data-state') ?? '', longest: bench.longestSince(t0) };
        }, files - layout.empty);
        if (run.state !== 'done') throw new Error(`The purge failed: ${run.text}`);
        const before = await opfsCalls(page);
        await sleep(1000);
        pageCallsAfter = callsBetween(before, await opfsCalls(page));
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
        resultText = run.text.trim();
        log(`  purge ${i < warmup ? 'warm-up' : `run ${i - warmup + 1}`}: result ${run.toResult.toFixed(0)} ms, list updated ${run.toList.toFixed(0)} ms after confirm (the same files removed bare ${bareMs.toFixed(0)} ms; longest task ${run.longest.toFixed(0)} ms); "${resultText}"`);
        if (i < warmup) continue;
        toResult.push(run.toResult);
        toList.push(run.toList);
        purgeLongest.push(run.longest);
        bareRemoval.push(bareMs);
      }
      purge = { removed: emptyPaths.length, toResult: summarize(toResult), toUpdatedList: summarize(toList), bareRemoval: summarize(bareRemoval), longestTask: summarize(purgeLongest), resultText, pageCallsAfter };
    }

    return {
      files,
      layout,
      firstOpen: { listedMs, checkedMs },
      listed: summarize(listed),
      reload: { firstRow: summarize(reload.firstRow), listed: summarize(reload.listed) },
      heapListing: { cold: summarize(heap.cold), rescan: summarize(heap.rescan), reload: summarize(heap.reload) },
      checked: summarize(checked),
      rescan: summarize(rescan),
      bareWalk: summarize(walk),
      readWalk: summarize(readWalkMs),
      readWalkReads,
      walkConcurrency,
      workerWalk,
      longestTask: summarize(longest),
      longestRescanTask: summarize(longestRescan),
      pageStall: { bareWalk: summarize(stalls.bareWalk), cold: summarize(stalls.cold), rescan: summarize(stalls.rescan) },
      tracedRefresh: traced,
      filterKeystroke: summarize(typed.times),
      filterLongestTask: typed.longest,
      idle: { seconds: config.idleSeconds, liveOff, liveOn, liveUnavailable, liveLatencyMs },
      purge,
    };
  } finally {
    await bench.close();
    await server.close();
  }
}

export async function runPanelBench(config: BenchConfig, log: (line: string) => void, onVersion: (v: string) => void): Promise<PanelResult> {
  const root = mkdtempSync(join(tmpdir(), 'opfs-bench-page-'));
  try {
    for (const name of readdirSync(PAGES_DIR)) copyFileSync(join(PAGES_DIR, name), join(root, name));
    mkdirSync(join(root, 'fixtures'));
    await writeFixtures(join(root, 'fixtures'));
    const sizes: PanelSizeResult[] = [];
    for (const files of config.panelSizes) {
      log(` ${files.toLocaleString('en-US')} files in the page's OPFS, fresh browser`);
      sizes.push(await benchSize(config, files, root, log, onVersion));
    }
    return { sizes };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

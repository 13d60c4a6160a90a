/**
 * The panel at scale, in the real DevTools panel: rows before checks, no file read twice,
 * updates in place after a purge, Live mode, and a listing of 100,000 files. What the page's
 * OPFS is asked is counted in the page itself (tests/support/opfs-calls.ts).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { openDevToolsPanel } from '../support/devtools-panel';
import { serveStatic, type StaticServer } from '../support/static-server';
import { createParquetWriter, ordersSql } from '../support/parquet-fixtures';
import { allPanelRows, panelRows, press, setFilter, text, writePageFiles as writeFiles } from '../support/panel';
import { installPanelProbes, longTasksSince, probeMark, rescan, summaryLogSince } from '../support/panel-probes';
import { callsBetween, countOpfsCalls, opfsCalls, readsBetween } from '../support/opfs-calls';
import { poll } from '../support/poll';
import { screenshot } from '../support/screenshots';

const ROOT = resolve(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `files` (path → bytes, base64 on the wire) into the page's OPFS in one evaluation. */
async function removeFromPage(page: Page, path: string): Promise<void> {
  await page.evaluate(async (path) => {
    const segments = path.split('/');
    let dir = await navigator.storage.getDirectory();
    for (const segment of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(segment);
    await dir.removeEntry(segments.at(-1)!, { recursive: true });
  }, path);
}

async function clearPageOpfs(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true });
  });
}

/** Every row listed under `folder`. */
async function rowsUnder(panel: Frame, folder: string) {
  await setFilter(panel, `${folder}/`);
  return (await allPanelRows(panel)).filter((r) => r.path.startsWith(`${folder}/`));
}

const summaryOf = (panel: Frame) =>
  panel.$eval('[data-testid="summary"]', (e) => ({ state: e.getAttribute('data-state'), files: Number(e.getAttribute('data-files')), checked: Number(e.getAttribute('data-checked')) }));

describe('the panel at scale, in the real DevTools panel', () => {
  let chromium: LaunchedBrowser;
  let server: StaticServer;
  let page: Page;
  let devtools: Page;
  let panel: Frame;
  let parquet: { valid: Uint8Array; other: Uint8Array };
  const served = mkdtempSync(join(tmpdir(), 'opfs-scale-'));
  const shoot = (name: string) => screenshot(devtools, name);

  beforeAll(async () => {
    cpSync(join(ROOT, 'tests', 'fixtures', 'hostile-pages'), served, { recursive: true });
    const writer = await createParquetWriter();
    try {
      parquet = { valid: await writer.write(join(served, 'a.parquet'), ordersSql(0, 50)), other: await writer.write(join(served, 'b.parquet'), ordersSql(100, 80)) };
    } finally {
      writer.close();
    }
    server = await serveStatic(served);
    chromium = await launchWithExtension();
    page = await chromium.browser.newPage();
    await countOpfsCalls(page);
    await page.goto(`${server.url}/`);
    ({ devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${server.url}/`, { dock: 'undocked', inspected: page }));
    await devtools.setViewport({ width: 1200, height: 800 });
    await installPanelProbes(panel);
    // The scan the panel starts when it opens: over before a test writes files, or it
    // would read (and keep verdicts of) files a test is still writing.
    await panel.waitForSelector('[data-testid="summary"][data-state="done"]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    rmSync(served, { recursive: true, force: true });
  });

  /**
   * The page answers every read of a file named `name` `ms` late (the checks read files whole
   * by `arrayBuffer`) — or, with `statLate`, every `getFile()` of it, which the walk awaits:
   * on its own thread and in every worker it starts from a blob URL until `answerReadsInTime`
   * — the walk, and the reads that come with it, run in such a worker.
   */
  async function answerReadsLate(target: Page, name: string, ms: number, hook: (name: string, ms: number) => void = readLate): Promise<void> {
    await target.evaluate(hook, name, ms);
    await target.evaluate(
      (name, ms, install) => {
        const holder = window as unknown as { lateReads?: { name: string; ms: number; install: string } | null; createObjectURL?: typeof URL.createObjectURL };
        holder.lateReads = { name, ms, install };
        if (holder.createObjectURL) return;
        const createObjectURL = (holder.createObjectURL = URL.createObjectURL);
        URL.createObjectURL = function (blob: Blob | MediaSource) {
          const late = holder.lateReads;
          const script = late && blob instanceof Blob && /javascript/.test(blob.type);
          return createObjectURL.call(URL, script ? new Blob([`(${late.install})(${JSON.stringify(late.name)}, ${late.ms});\n`, blob], { type: blob.type }) : blob);
        };
      },
      name,
      ms,
      hook.toString(),
    );
  }

  /** Runs in the page and in its workers: reads of `name` wait `ms` first. */
  function readLate(name: string, ms: number): void {
    const holder = globalThis as unknown as { originalArrayBuffer?: typeof Blob.prototype.arrayBuffer };
    const original = (holder.originalArrayBuffer ??= Blob.prototype.arrayBuffer);
    Blob.prototype.arrayBuffer = async function (this: Blob) {
      if (this instanceof File && this.name === name) await new Promise((resolve) => setTimeout(resolve, ms));
      return original.call(this);
    };
  }

  /** Runs in a new document before its scripts: every worker it starts from a blob URL runs `install(name, ms)` first. */
  function holdInWorkers(install: string, name: string, ms: number): void {
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = function (blob: Blob | MediaSource) {
      const script = blob instanceof Blob && /javascript/.test(blob.type);
      return createObjectURL.call(URL, script ? new Blob([`(${install})(${JSON.stringify(name)}, ${ms});\n`, blob], { type: blob.type }) : blob);
    };
  }

  /** Runs in the page and in its workers: `getFile()` of `name` waits `ms` first, or until `answerReadsInTime`. */
  function statLate(name: string, ms: number): void {
    const holder = globalThis as unknown as { originalGetFile?: typeof FileSystemFileHandle.prototype.getFile };
    const original = (holder.originalGetFile ??= FileSystemFileHandle.prototype.getFile);
    let released = false;
    const waiting: (() => void)[] = [];
    new BroadcastChannel('answer-in-time').onmessage = () => {
      released = true;
      for (const wake of waiting.splice(0)) wake();
    };
    FileSystemFileHandle.prototype.getFile = async function (this: FileSystemFileHandle) {
      if (this.name === name && !released) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, ms);
        });
      }
      return original.call(this);
    };
  }

  async function answerReadsInTime(target: Page): Promise<void> {
    await target.evaluate(() => {
      const holder = window as unknown as { originalArrayBuffer?: typeof Blob.prototype.arrayBuffer; originalGetFile?: typeof FileSystemFileHandle.prototype.getFile; lateReads?: unknown };
      holder.lateReads = null;
      if (holder.originalArrayBuffer) Blob.prototype.arrayBuffer = holder.originalArrayBuffer;
      if (holder.originalGetFile) FileSystemFileHandle.prototype.getFile = holder.originalGetFile;
      // Workers answering getFile() late (statLate) answer now.
      new BroadcastChannel('answer-in-time').postMessage('now');
    });
  }

  /** `count` Parquet files under `folder`: valid ones, 0-byte ones and ones with broken footers, by index. */
  function mixedParquet(folder: string, count: number): { files: Record<string, Uint8Array>; expected: Record<string, string> } {
    const files: Record<string, Uint8Array> = {};
    const expected: Record<string, string> = {};
    for (let i = 0; i < count; i++) {
      const path = `${folder}/t${String(i).padStart(4, '0')}.parquet`;
      const kind = i % 4;
      if (kind === 0) {
        files[path] = new Uint8Array(0);
        expected[path] = 'empty';
      } else if (kind === 1) {
        const broken = parquet.valid.slice();
        broken[broken.length - 1] = 0x30; // the closing magic
        files[path] = broken;
        expected[path] = 'corrupt';
      } else {
        files[path] = i % 2 === 0 ? parquet.valid : parquet.other;
        expected[path] = 'ok';
      }
    }
    return { files, expected };
  }

  it('shows rows before the checks end, flags empty files from their size, then checks contents with pending rows saying so', async () => {
    await clearPageOpfs(page);
    const folders = ['north', 'south', 'east'];
    const expected: Record<string, string> = {};
    for (const folder of folders) {
      const mixed = mixedParquet(folder, 120);
      await writeFiles(page, mixed.files);
      Object.assign(expected, mixed.expected);
    }
    // Rows whose verdict is pending are shown as such: filtered for, they are in view. The
    // page answers the reads of one name a second late, so the checks last at least that long
    // however fast the machine reads the rest.
    await setFilter(panel, 'pending');
    await answerReadsLate(page, 't0002.parquet', 1000);
    const mark = await probeMark(panel);
    try {
      await rescan(panel);
    } finally {
      await answerReadsInTime(page);
    }
    const log = await summaryLogSince(panel, mark);
    const states = log.map((e) => e.state).filter((s, i, all) => s !== all[i - 1]);
    expect(states).toEqual(['running', 'checking', 'done']);
    // Rows were there before the contents were checked, and their verdicts said "pending".
    expect(log.some((e) => e.state !== 'done' && e.pendingRows > 0)).toBe(true);
    expect(log.find((e) => e.state === 'checking')!.text).toMatch(/checking \d[\d,]* of 270 files/);
    const summary = await summaryOf(panel);
    expect(summary).toEqual({ state: 'done', files: 360, checked: 270 });
    for (const folder of folders) {
      const rows = await rowsUnder(panel, folder);
      expect(Object.fromEntries(rows.map((r) => [r.path, r.status]))).toEqual(Object.fromEntries(Object.entries(expected).filter(([p]) => p.startsWith(`${folder}/`))));
    }
    await setFilter(panel, '');
  });

  it('a refresh keeps the listed rows on screen while it walks and shows its own once all are listed; a new document\'s rows appear while it walks', async () => {
    await clearPageOpfs(page);
    const named = (prefix: string, count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`behind/${prefix}-${String(i).padStart(4, '0')}.bin`, new Uint8Array([i % 256])]));
    await writeFiles(page, named('old', 3000));
    await rescan(panel);
    await setFilter(panel, '');
    // The storage changes wholesale: every file listed goes, others come.
    await removeFromPage(page, 'behind');
    await writeFiles(page, named('new', 3000));
    let mark = await probeMark(panel);
    await rescan(panel);
    let log = await summaryLogSince(panel, mark);
    const walking = log.filter((e) => e.state === 'running');
    expect(walking.length).toBeGreaterThan(0);
    // Never an empty list, never a row of the new listing while it walks: the last scan's rows, saying so.
    for (const entry of walking) {
      expect(entry.rows, JSON.stringify(entry)).toBeGreaterThan(0);
      expect(entry.firstPath, JSON.stringify(entry)).toMatch(/^behind\/old-/);
      expect(entry.text).toContain('the list shows the last scan until then');
    }
    expect(log.at(-1)).toMatchObject({ state: 'done', firstPath: expect.stringMatching(/^behind\/new-/) });
    expect(await summaryOf(panel)).toMatchObject({ state: 'done', files: 3000 });
    expect((await rowsUnder(panel, 'behind')).filter((r) => r.path.startsWith('behind/old-'))).toEqual([]);
    await setFilter(panel, '');

    // A new document (the page reloads): its listing replaces the old one's rows at once and fills while it walks.
    // Its walk holds one file for 1.5 s (in the walk's worker, hooked before the new document runs): rows are
    // shown while it still walks however fast the machine lists the rest.
    const listedAfterReload = async (since: { logIndex: number }) =>
      poll('the new document to be listed', 60_000, async () => {
        const entries = await summaryLogSince(panel, since);
        return entries.some((e) => e.state === 'running') && entries.at(-1)?.state === 'done' ? true : undefined;
      });
    const held = await page.evaluateOnNewDocument(holdInWorkers, statLate.toString(), 'new-1500.bin', 1500);
    mark = await probeMark(panel);
    try {
      await page.reload();
      await listedAfterReload(mark);
    } finally {
      await page.removeScriptToEvaluateOnNewDocument(held.identifier);
    }
    log = await summaryLogSince(panel, mark);
    const first = log.findIndex((e) => e.state === 'running');
    expect(log[first].rows).toBe(0);
    // The hold took: the walk ran at least that long.
    const walked = log.find((e, i) => i > first && e.state !== 'running');
    expect(walked!.t - log[first].t).toBeGreaterThanOrEqual(1400);
    expect(log.some((e) => e.state === 'running' && e.rows > 0 && e.firstPath?.startsWith('behind/new-'))).toBe(true);
    expect(log.some((e) => e.text.includes('the list shows the last scan'))).toBe(false);
    expect(await summaryOf(panel)).toMatchObject({ state: 'done', files: 3000 });
    // A document without the hold, for the tests after this one.
    const clean = await probeMark(panel);
    await page.reload();
    await listedAfterReload(clean);
  });

  it('what is deleted or renamed while a refresh walks behind the rows shown is so in the listing that replaces them', async () => {
    await clearPageOpfs(page);
    const kept = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`during/keep-${i}.bin`, new Uint8Array([i])]));
    await writeFiles(page, { ...kept, 'during/gone.bin': new Uint8Array([1]), 'during/old-name.bin': new Uint8Array([2]), 'during/zz-slow.bin': new Uint8Array([3]) });
    await rescan(panel);
    await setFilter(panel, 'during/');
    const actionAfter = async (after: number) => {
      await poll('the file action to finish', 30_000, () =>
        panel.evaluate((after) => {
          const e = document.querySelector('[data-testid="action-result"]');
          const state = e?.getAttribute('data-state');
          return e && Number(e.getAttribute('data-action')) > after && (state === 'done' || state === 'failed') ? true : undefined;
        }, after),
      );
      return panel.$eval('[data-testid="action-result"]', (e) => ({ n: Number(e.getAttribute('data-action')), text: `${e.getAttribute('data-state')}: ${e.textContent}` }));
    };
    // The row in view first: the list renders only the rows in view.
    const choose = async (path: string) => {
      await setFilter(panel, path);
      await panel.evaluate((path) => {
        const row = Array.from(document.querySelectorAll('[data-testid="file-row"]')).find((r) => r.getAttribute('data-path') === path);
        if (!row) throw new Error(`no row for ${path}`);
        row.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      }, path);
    };
    const key = (name: string) => panel.$eval('[data-testid="file-list"]', (list, name) => list.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true })), name);
    const behind = () => panel.$eval('[data-testid="summary"]', (e) => e.getAttribute('data-state') === 'running' && (e.textContent ?? '').includes('the list shows the last scan'));
    // The refresh's walk waits for one file until the test lets it go: the actions below run while it walks, after it has listed the files they change.
    await answerReadsLate(page, 'zz-slow.bin', 120_000, statLate);
    try {
      const seen = await panel.$eval('[data-testid="action-result"]', (e) => Number(e.getAttribute('data-action'))).catch(() => 0);
      await panel.$eval('[data-testid="refresh"]', (button) => (button as HTMLButtonElement).click());
      await poll('the refresh to walk behind the rows shown', 10_000, async () => ((await behind()) ? true : undefined));
      await sleep(500);
      await choose('during/gone.bin');
      await key('Delete');
      await panel.waitForSelector('[data-testid="confirm-ok"]');
      await panel.click('[data-testid="confirm-ok"]');
      const deleted = await actionAfter(seen);
      expect(deleted.text).toMatch(/^done: Deleted 1 file/);
      await choose('during/old-name.bin');
      await key('F2');
      await panel.waitForSelector('[data-testid="rename-input"]');
      await panel.$eval('[data-testid="rename-input"]', (field) => {
        (field as HTMLInputElement).value = 'new-name.bin';
        ((field as HTMLInputElement).form as HTMLFormElement).requestSubmit();
      });
      expect((await actionAfter(deleted.n)).text).toBe('done: Renamed during/old-name.bin to new-name.bin.');
      expect(await behind()).toBe(true);
      await setFilter(panel, 'during/');
      await shoot('refresh-behind');
    } finally {
      await answerReadsInTime(page);
    }
    await poll('the refresh to finish', 30_000, async () => ((await summaryOf(panel)).state === 'done' ? true : undefined));
    const rows = (await rowsUnder(panel, 'during')).map((r) => r.path).sort();
    expect(rows).toEqual([...Object.keys(kept), 'during/new-name.bin', 'during/zz-slow.bin'].sort());
    expect(await summaryOf(panel)).toMatchObject({ state: 'done', files: 62 });
    await setFilter(panel, '');
  });

  it('reads no file again on a rescan of an unchanged storage, and only the changed files after a change', async () => {
    await clearPageOpfs(page);
    const { files } = mixedParquet('keep', 80);
    await writeFiles(page, files);
    await rescan(panel);
    let before = await opfsCalls(page);
    await rescan(panel);
    let after = await opfsCalls(page);
    expect(readsBetween(before, after)).toEqual([]);
    expect(callsBetween(before, after)['FileSystemFileHandle.getFile']).toBe(80);
    // The walk ran in a worker of the page: its calls kept off the page's own thread.
    expect(callsBetween(before, after).worker).toBeGreaterThanOrEqual(80);

    // The family of changes: same size new bytes, another size, a new name, a file replaced
    // by a folder, a folder replaced by a file. Each changed file is read once; no other is.
    const sameSize = parquet.valid.slice();
    sameSize[sameSize.length - 2] = 0x31; // still the same length, now a broken magic
    await sleep(20); // a later modification time
    await writeFiles(page, { 'keep/t0002.parquet': sameSize, 'keep/t0003.parquet': parquet.valid, 'keep/renamed.parquet': parquet.other });
    await removeFromPage(page, 'keep/t0006.parquet');
    await writeFiles(page, { 'keep/t0006.parquet/inner.parquet': parquet.valid });
    before = await opfsCalls(page);
    await rescan(panel);
    after = await opfsCalls(page);
    expect(new Set(readsBetween(before, after))).toEqual(new Set(['t0002.parquet', 't0003.parquet', 'renamed.parquet', 'inner.parquet']));
    const rows = Object.fromEntries((await rowsUnder(panel, 'keep')).map((r) => [r.path, r.status]));
    expect(rows['keep/t0002.parquet']).toBe('corrupt');
    expect(rows['keep/t0003.parquet']).toBe('ok');
    expect(rows['keep/renamed.parquet']).toBe('ok');
    expect(rows['keep/t0006.parquet/inner.parquet']).toBe('ok');
    expect(rows['keep/t0006.parquet']).toBeUndefined();
    await setFilter(panel, '');
  });

  it('after a purge, drops exactly the removed files from the list without walking the storage again', async () => {
    await clearPageOpfs(page);
    const { files, expected } = mixedParquet('purge', 200);
    await writeFiles(page, files);
    await rescan(panel);
    const empties = Object.keys(expected).filter((p) => expected[p] === 'empty');
    const before = await opfsCalls(page);
    const mark = await probeMark(panel);
    await press(panel, '[data-testid="purge-empty"]');
    await panel.waitForSelector('[data-testid="purge-confirm"]');
    await press(panel, '[data-testid="purge-confirm"]');
    await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]');
    await poll('the list to drop the purged files', 10_000, async () => ((await summaryOf(panel)).files === 150 ? true : undefined));
    const after = await opfsCalls(page);
    const delta = callsBetween(before, after);
    // No folder was listed again: the purge resolved each target itself.
    expect(delta['FileSystemDirectoryHandle.entries'] ?? 0).toBe(0);
    expect(delta['FileSystemDirectoryHandle.values'] ?? 0).toBe(0);
    expect(delta['FileSystemDirectoryHandle.removeEntry']).toBe(empties.length);
    expect((await summaryLogSince(panel, mark)).some((e) => e.state === 'running')).toBe(false);
    const rows = await rowsUnder(panel, 'purge');
    expect(rows.map((r) => r.path).sort()).toEqual(Object.keys(expected).filter((p) => expected[p] !== 'empty').sort());
    expect(await text(panel, 'summary')).not.toMatch(/empty/);
    expect(await panel.$('[data-testid="refresh"]:not([disabled])')).not.toBeNull();
    await setFilter(panel, '');
  });

  it('with Live on, shows what the page writes, moves and removes without a refresh, and asks nothing of an idle page', async () => {
    await clearPageOpfs(page);
    await writeFiles(page, { 'live/start.parquet': parquet.valid });
    await rescan(panel);
    // Idle with Live off: nothing asked of the page's storage.
    let before = await opfsCalls(page);
    await sleep(2500);
    expect(callsBetween(before, await opfsCalls(page))).toEqual({});

    await press(panel, '[data-testid="live"]');
    await panel.waitForSelector('[data-testid="live"][data-live="on"]');
    const mark = await probeMark(panel);
    const statusOf = async (path: string) => (await rowsUnder(panel, 'live')).find((r) => r.path === path)?.status;
    const waitFor = (what: string, path: string, status: string | undefined) =>
      poll(what, 15_000, async () => ((await statusOf(path)) === status ? true : undefined));

    await writeFiles(page, { 'live/new.parquet': parquet.other, 'live/zero.parquet': new Uint8Array(0) });
    await waitFor('the written file to appear, checked', 'live/new.parquet', 'ok');
    await waitFor('the empty file to appear', 'live/zero.parquet', 'empty');
    await writeFiles(page, { 'live/deep/a/b.parquet': parquet.valid });
    await waitFor('a file in new folders to appear', 'live/deep/a/b.parquet', 'ok');
    await page.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('live');
      const handle = await dir.getFileHandle('new.parquet');
      await (handle as unknown as { move(name: string): Promise<void> }).move('moved.parquet');
    });
    await waitFor('the moved file to appear under its new name', 'live/moved.parquet', 'ok');
    expect(await statusOf('live/new.parquet')).toBeUndefined();
    const broken = parquet.valid.slice(0, parquet.valid.length - 3);
    await writeFiles(page, { 'live/start.parquet': broken });
    await waitFor('the rewritten file to be checked again', 'live/start.parquet', 'corrupt');
    await removeFromPage(page, 'live/zero.parquet');
    await waitFor('the removed file to leave', 'live/zero.parquet', undefined);
    await removeFromPage(page, 'live/deep');
    await waitFor('the removed folder to take its files along', 'live/deep/a/b.parquet', undefined);
    // None of it rescanned the storage.
    expect((await summaryLogSince(panel, mark)).some((e) => e.state === 'running')).toBe(false);
    expect(await summaryOf(panel)).toMatchObject({ state: 'done', files: 2 });
    await shoot('panel-live');

    // Idle with Live on: the panel collects the record once a second, which touches no file.
    await sleep(1500);
    before = await opfsCalls(page);
    await sleep(3000);
    expect(callsBetween(before, await opfsCalls(page))).toEqual({});

    // Off again: the page's changes wait for a refresh.
    await press(panel, '[data-testid="live"]');
    await panel.waitForSelector('[data-testid="live"][data-live="off"]');
    await writeFiles(page, { 'live/later.parquet': parquet.valid });
    await sleep(2500);
    expect(await statusOf('live/later.parquet')).toBeUndefined();
    await setFilter(panel, '');
  });

  it('a live update still running when Refresh is clicked never puts the older list back', async () => {
    await clearPageOpfs(page);
    await writeFiles(page, { 'live/start.parquet': parquet.valid });
    await rescan(panel);
    // The page answers the read of one file 3 s late: the live update that checks it is still running after the Refresh.
    await answerReadsLate(page, 'late.parquet', 3000);
    try {
      await press(panel, '[data-testid="live"]');
      await panel.waitForSelector('[data-testid="live"][data-live="on"]');
      await writeFiles(page, { 'live/late.parquet': parquet.other });
      await poll('the written file to be listed live', 15_000, async () => ((await rowsUnder(panel, 'live')).some((r) => r.path === 'live/late.parquet') ? true : undefined));
      await press(panel, '[data-testid="live"]');
      await panel.waitForSelector('[data-testid="live"][data-live="off"]');
      await removeFromPage(page, 'live/late.parquet');
      await rescan(panel);
      expect(await summaryOf(panel)).toMatchObject({ state: 'done', files: 1 });
      // The live update's read answers, and it finishes: the list on screen stays the Refresh's.
      await sleep(4000);
      expect(await summaryOf(panel)).toMatchObject({ state: 'done', files: 1 });
      expect((await rowsUnder(panel, 'live')).map((r) => r.path)).toEqual(['live/start.parquet']);
    } finally {
      await setFilter(panel, '');
      await answerReadsInTime(page);
    }
  });

  it('lists 100,000 files, filters them, and stays responsive while it does', async () => {
    await clearPageOpfs(page);
    const creating = Date.now();
    const withContent = await page.evaluate(() =>
      (window as unknown as { opfsFixtures: { createFiles(o: object): Promise<Record<string, number>> } }).opfsFixtures.createFiles({ count: 100_000, folders: 18, concurrency: 512, contentEvery: 50 }),
    );
    console.info(`100,000 files created in ${Date.now() - creating} ms`);
    const listing = Date.now();
    const mark = await probeMark(panel);
    // While it lists, the panel answers: the filter box takes input and the summary counts up.
    await press(panel, '[data-testid="refresh"]');
    const seen = new Set<number>();
    await poll('the listing of 100,000 files', 240_000, async () => {
      const summary = await summaryOf(panel);
      seen.add(summary.files);
      return summary.state === 'done' ? true : undefined;
    });
    console.info(`100,000 files listed and checked in ${Date.now() - listing} ms`);
    expect(seen.size).toBeGreaterThan(2);
    expect(await summaryOf(panel)).toMatchObject({ state: 'done', files: 100_000 });
    expect(await panel.$eval('[role="grid"]', (e) => Number(e.getAttribute('aria-rowcount')))).toBe(100_000);
    await setFilter(panel, 'd007/');
    const inFolder = Math.ceil((100_000 - 7) / 18);
    expect(await panel.$eval('[role="grid"]', (e) => Number(e.getAttribute('aria-rowcount')))).toBe(inFolder);
    const rows = await panelRows(panel);
    for (const row of rows) expect(row.size).toBe(withContent[row.path] ?? 0);
    const tasks = await longTasksSince(panel, mark);
    console.info(`100,000 files: longest panel task ${Math.max(0, ...tasks.map((t) => t.duration)).toFixed(0)} ms (${tasks.length} tasks over 50 ms)`);
    await shoot('panel-100k');
    await setFilter(panel, '');

    // A listing this large is not kept behind a refresh (two at once cost the heap more than the rows save): the refresh starts from an empty list.
    const refreshing = await probeMark(panel);
    await press(panel, '[data-testid="refresh"]');
    const started = await poll('the refresh of 100,000 files to start', 30_000, async () => (await summaryLogSince(panel, refreshing)).find((e) => e.state === 'running'));
    expect(started.rows, JSON.stringify(started)).toBe(0);
    expect(started.text).not.toContain('the list shows the last scan');
  }, 300_000);
});

/**
 * The core promise, as a user meets it in the panel: nothing is deleted that the user
 * did not confirm (a damaged manifest, a renamed part, a staged copy whose import died, a
 * broken snapshot), imports queue and each says how it ended, a purge cut short by a
 * reload says what it did, two purges of one origin report each other's removals as such.
 * The page cases run in the real DevTools panel; the extension's storage in the panel page
 * opened in a tab (the same panel; DevTools lists the extension's storage the same way).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Frame, Page } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { openDevToolsPanel } from '../support/devtools-panel';
import { serveStatic, type StaticServer } from '../support/static-server';
import { writeMixedCsv } from '../support/sample-csv';
import { restoredTableName } from '../../src/snapshot/names';
import { createParquetWriter, ordersSql } from '../support/parquet-fixtures';
import { pollExpression, purgeExpression } from '../../panel/page-expressions';
import { parsePoll, parsePurgeEntry, parsePurgeResult, requestedPaths } from '../../src/opfs/page-answers';
import type { PurgeEntry } from '../../src/opfs/scan-types';
import { call, listOpfs, openExtensionPage, readOpfsFile, stageFromUrl, writeOpfsBytes, writeOpfsText } from '../support/extension-page';
import { opfsFilesOf, panelRows, press, setFilter, text, writePageFiles } from '../support/panel';
import { walBytes } from '../support/format-bytes';
import { installPanelProbes, rescan } from '../support/panel-probes';
import { screenshot } from '../support/screenshots';

const ROOT = resolve(import.meta.dirname, '..', '..');

async function uploadFiles(panel: Frame | Page, paths: string[]): Promise<void> {
  const input = await panel.waitForSelector('input[data-testid="csv-input"]');
  await input!.uploadFile(...paths);
}

/** Every import entry the panel shows, newest first. */
async function importEntries(panel: Frame | Page) {
  return panel.$$eval('[data-testid="import-status"]', (items) =>
    items.map((e) => ({ state: e.getAttribute('data-state'), file: e.getAttribute('data-file-name'), id: e.getAttribute('data-snapshot-id'), text: e.textContent ?? '' })),
  );
}

async function settle(panel: Frame | Page): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await panel.waitForSelector('[data-testid="summary"][data-state="done"], [data-testid="summary"][data-state="failed"]', { timeout: 60_000 });
  return panel.$eval('[data-testid="summary"]', (e) => e.textContent ?? '');
}

/** Clicks Refresh and answers the summary of the scan that click started (not of an earlier one). */
async function refreshPanel(panel: Frame | Page): Promise<string> {
  await installPanelProbes(panel);
  const settled = await rescan(panel);
  return settled.text;
}

describe('the core promise, in the real DevTools panel on a page', () => {
  let chromium: LaunchedBrowser;
  let server: StaticServer;
  let page: Page;
  let devtools: Page;
  let panel: Frame;
  const served = mkdtempSync(join(tmpdir(), 'opfs-core-panel-'));
  const shoot = (name: string) => screenshot(devtools, name);

  beforeAll(async () => {
    cpSync(join(ROOT, 'tests', 'fixtures', 'hostile-pages'), served, { recursive: true });
    server = await serveStatic(served);
    chromium = await launchWithExtension();
    page = await chromium.browser.newPage();
    await page.goto(`${server.url}/`);
    ({ devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${server.url}/`, { dock: 'undocked', inspected: page }));
    await devtools.setViewport({ width: 1200, height: 800 });
    await settle(panel);
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    rmSync(served, { recursive: true, force: true });
  });

  /** Creates `count` empty `.parquet` files under `folder` in the page's OPFS, many at once. */
  const emptyParquetFiles = (folder: string, count: number) =>
    page.evaluate(
      async (folder, count) => {
        let dir = await navigator.storage.getDirectory();
        for (const segment of folder.split('/')) dir = await dir.getDirectoryHandle(segment, { create: true });
        const names = Array.from({ length: count }, (_, i) => `e${String(i).padStart(5, '0')}.parquet`);
        for (let i = 0; i < names.length; i += 200) await Promise.all(names.slice(i, i + 200).map((n) => dir.getFileHandle(n, { create: true })));
      },
      folder,
      count,
    );

  it('says in words, with the plural right, what one purge will delete', async () => {
    await page.evaluate(() => (window as unknown as { opfsFixtures: { writeFile(p: string, c: number): Promise<string> } }).opfsFixtures.writeFile('one/lonely.parquet', 0));
    await refreshPanel(panel);
    await press(panel, '[data-testid="purge-empty"]');
    await panel.waitForSelector('[data-testid="purge-dialog"]');
    expect(await text(panel, 'purge-empty')).toBe('Purge 1 empty file');
    expect(await panel.$eval('#purge-title', (e) => e.textContent)).toMatch(/^Delete 1 empty file \(0 B\) from the inspected page\?$/);
    expect(await text(panel, 'purge-confirm')).toBe('Delete 1 file');
    await press(panel, '[data-testid="purge-confirm"]');
    await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]');
    expect(await text(panel, 'purge-result')).toMatch(/^Removed 1 empty file, freed 0 B\.$/);
  });

  it('when the page reloads mid-purge, says how many files were removed before and how many were not touched', async () => {
    const total = 4000;
    await emptyParquetFiles('reload', total);
    await refreshPanel(panel);
    await press(panel, '[data-testid="purge-empty"]');
    await press(panel, '[data-testid="purge-confirm"]');
    // Reload once the purge is well under way (its progress bar past 15%).
    await panel.waitForFunction(() => Number(document.querySelector<HTMLProgressElement>('[data-testid="purge-result"] progress')?.value ?? 0) > 0.15, { polling: 20, timeout: 60_000 });
    await page.reload();
    await panel.waitForSelector('[data-testid="purge-result"][data-state="failed"]', { timeout: 60_000 });
    const message = await text(panel, 'purge-result');
    const match = /^The page reloaded or navigated during the purge, which stopped it\. Of the ([\d,]+) files confirmed, ([\d,]+) files? of them (?:is|are) gone and ([\d,]+) are still there, untouched\.$/.exec(message);
    expect(match, message).not.toBeNull();
    const [confirmed, gone, stillThere] = match!.slice(1).map((n) => Number(n.replaceAll(',', '')));
    const left = Object.keys(await opfsFilesOf(page, 'reload')).length;
    expect(confirmed).toBe(total);
    expect(gone).toBeGreaterThan(0);
    expect(stillThere).toBe(left);
    expect(gone).toBe(total - left);
    await shoot('core-purge-interrupted');
    await settle(panel);
  });

  it('two purges of one origin at once: every file removed exactly once, the other reports it as already removed, never as held open', async () => {
    const total = 1500;
    await emptyParquetFiles('twice', total);
    const targets = Array.from({ length: total }, (_, i) => ({ path: `twice/e${String(i).padStart(5, '0')}.parquet`, size: 0 }));
    // The very expressions the panel sends, twice at once, as two DevTools windows would.
    expect(await page.evaluate(purgeExpression('first', targets))).toBe('started');
    expect(await page.evaluate(purgeExpression('second', [...targets].reverse()))).toBe('started');
    const results: Record<string, PurgeEntry[]> = {};
    const allowed = requestedPaths(targets);
    for (const id of ['first', 'second']) {
      for (let seen = 0; ; ) {
        const state = parsePoll(await page.evaluate(pollExpression(id, seen)), (r) => parsePurgeResult(r, targets), (e, what) => parsePurgeEntry(e, what, allowed));
        if (state.state === 'running') seen += state.entries.length;
        if (state.state === 'done') {
          results[id] = state.result.results;
          break;
        }
        expect(state.state).toBe('running');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const outcomes = [...results.first, ...results.second];
    expect(outcomes.filter((r) => r.outcome === 'locked' || r.outcome === 'failed').slice(0, 3)).toEqual([]);
    const removed = outcomes.filter((r) => r.outcome === 'removed').map((r) => r.path);
    expect(new Set(removed).size).toBe(removed.length);
    expect(removed.length).toBe(total);
    expect(Object.keys(await opfsFilesOf(page, 'twice'))).toEqual([]);
  });

  it('removes a broken snapshot of the page only through a confirmation that lists its files, and nothing else; says when it could not remove them all', async () => {
    const writer = await createParquetWriter();
    const work = mkdtempSync(join(tmpdir(), 'opfs-core-parts-'));
    const write = (files: Record<string, string>) =>
      page.evaluate(async (files) => {
        for (const [path, base64] of Object.entries(files)) {
          const segments = path.split('/');
          let dir = await navigator.storage.getDirectory();
          for (const s of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(s, { create: true });
          const writable = await (await dir.getFileHandle(segments.at(-1)!, { create: true })).createWritable();
          await writable.write(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
          await writable.close();
        }
      }, files);
    let snapshotFiles: Record<string, string> = {};
    try {
      const parts = [0, 1, 2].map((i) => writer.write(join(work, `p${i}.parquet`), ordersSql(i * 100, 100)));
      const bytes = await Promise.all(parts);
      const manifest = {
        formatVersion: 1, snapshotId: 'orders', sourceName: 'orders.csv', rowCount: 300, schema: [{ name: 'order_id', type: 'BIGINT' }],
        parts: bytes.map((b, i) => ({ name: `orders_part_${i}.parquet`, rows: 100, bytes: b.length })),
        checksum: { algorithm: 'duckdb-hash-sum-v1', value: '1' }, compression: 'ZSTD', rowGroupSize: 100_000, rowsPerPart: 100, createdAt: '2026-12-01T00:00:00.000Z',
      };
      const files: Record<string, string> = {
        'app/snaps/orders_part_0.parquet': Buffer.from(bytes[0]).toString('base64'),
        'app/snaps/orders_part_2.parquet': Buffer.from(bytes[2]).toString('base64'), // part 1 is missing
        'app/snaps/orders.manifest.json': Buffer.from(JSON.stringify(manifest)).toString('base64'),
        'app/snaps/orders-copy.parquet': Buffer.from(bytes[1]).toString('base64'),
        'app/snaps/other_part_0.parquet': Buffer.from(bytes[1]).toString('base64'),
      };
      await write(files);
      snapshotFiles = Object.fromEntries(Object.entries(files).filter(([path]) => /\/orders(_part_\d\.parquet|\.manifest\.json)$/.test(path)));
    } finally {
      writer.close();
      rmSync(work, { recursive: true, force: true });
    }
    await refreshPanel(panel);
    await setFilter(panel, 'app/');
    const listed = await panelRows(panel);
    const statusOf = (path: string) => listed.find((r) => r.path === path)?.status;
    expect(statusOf('app/snaps/orders_part_0.parquet')).toBe('incomplete');
    expect(statusOf('app/snaps/orders.manifest.json')).toBe('incomplete');
    // A copy under another name is not part of that snapshot: it stays out of its deletion.
    expect(statusOf('app/snaps/orders-copy.parquet')).toBe('incomplete');
    const before = await opfsFilesOf(page, 'app');
    await press(panel, '[data-testid="snapshot-row"][data-snapshot-id="orders"] [data-testid="delete-snapshot"]');
    await panel.waitForSelector('[data-testid="confirm-dialog"]');
    const dialog = await text(panel, 'confirm-dialog');
    expect(dialog).toMatch(/Delete snapshot orders \(3 files, [\d.]+ [KM]?i?B\) from the inspected page\?/);
    for (const path of ['app/snaps/orders_part_0.parquet', 'app/snaps/orders_part_2.parquet', 'app/snaps/orders.manifest.json']) expect(dialog).toContain(path);
    expect(dialog).not.toContain('orders-copy');
    await shoot('core-delete-broken-snapshot');
    await press(panel, '[data-testid="confirm-ok"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"], [data-testid="snapshot-action"][data-state="failed"]');
    expect(await panel.$eval('[data-testid="snapshot-action"]', (e) => `${e.getAttribute('data-state')}: ${e.textContent}`)).toMatch(/^done: Deleted orders: removed 3 files\.$/);
    const after = await opfsFilesOf(page, 'app');
    const expected = { ...before };
    for (const path of ['app/snaps/orders_part_0.parquet', 'app/snaps/orders_part_2.parquet', 'app/snaps/orders.manifest.json']) delete expected[path];
    expect(after).toEqual(expected);

    // Again, and between the question and OK the app puts a folder where a part was: the
    // files go at once, so the result says what could not go and what did, not "deleted".
    await write(snapshotFiles);
    await refreshPanel(panel);
    await press(panel, '[data-testid="snapshot-row"][data-snapshot-id="orders"] [data-testid="delete-snapshot"]');
    await panel.waitForSelector('[data-testid="confirm-dialog"]');
    await page.evaluate(async () => {
      const snaps = await (await (await navigator.storage.getDirectory()).getDirectoryHandle('app')).getDirectoryHandle('snaps');
      await snaps.removeEntry('orders_part_2.parquet');
      await (await snaps.getDirectoryHandle('orders_part_2.parquet', { create: true })).getFileHandle('app-data.bin', { create: true });
    });
    await press(panel, '[data-testid="confirm-ok"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"], [data-testid="snapshot-action"][data-state="failed"]');
    expect(await panel.$eval('[data-testid="snapshot-action"]', (e) => `${e.getAttribute('data-state')}: ${e.textContent}`)).toMatch(
      /^failed: .*Snapshot orders was not deleted whole: it has 1 file that could not be removed \(app\/snaps\/orders_part_2\.parquet: TypeMismatchError: .*\); 2 files of it were removed\. Delete it again once that is resolved\./,
    );
    expect(Object.keys(await opfsFilesOf(page, 'app/snaps/orders_part_2.parquet'))).toEqual(['app/snaps/orders_part_2.parquet/app-data.bin']);
  });

  // Listed, a snapshot lacks its part 1 and a log its database; the user opens the purge;
  // before OK the app writes the part and creates the database. What made those files
  // purgeable is gone: the purge keeps them, and their rows say what they are now.
  it('a purge keeps files whose reason went away after the listing (the missing part written, the database created), and lists them anew', async () => {
    const writer = await createParquetWriter();
    const work = mkdtempSync(join(tmpdir(), 'opfs-core-premises-'));
    let parts: Uint8Array[];
    try {
      parts = await Promise.all([0, 1, 2].map((i) => writer.write(join(work, `p${i}.parquet`), ordersSql(i * 100, 100))));
    } finally {
      writer.close();
      rmSync(work, { recursive: true, force: true });
    }
    await writePageFiles(page, { 'late/inv_part_0.parquet': parts[0], 'late/inv_part_2.parquet': parts[2], 'late/app.db-wal': walBytes(4096, 2) });
    await refreshPanel(panel);
    await setFilter(panel, 'late/');
    const statusOf = async () => Object.fromEntries((await panelRows(panel)).map((r) => [r.path, r.status]));
    expect(await statusOf()).toEqual({ 'late/inv_part_0.parquet': 'incomplete', 'late/inv_part_2.parquet': 'incomplete', 'late/app.db-wal': 'orphan' });
    for (const category of ['incomplete', 'orphan']) {
      await press(panel, `[data-testid="purge-${category}"]`);
      await panel.waitForSelector('[data-testid="purge-dialog"]');
      await writePageFiles(page, category === 'incomplete' ? { 'late/inv_part_1.parquet': parts[1] } : { 'late/app.db': new TextEncoder().encode('SQLite format 3\0') });
      await press(panel, '[data-testid="purge-confirm"]');
      await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]');
      expect(await text(panel, 'purge-result')).toMatch(new RegExp(`^Removed 0 .*, freed 0 B\\. ${category === 'incomplete' ? 2 : 1} kept: changed since they were listed\\.$`));
    }
    expect(Object.keys(await opfsFilesOf(page, 'late')).sort()).toEqual(['late/app.db', 'late/app.db-wal', 'late/inv_part_0.parquet', 'late/inv_part_1.parquet', 'late/inv_part_2.parquet']);
    // Listed anew in place (no rescan): the snapshot whole, the log beside its database.
    const now = await statusOf();
    expect(now['late/inv_part_0.parquet']).toBe('ok');
    expect(now['late/inv_part_1.parquet']).toBe('ok');
    expect(now['late/inv_part_2.parquet']).toBe('ok');
    expect(now['late/app.db-wal']).not.toBe('orphan');
    await shoot('core-purge-kept-premises');
    await setFilter(panel, '');
  });
});

describe('the core promise, in the panel on the extension storage', () => {
  let chromium: LaunchedBrowser;
  let server: StaticServer;
  let driver: Page;
  let panel: Page;
  const work = mkdtempSync(join(tmpdir(), 'opfs-core-ext-'));
  const shoot = (name: string) => screenshot(panel, name);

  async function openPanelTab(browser: Browser, extensionId: string): Promise<Page> {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1200, height: 800 });
    await tab.goto(`chrome-extension://${extensionId}/panel/panel.html`);
    await settle(tab);
    return tab;
  }

  beforeAll(async () => {
    server = await serveStatic(work);
    chromium = await launchWithExtension();
    driver = await openExtensionPage(chromium.browser, chromium.extensionId);
    panel = await openPanelTab(chromium.browser, chromium.extensionId);
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('imports every file chosen at once, in turn, each with its own result, under its own id', async () => {
    const a = join(work, 'a', 'orders.csv');
    const b = join(work, 'b', 'orders.csv');
    const c = join(work, 'customers.csv');
    for (const [path, rows] of [[a, 3000], [b, 5000], [c, 700]] as const) {
      mkdirSync(join(path, '..'), { recursive: true });
      await writeMixedCsv(path, rows);
    }
    await uploadFiles(panel, [a, b, c]);
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="import-status"][data-state="done"]').length === 3, { timeout: 120_000, polling: 100 });
    const entries = await importEntries(panel);
    expect(entries.map((e) => e.state)).toEqual(['done', 'done', 'done']);
    const ids = entries.map((e) => e.id!);
    expect(new Set(ids).size).toBe(3);
    const rowsOf = Object.fromEntries(entries.map((e) => [e.id!, Number(/: ([\d,]+) rows/.exec(e.text)![1].replaceAll(',', ''))]));
    expect(Object.values(rowsOf).sort((x, y) => x - y)).toEqual([700, 3000, 5000]);
    for (const id of ids) expect((await call(driver, 'verifySnapshot', { snapshotId: id })).ok).toBe(true);
    await shoot('core-import-queue');
  });

  it('cancels a running import: it says so, and nothing of it is kept', async () => {
    const big = join(work, 'big-orders.csv');
    await writeMixedCsv(big, 1_500_000);
    const before = await listOpfs(driver, 'snapshots');
    await uploadFiles(panel, [big]);
    await panel.waitForFunction(() => /Encoding Parquet|Writing/.test(document.querySelector('[data-testid="import-status"]')?.textContent ?? ''), { timeout: 120_000, polling: 50 });
    await press(panel, '[data-testid="import-cancel"]');
    await panel.waitForSelector('[data-testid="import-status"][data-state="failed"]', { timeout: 60_000 });
    expect((await importEntries(panel))[0].text).toMatch(/was cancelled; nothing of it was kept/);
    await settle(panel);
    expect(await listOpfs(driver, 'snapshots')).toEqual(before);
    expect(await listOpfs(driver, 'staging')).toEqual([]);
  });

  it('says which header it used, and reads the first row as data when told to, replacing the snapshot once verified', async () => {
    const headerless = join(work, 'headerless.csv');
    writeFileSync(headerless, Array.from({ length: 50 }, (_, i) => `${i},2024-01-${String((i % 28) + 1).padStart(2, '0')},item ${i}`).join('\n') + '\n');
    await uploadFiles(panel, [headerless]);
    await panel.waitForSelector('[data-testid="import-status"][data-file-name="headerless.csv"][data-state="done"]', { timeout: 60_000 });
    const first = (await importEntries(panel))[0];
    expect(first.text).toMatch(/: 49 rows in 1 verified part/);
    expect(await text(panel, 'import-header')).toMatch(/^Column names from the first row: 0, 2024-01-01, item 0\. The first row looks like data, not names\.$/);
    await shoot('core-import-header');
    await press(panel, '[data-testid="import-header-toggle"]');
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="import-status"][data-file-name="headerless.csv"][data-state="done"]').length === 2, { timeout: 60_000 });
    const second = (await importEntries(panel))[0];
    expect(second.text).toMatch(/: 50 rows in 1 verified part/);
    expect(second.text).toContain(`It replaces ${first.id}.`);
    expect(await text(panel, 'import-header')).toMatch(/^No header row: the first row is data; columns are named column0/);
    const names = (await listOpfs(driver, 'snapshots')).map((f) => f.name);
    expect(names.some((n) => n.startsWith(`${first.id!}.`))).toBe(false);
    expect(names).toContain(`${second.id!}.manifest.json`);
  });

  it('never deletes a healthy part because its manifest was damaged, or because a copy looks like ours', async () => {
    const csv = join(work, 'damaged.csv');
    await writeMixedCsv(csv, 600_000);
    await uploadFiles(panel, [csv]);
    await panel.waitForSelector('[data-testid="import-status"][data-file-name="damaged.csv"][data-state="done"]', { timeout: 120_000 });
    const id = (await importEntries(panel))[0].id!;
    const parts = [0, 1, 2].map((i) => `${id}_part_${i}.parquet`);
    const partBytes = await Promise.all(parts.map((name) => readOpfsFile(driver, `snapshots/${name}`)));
    await writeOpfsBytes(driver, 'snapshots/my-backup-copy.parquet', partBytes[0]);
    await writeOpfsBytes(driver, `snapshots/${id}-old_part_0.parquet`, partBytes[1]);
    await writeOpfsText(driver, `snapshots/${id}.manifest.json`, '');
    await refreshPanel(panel);
    let rows = await panelRows(panel);
    expect(rows.find((r) => r.path === `snapshots/${id}.manifest.json`)?.status).toBe('corrupt');
    // "Purge 1 corrupt file" deletes that file — and the refresh after it nothing more.
    await press(panel, '[data-testid="purge-corrupt"]');
    await panel.waitForSelector('[data-testid="purge-dialog"]');
    expect(await text(panel, 'purge-dialog')).toContain(`snapshots/${id}.manifest.json`);
    await press(panel, '[data-testid="purge-confirm"]');
    await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]');
    await settle(panel);
    await refreshPanel(panel);
    // The engine starting anew sweeps too: still nothing.
    await driver.evaluate(() => chrome.offscreen.closeDocument());
    await refreshPanel(panel);
    rows = await panelRows(panel);
    for (const [i, name] of parts.entries()) {
      expect((await readOpfsFile(driver, `snapshots/${name}`)).equals(partBytes[i]), name).toBe(true);
      expect(rows.find((r) => r.path === `snapshots/${name}`)?.status, name).toBe('incomplete');
    }
    // Not a snapshot of ours, but it looks like one without a manifest: shown as such, never removed unasked.
    expect(rows.find((r) => r.path === 'snapshots/my-backup-copy.parquet')?.status).toBe('incomplete');
    expect((await listOpfs(driver, 'snapshots')).map((f) => f.name)).toEqual(expect.arrayContaining(['my-backup-copy.parquet', `${id}-old_part_0.parquet`]));
    expect(await panel.$('[data-testid="notice"]')).toBeNull();
    await shoot('core-damaged-manifest');
  });

  it('shows the tables the engine keeps and what they hold, and drops one on request', async () => {
    const id = (await importEntries(panel)).find((e) => e.file === 'orders.csv' && e.state === 'done')!.id!;
    await press(panel, `[data-testid="snapshot-row"][data-snapshot-id="${id}"] [data-testid="restore-snapshot"]`);
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"]', { timeout: 60_000 });
    expect(await text(panel, 'snapshot-action')).toMatch(/checksum matches the manifest .* The engine keeps the table until you drop it\./);
    const table = restoredTableName(id);
    await panel.waitForSelector(`[data-testid="engine-table"][data-table="${table}"]`);
    expect(await text(panel, 'engine-status')).toMatch(/^Engine: DuckDB v1\.\d+\.\d+, [\d.]+ [KMG]iB in use of its [\d.]+ GiB memory limit; keeps:/);
    await shoot('core-engine-tables');
    await press(panel, `[data-testid="engine-table"][data-table="${table}"] [data-testid="drop-table"]`);
    await panel.waitForFunction((t) => !document.querySelector(`[data-testid="engine-table"][data-table="${t}"]`), {}, table);
    expect((await call(driver, 'engineStatus', {})).tables.map((t) => t.name)).not.toContain(table);
  });

  it('restores snapshots whose ids differ only in punctuation into tables of their own', async () => {
    // Each of these once restored into restored_twin_a_b, each replacing the one before.
    const ids = ['twin-a-b', 'twin-a.b', 'twin-a_b', 'twin-a_b.1', 'twin-a-b-1'];
    for (const [i, snapshotId] of ids.entries()) {
      await call(driver, 'queryRows', { sql: `CREATE OR REPLACE TABLE twin_source AS SELECT range AS __row_id, range AS n FROM range(${i + 2})` });
      await call(driver, 'exportSnapshot', { table: 'twin_source', snapshotId, sourceName: snapshotId });
    }
    await call(driver, 'dropTable', { table: 'twin_source' });
    await refreshPanel(panel);
    const tables: string[] = [];
    for (const snapshotId of ids) {
      const before = await panel.$eval('[data-testid="snapshot-action"]', (e) => e.textContent ?? '').catch(() => '');
      await press(panel, `[data-testid="snapshot-row"][data-snapshot-id="${snapshotId}"] [data-testid="restore-snapshot"]`);
      await panel.waitForFunction(
        (was) => {
          const line = document.querySelector('[data-testid="snapshot-action"][data-state="done"]');
          return line !== null && line.textContent !== was;
        },
        { timeout: 60_000 },
        before,
      );
      const line = await text(panel, 'snapshot-action');
      const table = /into table (\S+):/.exec(line)?.[1];
      expect(line).toContain(`Restored ${snapshotId} into table`);
      tables.push(table!);
    }
    const kept = new Map((await call(driver, 'engineStatus', {})).tables.map((t) => [t.name, t.rows]));
    // Every snapshot kept its own rows: 2, 3, 4… in the order they were exported.
    expect(tables.map((t) => kept.get(t))).toEqual(ids.map((_, i) => i + 2));
    expect(new Set(tables.map((t) => t.toLowerCase())).size).toBe(ids.length);
    for (const table of tables) await call(driver, 'dropTable', { table });
  });

  it('flags a CSV copy whose import is in flight, and removes it once its copier is gone', async () => {
    const copier = await openExtensionPage(chromium.browser, chromium.extensionId);
    writeFileSync(join(work, 'partial.csv'), 'a,b\n1,2\n');
    await stageFromUrl(copier, `${server.url}/partial.csv`, 'staging/cut-short.csv');
    // The copier holds the copy's staging lock, as the panel does while it copies.
    await copier.evaluate(() => {
      void navigator.locks.request('opfs-snapshot-inspector:staging:cut-short.csv', { mode: 'shared' }, () => new Promise(() => undefined));
    });
    // Clicks in a tab that is not in front hang in headless Chromium (PLATFORM-NOTES).
    await panel.bringToFront();
    await refreshPanel(panel);
    expect((await panelRows(panel)).find((r) => r.path === 'staging/cut-short.csv')?.status).toBe('locked');
    await copier.close(); // the copier is gone, and its lock with it
    await panel.bringToFront();
    await new Promise((resolve) => setTimeout(resolve, 11_000)); // the sweep's grace for copies just made
    await refreshPanel(panel);
    expect((await panelRows(panel)).find((r) => r.path === 'staging/cut-short.csv')).toBeUndefined();
    expect(await text(panel, 'notice')).toMatch(/^Removed 1 leftover file of interrupted work: staging\/cut-short\.csv/);
    expect(await listOpfs(driver, 'staging')).toEqual([]);
  });
});

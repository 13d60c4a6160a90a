/**
 * The real DevTools panel, as a user drives it, against the demo app: listing with sizes
 * and flags, purging exactly the flagged files (checked by reading the page's OPFS
 * without the extension), and turning a CSV into a verified snapshot.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { startDemoServer, type DemoServer } from '../../scripts/serve-demo';
import { openDevToolsPanel } from '../support/devtools-panel';
import { opfsFilesOf, panelRows, refresh, text, waitForScan } from '../support/panel';
import { writeMixedCsv } from '../support/sample-csv';
import { lit, nativeDuckDB, rows } from '../support/native-duckdb';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'artifacts', 'screenshots');

describe('the OPFS Snapshots panel in DevTools, on the demo app', () => {
  let chromium: LaunchedBrowser;
  let demo: DemoServer;
  let page: Page;
  let devtools: Page;
  let panel: Frame;
  let expectations: { path: string; status: string }[];
  const work = mkdtempSync(join(tmpdir(), 'opfs-panel-test-'));

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    demo = await startDemoServer();
    chromium = await launchWithExtension({ devtools: true });
    page = await chromium.browser.newPage();
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expectations = await page.evaluate(() => (window as unknown as { demoExpectations: { path: string; status: string }[] }).demoExpectations);
    ({ devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${demo.url}/`, { dock: 'undocked' }));
    await devtools.setViewport({ width: 1200, height: 800 });
  });

  afterAll(async () => {
    await chromium?.close();
    await demo?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const shoot = (name: string) => devtools.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

  it('lists every file of the page with its exact size and the right flag, and says what needs attention', async () => {
    const summary = await waitForScan(panel);
    await shoot('panel-page-listing');
    const actual = await opfsFilesOf(page);
    const listed = await panelRows(panel);
    expect(listed.map((r) => r.path).sort()).toEqual(Object.keys(actual).sort());
    for (const row of listed) expect(row.size, row.path).toBe(actual[row.path]);
    for (const { path, status } of expectations) expect(listed.find((r) => r.path === path)?.status, path).toBe(status);
    const empty = expectations.filter((e) => e.status === 'empty').length;
    expect(summary).toContain(`${empty} empty Parquet files`);

    // The health check also shows on the toolbar badge: empty + corrupt files.
    const corrupt = expectations.filter((e) => e.status === 'corrupt').length;
    await expect.poll(() => panel.evaluate(() => chrome.action.getBadgeText({})), { timeout: 5000 }).toBe(String(empty + corrupt));

    // Details of a healthy part of the page: its footer (from the bytes the scan already
    // has) and its first rows (read by byte ranges from the page).
    await panel.click('[data-testid="file-row"][data-path="cleanslate/snapshots/orders-20260101_part_1.parquet"]');
    await panel.waitForSelector('[data-testid="preview"][data-kind="parquet"]', { timeout: 20_000 });
    expect(await text(panel, 'footer-details')).toMatch(/Parquet footer: 500 rows in 1 row group/);
    const preview = await panel.$$eval('[data-testid="preview"] tr', (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent)));
    expect(preview[0]).toEqual(['order_id', 'customer_id', 'amount', 'order_date', 'paid']);
    expect(preview).toHaveLength(21);
    expect(preview[1][0]).toBe('500'); // part 1 starts at order 500
    expect(preview[1][3]).toBe('2026-01-05'); // DATE '2026-01-01' + 500 % 31
    await shoot('panel-page-details');
  });

  it('downloads a snapshot of the page as one .zip holding its parts and manifest, byte for byte', async () => {
    const downloads = join(work, 'downloads');
    mkdirSync(downloads);
    const session = await chromium.browser.target().createCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await panel.click('[data-testid="snapshot-row"][data-snapshot-id="orders-20260101"] [data-testid="download-snapshot"]');
    const archive = join(downloads, 'orders-20260101.zip');
    await expect.poll(() => existsSync(archive) && statSync(archive).size > 0, { timeout: 20_000 }).toBe(true);
    for (const [name, bytes] of Object.entries(unzipSync(readFileSync(archive)))) writeFileSync(join(downloads, name), bytes);
    const inPage = await opfsFilesOf(page, 'cleanslate/snapshots');
    for (const name of ['orders-20260101_part_0.parquet', 'orders-20260101_part_1.parquet', 'orders-20260101_part_2.parquet', 'orders-20260101.manifest.json']) {
      expect(statSync(join(downloads, name)).size, name).toBe(inPage[`cleanslate/snapshots/${name}`]);
    }
    const [check] = await (async () => {
      const native = await nativeDuckDB();
      try {
        return await rows(native.conn, `SELECT count(*) AS n, min(order_id) AS first FROM read_parquet(${lit(join(downloads, 'orders-20260101_part_*.parquet'))})`);
      } finally {
        native.close();
      }
    })();
    expect(check).toEqual({ n: '1500', first: '0' });
  });

  it('purges exactly the empty files, skips one the page holds open, and never touches a healthy file', async () => {
    const before = await opfsFilesOf(page);
    await page.click('#demo-lock');
    await page.waitForSelector('body[data-locked="true"]');
    const lockedPath = await page.evaluate(() => (window as unknown as { demoLockPath: string }).demoLockPath);

    await panel.click('[data-testid="purge-empty"]');
    await panel.waitForSelector('[data-testid="purge-dialog"]');
    const emptyPaths = expectations.filter((e) => e.status === 'empty').map((e) => e.path);
    const dialog = await text(panel, 'purge-dialog');
    for (const path of emptyPaths) expect(dialog).toContain(path);
    await shoot('panel-purge-confirmation');
    await panel.click('[data-testid="purge-confirm"]');
    await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]', { timeout: 30_000 });
    await waitForScan(panel);
    const result = await text(panel, 'purge-result');
    expect(result).toContain(`Removed ${emptyPaths.length - 1} empty files`);
    expect(result).toContain('1 skipped');

    const after = await opfsFilesOf(page);
    const expected = { ...before };
    for (const path of emptyPaths) if (path !== lockedPath) delete expected[path];
    expect(after).toEqual(expected);
    expect((await panelRows(panel)).find((r) => r.path === lockedPath)?.status).toBe('locked');
    await shoot('panel-after-purge');

    await page.click('#demo-lock'); // release
    await page.waitForSelector('body[data-locked="false"]');
  });

  it('purges corrupt and temporary files separately, keeping everything healthy', async () => {
    await refresh(panel);
    for (const category of ['corrupt', 'temp'] as const) {
      const before = await opfsFilesOf(page);
      const targets = (await panelRows(panel)).filter((r) => r.status === category).map((r) => r.path);
      expect(targets.length, category).toBeGreaterThan(0);
      await panel.click(`[data-testid="purge-${category}"]`);
      await panel.click('[data-testid="purge-confirm"]');
      await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]', { timeout: 30_000 });
      await waitForScan(panel);
      const expected = { ...before };
      for (const path of targets) delete expected[path];
      expect(await opfsFilesOf(page)).toEqual(expected);
    }
    const healthy = expectations.filter((e) => e.status === 'ok').map((e) => e.path);
    const remaining = await opfsFilesOf(page);
    for (const path of healthy) expect(remaining[path], path).toBeGreaterThan(0);
  });

  it('rescans by itself when the inspected page navigates (no polling in between)', async () => {
    await page.evaluate(async () => {
      const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle('cleanslate')).getDirectoryHandle('snapshots');
      await dir.getFileHandle('written-after-listing.parquet', { create: true });
    });
    await page.goto(`${demo.url}/?keep`);
    const row = await panel.waitForSelector('[data-testid="file-row"][data-path="cleanslate/snapshots/written-after-listing.parquet"]', { timeout: 20_000 });
    expect(await row!.evaluate((e) => e.getAttribute('data-status'))).toBe('empty');
  });

  it('turns a CSV chosen in the panel into a verified snapshot that it then lists under the extension', async () => {
    const csv = join(work, 'Sales Q3 (final).csv');
    await writeMixedCsv(csv, 300_000);
    const input = await panel.waitForSelector('input[data-testid="csv-input"]');
    await input!.uploadFile(csv);
    await panel.waitForSelector('[data-testid="export-status"][data-state="running"], [data-testid="export-status"][data-state="done"]');
    await panel.waitForSelector('[data-testid="export-status"][data-state="done"], [data-testid="export-status"][data-state="failed"]', { timeout: 120_000 });
    const status = await panel.$eval('[data-testid="export-status"]', (e) => ({ state: e.getAttribute('data-state'), text: e.textContent, id: e.getAttribute('data-snapshot-id') }));
    expect(status.state, status.text ?? '').toBe('done');
    expect(status.text).toContain('300,000 rows in 2 verified parts');
    const snapshotId = status.id!;
    expect(snapshotId).toMatch(/^sales-q3-final-\d{8}t\d{6}z$/);

    await panel.click('[data-testid="source-extension"]');
    await waitForScan(panel);
    const listed = (await panelRows(panel)).filter((r) => r.path.startsWith(`snapshots/${snapshotId}`));
    expect(listed.map((r) => [r.path, r.status])).toEqual(
      expect.arrayContaining([
        [`snapshots/${snapshotId}_part_0.parquet`, 'ok'],
        [`snapshots/${snapshotId}_part_1.parquet`, 'ok'],
        [`snapshots/${snapshotId}.manifest.json`, 'ok'],
      ]),
    );
    await panel.click(`[data-testid="file-row"][data-path="snapshots/${snapshotId}_part_1.parquet"]`);
    await panel.waitForSelector('[data-testid="preview"][data-kind="parquet"]', { timeout: 20_000 });
    expect(await text(panel, 'footer-details')).toMatch(/50,000 rows in 1 row group/);
    expect(await text(panel, 'preview')).toContain('250000'); // the first row of part 1 has id 250000
    await shoot('panel-extension-snapshot');

    // The bytes in the extension's OPFS (the panel frame is that origin), read natively.
    const files = await opfsFilesOf(panel, 'snapshots');
    for (const row of listed) expect(row.size).toBe(files[row.path]);
    const native = await nativeDuckDB();
    try {
      const paths: string[] = [];
      for (const part of [0, 1]) {
        const base64 = await panel.evaluate(async (name) => {
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('snapshots');
          const bytes = new Uint8Array(await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer());
          let binary = '';
          for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return btoa(binary);
        }, `${snapshotId}_part_${part}.parquet`);
        const path = join(work, `part_${part}.parquet`);
        writeFileSync(path, Buffer.from(base64, 'base64'));
        paths.push(path);
      }
      const [count] = await rows(native.conn, `SELECT count(*) AS n, max(id) AS top FROM read_parquet([${paths.map(lit).join(', ')}])`);
      expect(count).toEqual({ n: '300000', top: '299999' });
    } finally {
      native.close();
    }

    await panel.click('[data-testid="verify-snapshot"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"]', { timeout: 60_000 });
    expect(await panel.$eval('[data-testid="snapshot-action"]', (e) => e.getAttribute('data-ok'))).toBe('true');
    expect(await text(panel, 'snapshot-action')).toContain('300,000 rows, checksum matches the manifest');

    await panel.click('[data-testid="restore-snapshot"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="running"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"]', { timeout: 60_000 });
    expect(await text(panel, 'snapshot-action')).toMatch(/^Restored .* into table restored_.*: 300,000 rows, checksum matches the manifest/);
  });
});

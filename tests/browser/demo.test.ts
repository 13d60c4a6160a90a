/**
 * The demo app's "Save a snapshot": its DuckDB-WASM table exported with the exporter library
 * (bundled by scripts/serve-demo.ts as an app's Vite build would), clicked as a user would;
 * the bytes in OPFS decoded by native DuckDB equal to the same table made natively, and the
 * DevTools panel lists the result as a healthy snapshot beside the demo's broken files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../scripts/serve-demo';
import { tasksSql } from '../../demo/app/tasks.js';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { openDevToolsPanel } from '../support/devtools-panel';
import { compareRows, lit, nativeDuckDB, rows } from '../support/native-duckdb';
import { allPanelRows, opfsBytesOf, opfsFilesOf, refresh } from '../support/panel';
import { screenshot } from '../support/screenshots';

const SAVED = 'cleanslate/saved';

interface Manifest {
  snapshotId: string;
  rowCount: number;
  parts: { name: string; rows: number; bytes: number }[];
}

describe('the demo app saves its snapshots with the exporter library', () => {
  let chromium: LaunchedBrowser;
  let demo: DemoServer;
  let page: Page;
  /** What the page logged: said when a save never ends, so that a failure tells why. */
  const pageLog: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'opfs-demo-library-'));

  beforeAll(async () => {
    demo = await startDemoServer();
    chromium = await launchWithExtension();
    page = await chromium.browser.newPage();
    page.on('console', (message) => void pageLog.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => void pageLog.push(`error: ${String(error)}`));
    await page.goto(`${demo.url}/`);
    // Ready once its files are written and its databases open.
    await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  });
  afterAll(async () => {
    await chromium?.close();
    await demo?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('"Save a snapshot" writes verified parts and a manifest that native DuckDB reads back equal to the table', async () => {
    const status = () => page.$eval('#demo-save-status', (e) => e.textContent ?? '');
    // A DOM click: puppeteer's click waits for the element to be in view, which a page behind the DevTools window may never report.
    await page.$eval('#demo-save', (button) => (button as HTMLButtonElement).click());
    // Polled by time: the default polls on animation frames, which a page behind the DevTools window does not get.
    await page.waitForFunction(() => /^(Saving|Saved|The snapshot could not)/.test(document.getElementById('demo-save-status')?.textContent ?? ''), { timeout: 10_000, polling: 100 });
    await page
      .waitForFunction(() => /^(Saved|The snapshot could not)/.test(document.getElementById('demo-save-status')?.textContent ?? ''), { timeout: 100_000, polling: 100 })
      .catch(async () => {
        throw new Error(`The save did not end; the page says "${await status()}"; its log: ${pageLog.join(' | ') || 'empty'}`);
      });
    const said = await status();
    expect(said).toMatch(/^Saved tasks-\S+: 1200 rows in 3 verified parts and a manifest\.$/);
    const snapshotId = said.split(' ')[1].replace(/:$/, '');

    const files = await opfsFilesOf(page, SAVED);
    const manifest = JSON.parse((await opfsBytesOf(page, `${SAVED}/${snapshotId}.manifest.json`)).toString('utf8')) as Manifest;
    expect(manifest.rowCount).toBe(1200);
    expect(manifest.parts.map((p) => [p.name, p.rows])).toEqual([0, 1, 2].map((i) => [`${snapshotId}_part_${i}.parquet`, i < 2 ? 500 : 200]));
    expect(Object.keys(files).sort()).toEqual([`${SAVED}/${snapshotId}.manifest.json`, ...manifest.parts.map((p) => `${SAVED}/${p.name}`)].sort());
    for (const part of manifest.parts) expect(files[`${SAVED}/${part.name}`], part.name).toBe(part.bytes);

    const paths = [];
    for (const part of manifest.parts) {
      const path = join(work, part.name);
      writeFileSync(path, await opfsBytesOf(page, `${SAVED}/${part.name}`));
      paths.push(path);
    }
    const native = await nativeDuckDB();
    try {
      const saved = `read_parquet([${paths.map(lit).join(', ')}])`;
      await native.conn.run(`CREATE TABLE source AS ${tasksSql(1200)}`);
      expect(await compareRows(native.conn, saved, 'source')).toEqual({ extra: 0, missing: 0, n: 1200 });
      const [order] = await rows(native.conn, `SELECT count(*) AS misplaced FROM (SELECT id, row_number() OVER () - 1 AS position FROM ${saved}) WHERE id <> position`);
      expect(order).toEqual({ misplaced: '0' });
    } finally {
      native.close();
    }
  }, 240_000);

  it('the panel lists what the library saved as a healthy snapshot, beside the demo’s broken files', async () => {
    // A second save: two snapshots of the app, each whole.
    const second = await page.evaluate(() => (window as unknown as { saveLibrarySnapshot(o: object): Promise<Manifest> }).saveLibrarySnapshot({ rows: 1000, rowsPerPart: 500 }));
    expect(second.parts).toHaveLength(2);
    const { devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${demo.url}/`, { dock: 'undocked', inspected: page });
    await devtools.setViewport({ width: 1200, height: 800 });
    await refresh(panel);
    const listed = await allPanelRows(panel);
    const saved = listed.filter((r) => r.path.startsWith(`${SAVED}/`));
    expect(saved.map((r) => r.path).sort()).toEqual(Object.keys(await opfsFilesOf(page, SAVED)).sort());
    for (const row of saved) expect(row.status, row.path).toBe('ok');
    // The demo's own broken files are still flagged: the panel tells the two apart.
    expect(listed.some((r) => r.status === 'empty')).toBe(true);
    const snapshots = await panel.$$eval('[data-testid="snapshot-row"]', (rows) => rows.map((r) => [r.getAttribute('data-snapshot-id'), r.getAttribute('data-status')]));
    const ours = snapshots.filter(([id]) => id?.startsWith('tasks-'));
    expect(ours).toHaveLength(2);
    for (const [id, status] of ours) expect(status, id ?? '').toBe('ok');
    await screenshot(devtools, 'demo-library-snapshots');
  });
});

/**
 * Two DevTools windows on two tabs of different origins: each panel lists its own page,
 * a purge in one touches only its page, and an import started in one does not disturb
 * the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { startDemoServer, type DemoServer } from '../../scripts/serve-demo';
import { openDevToolsPanel } from '../support/devtools-panel';
import { writeMixedCsv } from '../support/sample-csv';
import { opfsFilesOf, panelRows, refresh, waitForScan } from '../support/panel';

describe('two DevTools windows on two tabs', () => {
  let chromium: LaunchedBrowser;
  let demos: DemoServer[];
  const work = mkdtempSync(join(tmpdir(), 'opfs-two-windows-'));

  beforeAll(async () => {
    demos = await Promise.all([startDemoServer(), startDemoServer()]); // two ports: two origins
    chromium = await launchWithExtension();
  });
  afterAll(async () => {
    await chromium?.close();
    await Promise.all((demos ?? []).map((d) => d.close()));
    rmSync(work, { recursive: true, force: true });
  });

  it('keep to their own page and their own work', async () => {
    const pages = [];
    for (const demo of demos) {
      const page = await chromium.browser.newPage();
      await page.goto(`${demo.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      pages.push(page);
    }
    // Make the second origin different from the first.
    await pages[1].evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('only-in-second', { create: true });
      await dir.getFileHandle('empty.parquet', { create: true });
    });
    const panels = [];
    for (const [i, demo] of demos.entries()) {
      const { panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${demo.url}/`, { inspected: pages[i] });
      await waitForScan(panel);
      if (i === 1) {
        await refresh(panel);
      }
      panels.push(panel);
    }
    const [first, second] = panels as [(typeof panels)[0], (typeof panels)[0]];
    expect((await panelRows(first)).some((r) => r.path.startsWith('only-in-second/'))).toBe(false);
    expect((await panelRows(second)).find((r) => r.path === 'only-in-second/empty.parquet')?.status).toBe('empty');

    // An import in the first window while the second purges its page.
    const csv = join(work, 'two-windows.csv');
    await writeMixedCsv(csv, 400_000);
    const input = await first.waitForSelector('input[data-testid="csv-input"]');
    await input!.uploadFile(csv);
    const firstBefore = await opfsFilesOf(pages[0]);
    await second.click('[data-testid="purge-empty"]');
    await second.click('[data-testid="purge-confirm"]');
    await second.waitForSelector('[data-testid="purge-result"][data-state="done"]', { timeout: 30_000 });
    const afterPurge = await opfsFilesOf(pages[1]);
    expect(Object.values(afterPurge).every((size) => size > 0)).toBe(true);
    expect(await opfsFilesOf(pages[0])).toEqual(firstBefore); // the other origin untouched

    await first.waitForSelector('[data-testid="export-status"][data-state="done"]', { timeout: 120_000 });
    expect(await first.$eval('[data-testid="export-status"]', (e) => e.textContent)).toContain('400,000 rows in 2 verified parts');
    expect(await second.$eval('[data-testid="export-status"]', (e) => e.getAttribute('data-state'))).toBe('idle');
  });
});

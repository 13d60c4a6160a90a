/**
 * The real DevTools panel in Chromium, as a user drives it, on the demo app: the shared
 * panel suite (tests/support/panel-suite.ts), then what is tested in Chromium only — a
 * snapshot of the page downloaded as one .zip, and the rescan when the page navigates.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Frame } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { openDevToolsPanel } from '../support/devtools-panel';
import { opfsFilesOf } from '../support/panel';
import { readOpfsFile } from '../support/extension-page';
import { panelSuite, type PanelDriver, type PanelHandle } from '../support/panel-suite';
import { lit, nativeDuckDB, rows } from '../support/native-duckdb';
import { screenshot } from '../support/screenshots';


/** The panel's frame, driven through puppeteer. */
function chromiumPanel(frame: Frame): PanelHandle {
  return {
    evaluate: <T, A extends unknown[]>(fn: (document: Document, ...args: A) => T | Promise<T>, ...args: A) => frame.evaluate(`(${fn.toString()})(document, ...${JSON.stringify(args)})`) as Promise<T>,
    async waitForSelector(selector, timeoutMs = 60_000) {
      await frame.waitForSelector(selector, { timeout: timeoutMs });
    },
    async click(selector) {
      // A DOM click: a mouse click at the element's place can land elsewhere while DevTools lays itself out.
      await frame.$eval(selector, (element) => (element as HTMLElement).click());
    },
    text: (testId) => frame.$eval(`[data-testid="${testId}"]`, (e) => e.textContent ?? ''),
    async chooseFile(selector, file) {
      if (basename(file.path) !== file.name) throw new Error(`Chromium chooses files by path: ${file.path} is not named ${file.name}.`);
      const input = await frame.$(selector);
      if (!input) throw new Error(`No file input ${selector} in the panel.`);
      await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file.path);
    },
  };
}

let chromium: LaunchedBrowser;
let frame: Frame;

const chromiumDriver: PanelDriver = {
  async open(url) {
    chromium = await launchWithExtension();
    const page = await chromium.browser.newPage();
    await page.goto(url);
    const { devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, url, { dock: 'undocked', inspected: page });
    await devtools.setViewport({ width: 1200, height: 800 });
    frame = panel;
    return {
      page,
      panel: chromiumPanel(panel),
      badge: () => panel.evaluate(async () => ({ text: await chrome.action.getBadgeText({}), title: await chrome.action.getTitle({}) })),
      // The panel's frame is the extension's origin: its OPFS is the extension's.
      extensionFiles: (folder) => opfsFilesOf(panel, folder),
      readExtensionFile: (path) => readOpfsFile(panel, path),
      shoot: async (name) => void (await screenshot(devtools, name)),
      close: () => chromium.close(),
    };
  },
};

describe('Chromium: the OPFS Snapshots panel in DevTools, on the demo app', () => {
  const suite = panelSuite(chromiumDriver);

  it('downloads a snapshot of the page as one .zip holding its parts and manifest, byte for byte', async () => {
    const downloads = join(suite.work, 'downloads');
    mkdirSync(downloads);
    const session = await chromium.browser.target().createCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await frame.$eval('[data-testid="snapshot-row"][data-snapshot-id="orders-20260101"] [data-testid="download-snapshot"]', (b) => (b as HTMLElement).click());
    const archive = join(downloads, 'orders-20260101.zip');
    await expect.poll(() => existsSync(archive) && statSync(archive).size > 0, { timeout: 20_000 }).toBe(true);
    for (const [name, bytes] of Object.entries(unzipSync(readFileSync(archive)))) writeFileSync(join(downloads, name), bytes);
    const inPage = await opfsFilesOf(suite.session.page, 'cleanslate/snapshots');
    for (const name of ['orders-20260101_part_0.parquet', 'orders-20260101_part_1.parquet', 'orders-20260101_part_2.parquet', 'orders-20260101.manifest.json']) {
      expect(statSync(join(downloads, name)).size, name).toBe(inPage[`cleanslate/snapshots/${name}`]);
    }
    const native = await nativeDuckDB();
    try {
      const [check] = await rows(native.conn, `SELECT count(*) AS n, min(order_id) AS first FROM read_parquet(${lit(join(downloads, 'orders-20260101_part_*.parquet'))})`);
      expect(check).toEqual({ n: '1500', first: '0' });
    } finally {
      native.close();
    }
  });

  it('rescans by itself when the inspected page navigates (no polling in between)', async () => {
    const { page } = suite.session;
    await page.evaluate(async () => {
      const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle('cleanslate')).getDirectoryHandle('snapshots');
      await dir.getFileHandle('written-after-listing.parquet', { create: true });
    });
    await page.goto(`${suite.demo.url}/?keep`);
    const row = await frame.waitForSelector('[data-testid="file-row"][data-path="cleanslate/snapshots/written-after-listing.parquet"]', { timeout: 20_000 });
    expect(await row!.evaluate((e) => e.getAttribute('data-status'))).toBe('empty');
  });
});

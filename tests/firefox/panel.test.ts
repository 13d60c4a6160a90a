/**
 * The real "OPFS Snapshots" panel inside Firefox's DevTools, headless, on the demo app:
 * the listing (through Firefox's `devtools.inspectedWindow.eval`), purging exactly the
 * flagged files (checked by reading the page's OPFS without the extension), the toolbar
 * badge, and a CSV chosen in the panel becoming a verified snapshot. The panel is driven
 * through its DOM by scripts/firefox-devtools.ts (BiDi cannot reach DevTools panels).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { bidi, contextIdOf, launchFirefoxWithExtension, openExtensionTab, type LaunchedFirefox } from '../support/firefox';
import { openFirefoxDevToolsPanel, setFirefoxDevToolsTheme, type FirefoxDevToolsPanel } from '../support/firefox-devtools';
import { startDemoServer, type DemoServer } from '../../scripts/serve-demo';
import { serveStatic, type StaticServer } from '../support/static-server';
import { writeMixedCsv } from '../support/sample-csv';
import { opfsFilesOf, type PanelRow } from '../support/panel';
import { readOpfsFile } from '../support/extension-page';
import { lit, nativeDuckDB, rows } from '../support/native-duckdb';
import { openFirefoxExtensionPage, skipWithoutFirefox } from './support';

const skip = skipWithoutFirefox();

describe.skipIf(skip)('Firefox: the OPFS Snapshots panel in DevTools, on the demo app', () => {
  let firefox: LaunchedFirefox;
  let demo: DemoServer;
  let files: StaticServer;
  let page: Page;
  let panel: FirefoxDevToolsPanel;
  let expectations: { path: string; status: string }[];
  const work = mkdtempSync(join(tmpdir(), 'opfs-firefox-panel-'));

  beforeAll(async () => {
    demo = await startDemoServer();
    files = await serveStatic(work);
    firefox = await launchFirefoxWithExtension();
    page = await firefox.browser.newPage();
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expectations = await page.evaluate(() => (window as unknown as { demoExpectations: { path: string; status: string }[] }).demoExpectations);
    panel = await openFirefoxDevToolsPanel(firefox, page);
  });

  afterAll(async () => {
    await firefox?.close();
    await demo?.close();
    await files?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const rowsOf = (p: FirefoxDevToolsPanel): Promise<PanelRow[]> =>
    p.evaluate((document) =>
      Array.from(document.querySelectorAll('[data-testid="file-row"]')).map((row) => ({
        path: row.getAttribute('data-path') ?? '',
        size: Number(row.getAttribute('data-size')),
        status: row.getAttribute('data-status') ?? '',
      })),
    );

  const waitForScan = async (p: FirefoxDevToolsPanel): Promise<string> => {
    await p.waitForSelector('[data-testid="summary"][data-state="done"], [data-testid="summary"][data-state="failed"]');
    return p.text('summary');
  };

  /** Waits for a purge to finish and the listing that follows it. */
  const purge = async (p: FirefoxDevToolsPanel, category: string): Promise<string> => {
    await p.click(`[data-testid="purge-${category}"]`);
    await p.waitForSelector('[data-testid="purge-dialog"]');
    const dialog = await p.text('purge-dialog');
    await p.click('[data-testid="purge-confirm"]');
    await p.waitForSelector('[data-testid="purge-result"][data-state="done"]', 30_000);
    await waitForScan(p);
    return dialog;
  };

  it('loads from the right URL and lists every file of the page with its exact size and flag', async () => {
    // Firefox resolves devtools.panels.create's page against the devtools page: see panel/devtools.ts.
    expect(panel.url).toBe(`${firefox.origin}/panel/panel.html`);
    const summary = await waitForScan(panel);
    const actual = await opfsFilesOf(page);
    const listed = await rowsOf(panel);
    expect(listed.map((r) => r.path).sort()).toEqual(Object.keys(actual).sort());
    for (const row of listed) expect(row.size, row.path).toBe(actual[row.path]);
    for (const { path, status } of expectations) expect(listed.find((r) => r.path === path)?.status, path).toBe(status);
    const empty = expectations.filter((e) => e.status === 'empty').length;
    expect(summary).toContain(`${empty} empty Parquet files`);

    // Details of a healthy part: its footer, from the bytes the scan read in the page.
    await panel.click('[data-testid="file-row"][data-path="cleanslate/snapshots/orders-20260101_part_0.parquet"]');
    await panel.waitForSelector('[data-testid="footer-details"]');
    expect(await panel.text('footer-details')).toMatch(/Parquet footer: 500 rows in 1 row group/);
  });

  it('shows the number of empty and corrupt files on the toolbar badge (browser.action in the event page)', async () => {
    const problems = expectations.filter((e) => e.status === 'empty' || e.status === 'corrupt').length;
    // Read from an extension page that is not a panel: a panel opened in a tab would scan
    // the extension's storage and set the (global) badge itself.
    const tab = await openExtensionTab(firefox, 'panel/devtools.html');
    try {
      // The panel sets the badge right after its scan: give the message a moment.
      await expect.poll(() => tab.evaluate(() => chrome.action.getBadgeText({})), { timeout: 10_000 }).toBe(String(problems));
      expect(await tab.evaluate(() => chrome.action.getTitle({}))).toContain(`${problems} empty or corrupt Parquet files`);
    } finally {
      await tab.close();
    }
  });

  it('purges exactly the empty files, skips one the page holds open, and never touches a healthy file', async () => {
    const before = await opfsFilesOf(page);
    await page.click('#demo-lock');
    await page.waitForSelector('body[data-locked="true"]');
    const lockedPath = await page.evaluate(() => (window as unknown as { demoLockPath: string }).demoLockPath);

    const emptyPaths = expectations.filter((e) => e.status === 'empty').map((e) => e.path);
    const dialog = await purge(panel, 'empty');
    for (const path of emptyPaths) expect(dialog).toContain(path);
    const result = await panel.text('purge-result');
    expect(result).toContain(`Removed ${emptyPaths.length - 1} empty files`);
    expect(result).toContain('1 skipped');

    const after = await opfsFilesOf(page);
    const expected = { ...before };
    for (const path of emptyPaths) if (path !== lockedPath) delete expected[path];
    expect(after).toEqual(expected);
    expect((await rowsOf(panel)).find((r) => r.path === lockedPath)?.status).toBe('locked');

    await page.click('#demo-lock'); // release
    await page.waitForSelector('body[data-locked="false"]');
  });

  it('purges corrupt and temporary files separately, keeping everything healthy', async () => {
    await panel.waitForSelector('[data-testid="refresh"]:not([disabled])');
    await panel.click('[data-testid="refresh"]');
    await waitForScan(panel);
    for (const category of ['corrupt', 'temp'] as const) {
      const before = await opfsFilesOf(page);
      const targets = (await rowsOf(panel)).filter((r) => r.status === category).map((r) => r.path);
      expect(targets.length, category).toBeGreaterThan(0);
      await purge(panel, category);
      const expected = { ...before };
      for (const path of targets) delete expected[path];
      expect(await opfsFilesOf(page)).toEqual(expected);
    }
    const remaining = await opfsFilesOf(page);
    for (const { path } of expectations.filter((e) => e.status === 'ok')) expect(remaining[path], path).toBeGreaterThan(0);
  });

  it('turns a CSV chosen in the panel into a verified snapshot, listed under the extension and readable by native DuckDB', async () => {
    await writeMixedCsv(join(work, 'orders.csv'), 300_000);
    await panel.chooseFile('input[data-testid="csv-input"]', `${files.url}/orders.csv`, 'Sales Q3 (final).csv');
    await panel.waitForSelector('[data-testid="export-status"][data-state="done"], [data-testid="export-status"][data-state="failed"]', 120_000);
    const status = await panel.evaluate((document) => {
      const element = document.querySelector('[data-testid="export-status"]');
      return { state: element?.getAttribute('data-state'), text: element?.textContent, id: element?.getAttribute('data-snapshot-id') };
    });
    expect(status.state, status.text ?? '').toBe('done');
    expect(status.text).toContain('300,000 rows in 2 verified parts');
    const snapshotId = status.id!;

    await panel.click('[data-testid="source-extension"]');
    await waitForScan(panel);
    const listed = (await rowsOf(panel)).filter((r) => r.path.startsWith(`snapshots/${snapshotId}`));
    expect(listed.map((r) => [r.path, r.status]).sort()).toEqual([
      [`snapshots/${snapshotId}.manifest.json`, 'ok'],
      [`snapshots/${snapshotId}_part_0.parquet`, 'ok'],
      [`snapshots/${snapshotId}_part_1.parquet`, 'ok'],
    ]);
    await panel.click(`[data-testid="file-row"][data-path="snapshots/${snapshotId}_part_1.parquet"]`);
    await panel.waitForSelector('[data-testid="preview"]', 20_000);
    expect(await panel.text('footer-details')).toMatch(/50,000 rows in 1 row group/);
    expect(await panel.text('preview')).toContain('250000');

    // The bytes in the extension's OPFS, read from an extension tab (same origin), decoded natively.
    const tab = await openFirefoxExtensionPage(firefox);
    const native = await nativeDuckDB();
    try {
      const onDisk = await opfsFilesOf(tab, 'snapshots');
      for (const row of listed) expect(row.size).toBe(onDisk[row.path]);
      const paths: string[] = [];
      for (const part of [0, 1]) {
        const path = join(work, `part_${part}.parquet`);
        writeFileSync(path, await readOpfsFile(tab, `snapshots/${snapshotId}_part_${part}.parquet`));
        paths.push(path);
      }
      const [count] = await rows(native.conn, `SELECT count(*) AS n, max(id) AS top FROM read_parquet([${paths.map(lit).join(', ')}])`);
      expect(count).toEqual({ n: '300000', top: '299999' });
    } finally {
      native.close();
      await tab.close();
    }

    await panel.click('[data-testid="verify-snapshot"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"], [data-testid="snapshot-action"][data-state="failed"]', 60_000);
    expect(await panel.evaluate((document) => document.querySelector('[data-testid="snapshot-action"]')?.getAttribute('data-ok'))).toBe('true');
  });

  it('follows the DevTools theme when it changes (Firefox: devtools.panels.onThemeChanged, "light" / "dark")', async () => {
    const classes = () => panel.evaluate((document) => Array.from(document.documentElement.classList));
    await setFirefoxDevToolsTheme(firefox, 'dark');
    await panel.waitForSelector('html.theme-dark');
    expect(await classes()).not.toContain('theme-light');
    await setFirefoxDevToolsTheme(firefox, 'light');
    await panel.waitForSelector('html.theme-light');
    expect(await classes()).not.toContain('theme-dark');
  });

  it('says why when Firefox does not let extensions inspect the page (about: pages)', async () => {
    // Last: the inspected tab leaves the demo app. The panel rescans on navigation.
    await panel.click('[data-testid="source-page"]');
    await waitForScan(panel);
    await bidi(firefox.browser, 'browsingContext.navigate', { context: contextIdOf(page), url: 'about:robots', wait: 'none' });
    await panel.waitForSelector('[data-testid="summary"][data-state="failed"]', 30_000);
    expect(await panel.text('summary')).toContain('This extension is not allowed on the current inspected window origin');
  });

  it('deletes a Ctrl-chosen set of files with the Delete key after one confirmation: exactly those, nothing else', async () => {
    // Back on the demo app (the test before left the page on about:), which lists itself anew.
    await page.goto(`${demo.url}/?keep`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await panel.click('[data-testid="source-page"]');
    const before = await opfsFilesOf(page);
    // The listing of the new document (the navigation starts it), once its healthy files are in.
    let healthy: string[] = [];
    await expect.poll(async () => (healthy = (await rowsOf(panel)).filter((r) => r.status === 'ok').map((r) => r.path)).length, { timeout: 30_000 }).toBeGreaterThan(1);
    await waitForScan(panel);
    const chosen = [healthy[0], healthy[healthy.length - 1]];
    expect(chosen[0]).not.toBe(chosen[1]);
    await panel.evaluate((document, chosen) => {
      // A plain click on the first (a new selection), Ctrl-click on the second.
      chosen.forEach((path, i) => {
        const row = Array.from(document.querySelectorAll('[data-testid="file-row"]')).find((r) => r.getAttribute('data-path') === path);
        row?.dispatchEvent(new (document.defaultView as Window & typeof globalThis).MouseEvent('click', { bubbles: true, ctrlKey: i > 0 }));
      });
      const list = document.querySelector('[data-testid="file-list"]') as HTMLElement;
      list.focus();
      list.dispatchEvent(new (document.defaultView as Window & typeof globalThis).KeyboardEvent('keydown', { key: 'Delete', bubbles: true }));
    }, chosen);
    await panel.waitForSelector('[data-testid="confirm-dialog"]');
    const dialog = await panel.text('confirm-dialog');
    for (const path of chosen) expect(dialog).toContain(path);
    await panel.click('[data-testid="confirm-ok"]');
    await panel.waitForSelector('[data-testid="action-result"][data-state="done"]', 30_000);
    expect(await panel.text('action-result')).toMatch(/^Deleted 2 files/);
    const expected = { ...before };
    for (const path of chosen) delete expected[path];
    expect(await opfsFilesOf(page)).toEqual(expected);
    expect((await rowsOf(panel)).map((r) => r.path).sort()).toEqual(Object.keys(expected).sort());
  });
  it('is a file explorer in Firefox too: new folder, upload, preview, rename (F2), move, and deleting the folder', async () => {
    await panel.waitForSelector('[data-testid="source-page"]');
    await panel.click('[data-testid="source-page"]');
    await waitForScan(panel);
    await panel.click('[data-testid="breadcrumb"] button[data-path=""]');
    const before = await opfsFilesOf(page);
    /** The next action's result (one begun after `after`), and its number. */
    const nextResult = async (after: number): Promise<[number, string]> => {
      let found: [number, string] | null = null;
      await expect
        .poll(
          async () =>
            (found = await panel.evaluate((document, after) => {
              const e = document.querySelector('[data-testid="action-result"]');
              const state = e?.getAttribute('data-state');
              return e && Number(e.getAttribute('data-action')) > after && (state === 'done' || state === 'failed') ? ([Number(e.getAttribute('data-action')), `${state}: ${e.textContent ?? ''}`] as [number, string]) : null;
            }, after)),
          { timeout: 30_000 },
        )
        .not.toBeNull();
      return found!;
    };
    const answer = (input: string, value: string) =>
      panel.evaluate(
        (document, input, value) => {
          const field = document.querySelector(`[data-testid="${input}"]`) as HTMLInputElement;
          field.value = value;
          (field.form as HTMLFormElement).requestSubmit();
          return true;
        },
        input,
        value,
      );
    const key = (selector: string, key: string) =>
      panel.evaluate(
        (document, selector, key) => {
          const element = document.querySelector(selector) as HTMLElement;
          element.focus();
          element.dispatchEvent(new (document.defaultView as Window & typeof globalThis).KeyboardEvent('keydown', { key, bubbles: true }));
          return true;
        },
        selector,
        key,
      );

    await panel.click('[data-testid="action-new-folder"]');
    await panel.waitForSelector('[data-testid="new-folder-input"]');
    await answer('new-folder-input', 'ff dossier');
    let [seen, result] = await nextResult(0);
    expect(result).toBe('done: Made the folder ff dossier.');
    await panel.waitForSelector('[data-testid="folder-row"][data-path="ff dossier"][aria-selected="true"]');

    const text = 'Grüße aus Firefox\n{"not": "json"}\n';
    writeFileSync(join(work, 'notes.txt'), text);
    await panel.chooseFile('input[data-testid="upload-input"]', `${files.url}/notes.txt`, 'notes ü.txt');
    [seen, result] = await nextResult(seen);
    expect(result).toBe(`done: Uploaded 1 file (${new TextEncoder().encode(text).length} B) to ff dossier.`);
    expect(Object.keys(await opfsFilesOf(page)).filter((p) => p.startsWith('ff'))).toEqual(['ff dossier/notes ü.txt']);
    expect((await opfsFilesOf(page))['ff dossier/notes ü.txt']).toBe(new TextEncoder().encode(text).length);

    await panel.click('[data-testid="file-row"][data-path="ff dossier/notes ü.txt"]');
    await panel.waitForSelector('[data-testid="preview"][data-kind="text"]');
    expect(await panel.evaluate((document) => document.querySelector('[data-testid="preview"] pre')?.textContent)).toBe(text);

    await key('[data-testid="file-list"]', 'F2');
    await panel.waitForSelector('[data-testid="rename-input"]');
    await answer('rename-input', 'renamed.txt');
    [seen, result] = await nextResult(seen);
    expect(result).toBe('done: Renamed ff dossier/notes ü.txt to renamed.txt.');

    await panel.click('[data-testid="action-move"]');
    await panel.waitForSelector('[data-testid="move-input"]');
    await answer('move-input', '');
    [seen, result] = await nextResult(seen);
    expect(result).toBe('done: Moved 1 file to the top.');
    expect(await opfsFilesOf(page)).toEqual({ ...before, 'renamed.txt': new TextEncoder().encode(text).length });

    await key('[data-testid="folder-row"][data-path="ff dossier"]', 'Delete');
    await panel.waitForSelector('[data-testid="confirm-dialog"]');
    await panel.click('[data-testid="confirm-ok"]');
    [seen, result] = await nextResult(seen);
    expect(result).toBe('done: Deleted 0 files (0 B) and 1 folder.');
    const folders = await page.evaluate(async () => {
      const names: string[] = [];
      for await (const name of ((await navigator.storage.getDirectory()) as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      return names;
    });
    expect(folders).not.toContain('ff dossier');
    expect(await opfsFilesOf(page)).toEqual({ ...before, 'renamed.txt': new TextEncoder().encode(text).length });
  });
});

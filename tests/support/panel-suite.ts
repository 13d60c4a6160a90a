/**
 * The DevTools panel's suite, written once and run in every browser (as the engine's is, in
 * engine-suite.ts): on the demo app, the listing with exact sizes and flags, the toolbar
 * badge, a Parquet file's details, the purges (exactly the flagged files go; one the page
 * holds open is skipped), a CSV chosen in the panel becoming a verified snapshot that native
 * DuckDB reads, SQL over it and over a page's Parquet file, a diff, a Ctrl-chosen set deleted with the Delete key, and the explorer's flow (new
 * folder, upload, preview, F2 rename, move, folder delete). The page's OPFS is always read
 * without the extension to check what happened.
 *
 * Each browser gives a driver: how it opens its DevTools panel and drives the panel's DOM
 * (puppeteer's frame in Chromium; frame scripts in Firefox, whose DevTools BiDi cannot
 * reach), and where it reads the badge and the extension's own storage. What only one
 * browser does stays in its own file, using the context this returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { startDemoServer, type DemoServer } from '../../scripts/serve-demo';
import { serveStatic, type StaticServer } from './static-server';
import { writeMixedCsv } from './sample-csv';
import { opfsBytesOf, opfsFilesOf, type PanelRow } from './panel';
import { lit, nativeDuckDB, rows } from './native-duckdb';
import { removeOpfsFile } from './extension-page';

/** The panel's document, driven the same way in every browser. */
export interface PanelHandle {
  /**
   * Runs `fn(document, ...args)` in the panel document and resolves with its result, which
   * must be JSON. `fn` is sent as source text: it may use only its parameters and standard
   * JavaScript and DOM, no variables from the test file.
   */
  evaluate<T, A extends unknown[]>(fn: (document: Document, ...args: A) => T | Promise<T>, ...args: A): Promise<T>;
  /** Waits until `selector` matches an element of the panel. */
  waitForSelector(selector: string, timeoutMs?: number): Promise<void>;
  /** `element.click()` on the first match of `selector` (which must exist). */
  click(selector: string): Promise<void>;
  /** The text of `[data-testid=<testId>]`. */
  text(testId: string): Promise<string>;
  /**
   * Gives the file input `selector` one file, as a user's choice would: the file at `path`
   * (whose base name is `name`), also served at `url` for a browser that fetches it.
   */
  chooseFile(selector: string, file: { path: string; url: string; name: string }): Promise<void>;
}

export interface PanelSession {
  /** The inspected tab. */
  page: Page;
  panel: PanelHandle;
  /** The toolbar button's badge and title, read where this browser lets a test read them. */
  badge(): Promise<{ text: string; title: string }>;
  /** Files under `folder` of the extension's own OPFS, with their sizes. */
  extensionFiles(folder: string): Promise<Record<string, number>>;
  /** One file of the extension's own OPFS, byte for byte. */
  readExtensionFile(path: string): Promise<Buffer>;
  /** A screenshot of DevTools into artifacts/screenshots/<name>.png, where the browser can take one. */
  shoot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface PanelDriver {
  /** Starts the browser with the built extension, shows `url` in a tab and opens the panel in its DevTools. */
  open(url: string): Promise<PanelSession>;
}

export interface PanelSuiteContext {
  readonly session: PanelSession;
  readonly demo: DemoServer;
  /** A folder for the test's files, also served at `filesUrl`. */
  readonly work: string;
  readonly filesUrl: string;
}

/** The file rows the panel renders now. */
export function rowsOf(panel: PanelHandle): Promise<PanelRow[]> {
  return panel.evaluate((document) =>
    Array.from(document.querySelectorAll('[data-testid="file-row"]')).map((row) => ({
      path: row.getAttribute('data-path') ?? '',
      size: Number(row.getAttribute('data-size')),
      status: row.getAttribute('data-status') ?? '',
      format: row.getAttribute('data-format') ?? '',
      inUse: row.getAttribute('data-in-use') ?? '',
    })),
  );
}

/**
 * Every file row of the current filter: the list renders only the rows in view, so this
 * scrolls it from top to bottom in the panel and collects what each screen renders.
 */
export function allRowsOf(panel: PanelHandle): Promise<PanelRow[]> {
  return panel.evaluate(async (document) => {
    const viewport = document.querySelector('.file-viewport');
    const byPath = new Map<string, { path: string; size: number; status: string; format: string; inUse: string }>();
    const collect = () => {
      for (const row of Array.from(document.querySelectorAll('[data-testid="file-row"]'))) {
        const path = row.getAttribute('data-path') ?? '';
        byPath.set(path, { path, size: Number(row.getAttribute('data-size')), status: row.getAttribute('data-status') ?? '', format: row.getAttribute('data-format') ?? '', inUse: row.getAttribute('data-in-use') ?? '' });
      }
    };
    if (!viewport) return [];
    for (let top = 0; ; top += viewport.clientHeight) {
      viewport.scrollTo({ top });
      await new Promise((resolve) => setTimeout(resolve, 50));
      collect();
      if (top + viewport.clientHeight >= viewport.scrollHeight) break;
    }
    viewport.scrollTo({ top: 0 });
    return [...byPath.values()];
  });
}

/** The summary once the scan shown has ended. */
export async function waitForScan(panel: PanelHandle): Promise<string> {
  await panel.waitForSelector('[data-testid="summary"][data-state="done"], [data-testid="summary"][data-state="failed"]');
  return panel.text('summary');
}

/** Clicks Refresh once it can be clicked, and waits for the listing of that click (a new `data-scan`). */
export async function refreshPanel(panel: PanelHandle): Promise<string> {
  await panel.waitForSelector('[data-testid="refresh"]:not([disabled])');
  const before = await panel.evaluate((document) => document.querySelector('[data-testid="summary"]')?.getAttribute('data-scan') ?? '');
  await panel.click('[data-testid="refresh"]');
  await panel.waitForSelector(`[data-testid="summary"][data-state="failed"], [data-testid="summary"][data-state="done"]:not([data-scan="${before}"])`);
  return panel.text('summary');
}

/** How the next file action ended (one numbered after `after`): its number, and `done: …` or `failed: …`. */
export async function nextResult(panel: PanelHandle, after: number): Promise<[number, string]> {
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
}

/** The action number shown now (0 before any action). */
function lastAction(panel: PanelHandle): Promise<number> {
  return panel.evaluate((document) => Number(document.querySelector('[data-testid="action-result"]')?.getAttribute('data-action') ?? 0));
}

/** Types `value` into the prompt's `input` and submits it, as Enter would. */
function answer(panel: PanelHandle, input: string, value: string): Promise<boolean> {
  return panel.evaluate(
    (document, input, value) => {
      const field = document.querySelector(`[data-testid="${input}"]`) as HTMLInputElement;
      field.value = value;
      (field.form as HTMLFormElement).requestSubmit();
      return true;
    },
    input,
    value,
  );
}

/** Focuses `selector` and presses `key` on it. */
function press(panel: PanelHandle, selector: string, key: string): Promise<boolean> {
  return panel.evaluate(
    (document, selector, key) => {
      const element = document.querySelector(selector) as HTMLElement;
      element.focus();
      element.dispatchEvent(new (document.defaultView as Window & typeof globalThis).KeyboardEvent('keydown', { key, bubbles: true }));
      return true;
    },
    selector,
    key,
  );
}

interface QueryResult {
  state: string;
  cells: (string | null)[][];
  text: string;
}

/** The number of the last query shown (0 before any). */
function lastQueryRun(panel: PanelHandle): Promise<number> {
  return panel.evaluate((document) => Number(document.querySelector('[data-testid="sql-result"]')?.getAttribute('data-run') ?? 0));
}

/** Waits for the result of a query numbered after `before`, and reads its cells (NULL as null). */
async function queryResultAfter(panel: PanelHandle, before: number): Promise<QueryResult> {
  let found: QueryResult | null = null;
  await expect
    .poll(
      async () =>
        (found = await panel.evaluate((document, before) => {
          const e = document.querySelector('[data-testid="sql-result"]');
          const state = e?.getAttribute('data-state');
          if (!e || Number(e.getAttribute('data-run')) <= before || state === 'running') return null;
          const cells = Array.from(e.querySelectorAll('tbody tr:not([aria-hidden])')).map((tr) =>
            Array.from(tr.querySelectorAll('[data-testid="sql-cell"]')).map((c) => (c.getAttribute('data-null') === 'true' ? null : (c.textContent ?? ''))),
          );
          return { state: state ?? '', cells, text: e.textContent ?? '' };
        }, before)),
      { timeout: 120_000, interval: 100 },
    )
    .not.toBeNull();
  return found!;
}

/** Sets the value of the field `selector` (input, text area or select) as a user would, with its `input` or `change` event. */
function setField(panel: PanelHandle, selector: string, value: string, event: 'input' | 'change' = 'input'): Promise<boolean> {
  return panel.evaluate(
    (document, selector, value, event) => {
      const field = document.querySelector(selector) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
      field.value = value;
      field.dispatchEvent(new (document.defaultView as Window & typeof globalThis).Event(event, { bubbles: true }));
      return true;
    },
    selector,
    value,
    event,
  );
}

/** Types `sql` into the Query view's editor, runs it, and answers its result. */
async function runQuery(panel: PanelHandle, sql: string): Promise<QueryResult> {
  const before = await lastQueryRun(panel);
  await setField(panel, '[data-testid="sql-input"]', sql);
  await panel.click('[data-testid="sql-run"]');
  return queryResultAfter(panel, before);
}

/** Registers the suite in the `describe` it is called from. */
export function panelSuite(driver: PanelDriver): PanelSuiteContext {
  const work = mkdtempSync(join(tmpdir(), 'opfs-panel-suite-'));
  let demo: DemoServer;
  let files: StaticServer;
  let session: PanelSession;
  let expectations: { path: string; status: string }[];
  /** The snapshot the CSV import made (the Query test asks it questions). */
  let imported = '';

  beforeAll(async () => {
    demo = await startDemoServer();
    files = await serveStatic(work);
    session = await driver.open(`${demo.url}/`);
    await session.page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    // The panel may have listed the page before its app opened its databases: list it as it is now.
    await refreshPanel(session.panel);
    expectations = await session.page.evaluate(() => (window as unknown as { demoExpectations: { path: string; status: string }[] }).demoExpectations);
  });

  afterAll(async () => {
    await session?.close();
    await demo?.close();
    await files?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Purges one category after its confirmation; the dialog's text. */
  const purge = async (category: string): Promise<string> => {
    const { panel } = session;
    await panel.click(`[data-testid="purge-${category}"]`);
    await panel.waitForSelector('[data-testid="purge-dialog"]');
    const dialog = await panel.text('purge-dialog');
    await panel.click('[data-testid="purge-confirm"]');
    await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]', 30_000);
    await waitForScan(panel);
    return dialog;
  };

  it('lists every file of the page with its exact size and the right flag, says what needs attention, also on the toolbar badge', async () => {
    const { page, panel } = session;
    const summary = await waitForScan(panel);
    await session.shoot('panel-page-listing');
    const actual = await opfsFilesOf(page);
    const listed = await allRowsOf(panel);
    expect(listed.map((r) => r.path).sort()).toEqual(Object.keys(actual).sort());
    for (const row of listed) expect(row.size, row.path).toBe(actual[row.path]);
    for (const { path, status } of expectations) expect(listed.find((r) => r.path === path)?.status, path).toBe(status);
    const empty = expectations.filter((e) => e.status === 'empty').length;
    expect(summary).toContain(`${empty} empty files`);
    // The badge counts empty and corrupt files; the panel sets it right after its scan.
    const corrupt = expectations.filter((e) => e.status === 'corrupt').length;
    await expect.poll(async () => (await session.badge()).text, { timeout: 10_000 }).toBe(String(empty + corrupt));
    expect((await session.badge()).title).toContain(`${empty + corrupt} empty or corrupt files`);

    // Details of a healthy part of the page: its footer (from the bytes the scan already
    // has) and its first rows (read by byte ranges from the page).
    await panel.click('[data-testid="file-row"][data-path="cleanslate/snapshots/orders-20260101_part_1.parquet"]');
    await panel.waitForSelector('[data-testid="preview"][data-kind="parquet"] tr', 20_000);
    expect(await panel.text('footer-details')).toMatch(/Parquet footer: 500 rows in 1 row group/);
    const preview = await panel.evaluate((document) => Array.from(document.querySelectorAll('[data-testid="preview"] tr'), (tr) => Array.from(tr.children, (c) => c.textContent)));
    expect(preview[0]).toEqual(['order_id', 'customer_id', 'amount', 'order_date', 'paid']);
    expect(preview).toHaveLength(21);
    expect(preview[1][0]).toBe('500'); // part 1 starts at order 500
    expect(preview[1][3]).toBe('2026-01-05'); // DATE '2026-01-01' + 500 % 31
    await session.shoot('panel-page-details');
  });

  it('walks the page’s storage in a worker of the page: a Refresh lists every file, and no folder is listed on the page’s own thread', async () => {
    const { page, panel } = session;
    // Folder listings made on the page's thread from now on (the check of a changed file reads it there, but lists nothing).
    await page.evaluate(() => {
      const proto = FileSystemDirectoryHandle.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
      const originals = { entries: proto.entries, values: proto.values, keys: proto.keys };
      const counted = { calls: 0, restore: () => void Object.assign(proto, originals) };
      (window as unknown as { folderListings: typeof counted }).folderListings = counted;
      for (const [method, original] of Object.entries(originals)) {
        proto[method] = function (this: unknown, ...args: unknown[]) {
          counted.calls++;
          return original.apply(this, args);
        };
      }
    });
    await refreshPanel(panel);
    const onPageThread = await page.evaluate(() => {
      const counted = (window as unknown as { folderListings: { calls: number; restore(): void } }).folderListings;
      counted.restore();
      return counted.calls;
    });
    expect(onPageThread).toBe(0);
    const listed = await allRowsOf(panel);
    expect(listed.map((r) => r.path).sort()).toEqual(Object.keys(await opfsFilesOf(page)).sort());
  });

  it('tells the app’s databases by their bytes, knows which it holds open, and reads their tables from copies', async () => {
    const { page, panel } = session;
    expect(await page.evaluate(() => document.body.dataset.databases)).toBe('open');
    const databases = await page.evaluate(
      () =>
        (window as unknown as { demoDatabases: { duckdb: { path: string; rows: number }; sqlite: { path: string; tables: Record<string, number> }; sahpool: { directory: string } } })
          .demoDatabases,
    );
    const listed = await allRowsOf(panel);
    const row = (path: string) => listed.find((r) => r.path === path);
    // Held by the app's DuckDB-WASM and by sqlite-wasm's pool when the list appeared: no purge offers them.
    expect(row(databases.duckdb.path)).toMatchObject({ format: 'duckdb', status: 'locked', inUse: 'true' });
    const slots = listed.filter((r) => r.path.startsWith(`${databases.sahpool.directory}/`));
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) expect(slot, slot.path).toMatchObject({ format: 'sahpool', inUse: 'true' });
    expect(row(databases.sqlite.path)).toMatchObject({ format: 'sqlite', status: 'ok', inUse: 'false' });
    expect(row('cleanslate/db/lost.duckdb')).toMatchObject({ format: 'duckdb', status: 'empty' });
    expect(row('cleanslate/db/old-notes.sqlite3-journal')).toMatchObject({ format: 'sqlite-journal', status: 'orphan' });

    const tablesOf = async (path: string): Promise<Record<string, number>> => {
      await setField(panel, '[data-testid="filter"]', path);
      await panel.waitForSelector(`[data-testid="file-row"][data-path="${path}"]`);
      await panel.click(`[data-testid="file-row"][data-path="${path}"]`);
      await panel.waitForSelector('[data-testid="database-tables"][data-state="done"], [data-testid="database-tables"][data-state="failed"]', 60_000);
      const tables = await panel.evaluate((document) =>
        Object.fromEntries(Array.from(document.querySelectorAll('[data-testid="database-tables"] tr[data-table]'), (tr) => [tr.getAttribute('data-table'), Number(tr.getAttribute('data-rows'))])),
      );
      await setField(panel, '[data-testid="filter"]', '');
      return tables;
    };
    // SQLite's row counts, read by the panel's own SQLite from a copy; DuckDB's by the engine from a copy of a file the app holds.
    expect(await tablesOf(databases.sqlite.path)).toEqual(databases.sqlite.tables);
    await session.shoot('panel-database-details');
    expect(await tablesOf(databases.duckdb.path)).toEqual({ tasks: databases.duckdb.rows });
    // The app's next query still works.
    const next = await page.evaluate(async () => (window as unknown as { demoApp: { appQuery(sql: string): Promise<{ n: number }[]> } }).demoApp.appQuery('SELECT count(*)::INTEGER AS n FROM tasks'));
    expect(next).toEqual([{ n: databases.duckdb.rows }]);
  });

  it('purges exactly the empty files, skips the ones the page holds open or is writing, and never touches a healthy file', async () => {
    const { page, panel } = session;
    const before = await opfsFilesOf(page);
    // A DOM click: a mouse click is input the page's renderer must acknowledge, and a page
    // behind DevTools' window may not be composited then: the click waits for good.
    await page.$eval('#demo-lock', (button) => (button as HTMLButtonElement).click());
    await page.waitForSelector('body[data-locked="true"]');
    const lockedPath = await page.evaluate(() => (window as unknown as { demoLockPath: string }).demoLockPath);
    const emptyPaths = expectations.filter((e) => e.status === 'empty').map((e) => e.path);
    // Another empty file the app is writing right now, through a writable it has not closed
    // yet: the browser refuses to remove it (both browsers), and its bytes land once it closes.
    const writingPath = emptyPaths.find((path) => path !== lockedPath)!;
    await page.evaluate(async (path) => {
      const segments = path.split('/');
      let dir = await navigator.storage.getDirectory();
      for (const segment of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(segment);
      const writable = await (await dir.getFileHandle(segments.at(-1)!)).createWritable();
      await writable.write(new Uint8Array([1, 2, 3]));
      (globalThis as unknown as { appWriting: FileSystemWritableFileStream }).appWriting = writable;
    }, writingPath);

    const dialog = await purge('empty');
    for (const path of emptyPaths) expect(dialog).toContain(path);
    const result = await panel.text('purge-result');
    expect(result).toContain(`Removed ${emptyPaths.length - 2} empty files`);
    expect(result).toContain('2 skipped');
    await page.evaluate(() => (globalThis as unknown as { appWriting: FileSystemWritableFileStream }).appWriting.close());

    const expected = { ...before, [writingPath]: 3 };
    for (const path of emptyPaths) if (path !== lockedPath && path !== writingPath) delete expected[path];
    expect(await opfsFilesOf(page)).toEqual(expected);
    expect((await allRowsOf(panel)).find((r) => r.path === lockedPath)?.status).toBe('locked');
    await session.shoot('panel-after-purge');
    // The app's file goes again, so that the tests after this one see the storage as before.
    await removeOpfsFile(page, writingPath);

    await page.$eval('#demo-lock', (button) => (button as HTMLButtonElement).click()); // release
    await page.waitForSelector('body[data-locked="false"]');
  });

  it('purges corrupt and temporary files separately, keeping everything healthy', async () => {
    const { page, panel } = session;
    await refreshPanel(panel);
    for (const category of ['corrupt', 'temp'] as const) {
      const before = await opfsFilesOf(page);
      const targets = (await allRowsOf(panel)).filter((r) => r.status === category).map((r) => r.path);
      expect(targets.length, category).toBeGreaterThan(0);
      await purge(category);
      const expected = { ...before };
      for (const path of targets) delete expected[path];
      expect(await opfsFilesOf(page)).toEqual(expected);
    }
    const remaining = await opfsFilesOf(page);
    for (const { path } of expectations.filter((e) => e.status === 'ok')) expect(remaining[path], path).toBeGreaterThan(0);
  });

  it('turns a CSV chosen in the panel into a verified snapshot, listed under the extension, read by native DuckDB, restored', async () => {
    const { panel } = session;
    const name = 'Sales Q3 (final).csv';
    await writeMixedCsv(join(work, name), 300_000);
    await panel.chooseFile('input[data-testid="csv-input"]', { path: join(work, name), url: `${files.url}/${encodeURIComponent(name)}`, name });
    await panel.waitForSelector('[data-testid="export-status"][data-state="done"], [data-testid="export-status"][data-state="failed"]', 120_000);
    const status = await panel.evaluate((document) => {
      const element = document.querySelector('[data-testid="export-status"]');
      return { state: element?.getAttribute('data-state'), text: element?.textContent, id: element?.getAttribute('data-snapshot-id') };
    });
    expect(status.state, status.text ?? '').toBe('done');
    expect(status.text).toContain('300,000 rows in 2 verified parts');
    const snapshotId = status.id!;
    expect(snapshotId).toMatch(/^sales-q3-final-\d{8}t\d{6}z$/);
    imported = snapshotId;

    await panel.click('[data-testid="source-extension"]');
    await waitForScan(panel);
    const listed = (await rowsOf(panel)).filter((r) => r.path.startsWith(`snapshots/${snapshotId}`));
    expect(listed.map((r) => [r.path, r.status]).sort()).toEqual([
      [`snapshots/${snapshotId}.manifest.json`, 'ok'],
      [`snapshots/${snapshotId}_part_0.parquet`, 'ok'],
      [`snapshots/${snapshotId}_part_1.parquet`, 'ok'],
    ]);
    await panel.click(`[data-testid="file-row"][data-path="snapshots/${snapshotId}_part_1.parquet"]`);
    await panel.waitForSelector('[data-testid="preview"][data-kind="parquet"]', 20_000);
    expect(await panel.text('footer-details')).toMatch(/50,000 rows in 1 row group/);
    expect(await panel.text('preview')).toContain('250000'); // the first row of part 1 has id 250000
    await session.shoot('panel-extension-snapshot');

    // The bytes in the extension's OPFS, read in a page of its origin and decoded natively.
    const onDisk = await session.extensionFiles('snapshots');
    for (const row of listed) expect(row.size).toBe(onDisk[row.path]);
    const native = await nativeDuckDB();
    try {
      const paths: string[] = [];
      for (const part of [0, 1]) {
        const path = join(work, `part_${part}.parquet`);
        writeFileSync(path, await session.readExtensionFile(`snapshots/${snapshotId}_part_${part}.parquet`));
        paths.push(path);
      }
      const [count] = await rows(native.conn, `SELECT count(*) AS n, max(id) AS top FROM read_parquet([${paths.map(lit).join(', ')}])`);
      expect(count).toEqual({ n: '300000', top: '299999' });
    } finally {
      native.close();
    }

    await panel.click('[data-testid="verify-snapshot"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"], [data-testid="snapshot-action"][data-state="failed"]', 60_000);
    expect(await panel.evaluate((document) => document.querySelector('[data-testid="snapshot-action"]')?.getAttribute('data-ok'))).toBe('true');
    expect(await panel.text('snapshot-action')).toContain('300,000 rows, checksum matches the manifest');

    await panel.click('[data-testid="restore-snapshot"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="running"]');
    await panel.waitForSelector('[data-testid="snapshot-action"][data-state="done"], [data-testid="snapshot-action"][data-state="failed"]', 60_000);
    expect(await panel.text('snapshot-action')).toMatch(/^Restored .* into table restored_.*: 300,000 rows, checksum matches the manifest/);
    await panel.click('[data-testid="source-page"]');
    await waitForScan(panel);
  });

  it('answers SQL over that snapshot and a page’s Parquet file as native DuckDB does, says DuckDB’s errors, and diffs the snapshot', async () => {
    const { page, panel } = session;
    expect(imported).not.toBe('');
    await panel.click('[data-testid="tab-query"]');
    const sql = `SELECT count(*) AS n, sum(qty) AS qty, count(flag) AS flagged, min(label) AS first_label FROM "${imported}"`;
    const ours = await runQuery(panel, sql);
    expect(ours.state, ours.text).toBe('done');
    const native = await nativeDuckDB();
    try {
      const parts = [0, 1].map((part) => join(work, `part_${part}.parquet`));
      for (const [part, path] of parts.entries()) writeFileSync(path, await session.readExtensionFile(`snapshots/${imported}_part_${part}.parquet`));
      const [expected] = await rows(native.conn, `SELECT count(*)::VARCHAR AS n, sum(qty)::VARCHAR AS qty, count(flag)::VARCHAR AS flagged, min(label)::VARCHAR AS first_label FROM read_parquet([${parts.map(lit).join(', ')}])`);
      expect(ours.cells).toEqual([Object.values(expected)]);

      // A Parquet file of the page, opened from its row: read by ranges into a table named after it.
      const healthy = expectations.find((e) => e.status === 'ok' && e.path.endsWith('.parquet'))!.path;
      const before = await lastQueryRun(panel);
      await panel.click('[data-testid="tab-files"]');
      // The list renders the rows in view: the filter brings the file's row into it.
      const filter = (value: string) => setField(panel, '[data-testid="filter"]', value);
      await filter(healthy);
      await panel.waitForSelector(`[data-testid="file-row"][data-path="${healthy}"] [data-testid="open-in-query"]`);
      await panel.click(`[data-testid="file-row"][data-path="${healthy}"] [data-testid="open-in-query"]`);
      await filter('');
      const opened = await queryResultAfter(panel, before);
      expect(opened.state, opened.text).toBe('done');
      const table = healthy.slice(healthy.lastIndexOf('/') + 1).replace(/\.parquet$/, '');
      const counted = await runQuery(panel, `SELECT count(*) AS n FROM "${table}"`);
      const pageFile = join(work, 'page.parquet');
      writeFileSync(pageFile, await opfsBytesOf(page, healthy));
      const [pageCount] = await rows(native.conn, `SELECT count(*)::VARCHAR AS n FROM read_parquet(${lit(pageFile)})`);
      expect(counted.cells).toEqual([[pageCount.n]]);
    } finally {
      native.close();
    }

    const wrong = await runQuery(panel, 'SELEC 1');
    expect(wrong.state).toBe('failed');
    expect(wrong.text).toMatch(/^Parser Error: syntax error at or near "SELEC"/);
    // The line DuckDB points at is the statement's own, as typed.
    const unknown = await runQuery(panel, `SELECT id,\n  no_such_column\nFROM "${imported}"`);
    expect(unknown.text).toMatch(/Binder Error: Referenced column "no_such_column" not found/);
    expect(unknown.text).toMatch(/LINE 2:\s+no_such_column/);
    await session.shoot('panel-query');

    // A long query cancelled: said so, and the engine answers the next statement.
    const before = await lastQueryRun(panel);
    await setField(panel, '[data-testid="sql-input"]', 'SELECT sum(hash(a.range * b.range)) FROM range(200000) a, range(200000) b');
    await panel.click('[data-testid="sql-run"]');
    await panel.waitForSelector('[data-testid="sql-result"][data-state="running"]');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await panel.click('[data-testid="sql-cancel"]');
    const cancelled = await queryResultAfter(panel, before);
    expect(cancelled.text).toMatch(/^Cancelled/);
    expect((await runQuery(panel, 'SELECT 40 + 2 AS answer')).cells).toEqual([['42']]);

    // A snapshot compared with itself by row id: nothing added, removed or changed.
    await panel.click('[data-testid="tab-diff"]');
    await panel.waitForSelector(`[data-testid="diff-a"] option[value="${imported}"]`);
    for (const side of ['diff-a', 'diff-b']) await setField(panel, `[data-testid="${side}"]`, imported, 'change');
    await panel.click('[data-testid="diff-run"]');
    await panel.waitForSelector('[data-testid="diff-result"][data-state="done"], [data-testid="diff-result"][data-state="failed"]', 120_000);
    const diff = await panel.evaluate((document) => {
      const e = document.querySelector('[data-testid="diff-result"]')!;
      return { state: e.getAttribute('data-state'), counts: [e.getAttribute('data-added'), e.getAttribute('data-removed'), e.getAttribute('data-changed')], text: e.textContent };
    });
    expect(diff.state, diff.text ?? '').toBe('done');
    expect(diff.counts).toEqual(['0', '0', '0']);
    // A key that repeats is refused, with how often, never matched at random.
    await setField(panel, '[data-testid="diff-key"]', 'flag', 'change');
    await panel.click('[data-testid="diff-run"]');
    await panel.waitForSelector('[data-testid="diff-result"][data-state="failed"]', 60_000);
    expect(await panel.text('diff-result')).toMatch(/^The key "flag" is not unique in A \(.+\): 3 values appear more than once, in 300,000 rows/);
    await panel.click('[data-testid="tab-files"]');
  });

  it('deletes a Ctrl-chosen set of files with the Delete key after one confirmation: exactly those, nothing else', async () => {
    const { page, panel } = session;
    await page.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('to delete', { create: true });
      for (const name of ['ä 1.bin', '#2.bin', '3.bin']) {
        const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
        await writable.write(new TextEncoder().encode(name));
        await writable.close();
      }
    });
    await refreshPanel(panel);
    const before = await opfsFilesOf(page);
    const chosen = ['to delete/ä 1.bin', 'to delete/3.bin'];
    await panel.evaluate((document, chosen) => {
      // A plain click on the first (a new selection), Ctrl-click on the second.
      chosen.forEach((path, i) => {
        const row = Array.from(document.querySelectorAll('[data-testid="file-row"]')).find((r) => r.getAttribute('data-path') === path);
        if (!row) throw new Error(`no row for ${path}`);
        row.dispatchEvent(new (document.defaultView as Window & typeof globalThis).MouseEvent('click', { bubbles: true, ctrlKey: i > 0 }));
      });
    }, chosen);
    const seen = await lastAction(panel);
    await press(panel, '[data-testid="file-list"]', 'Delete');
    await panel.waitForSelector('[data-testid="confirm-dialog"]');
    const dialog = await panel.text('confirm-dialog');
    for (const path of chosen) expect(dialog).toContain(path);
    await panel.click('[data-testid="confirm-ok"]');
    const [, result] = await nextResult(panel, seen);
    expect(result).toMatch(/^done: Deleted 2 files/);
    const expected = { ...before };
    for (const path of chosen) delete expected[path];
    expect(await opfsFilesOf(page)).toEqual(expected);
    expect((await allRowsOf(panel)).map((r) => r.path).sort()).toEqual(Object.keys(expected).sort());
  });

  it('is a file explorer: new folder, upload, preview, rename (F2), move, and deleting the folder', async () => {
    const { page, panel } = session;
    await panel.click('[data-testid="breadcrumb"] button[data-path=""]');
    const before = await opfsFilesOf(page);
    let seen = await lastAction(panel);
    let result: string;

    await panel.click('[data-testid="action-new-folder"]');
    await panel.waitForSelector('[data-testid="new-folder-input"]');
    await answer(panel, 'new-folder-input', 'un dossier');
    [seen, result] = await nextResult(panel, seen);
    expect(result).toBe('done: Made the folder un dossier.');
    await panel.waitForSelector('[data-testid="folder-row"][data-path="un dossier"][aria-selected="true"]');

    const text = 'Grüße aus dem Panel\n{"not": "json"}\n';
    const name = 'notes ü.txt';
    writeFileSync(join(work, name), text);
    const bytes = new TextEncoder().encode(text).length;
    await panel.chooseFile('input[data-testid="upload-input"]', { path: join(work, name), url: `${files.url}/${encodeURIComponent(name)}`, name });
    [seen, result] = await nextResult(panel, seen);
    expect(result).toBe(`done: Uploaded 1 file (${bytes} B) to un dossier.`);
    expect(Object.entries(await opfsFilesOf(page)).filter(([p]) => p.startsWith('un'))).toEqual([[`un dossier/${name}`, bytes]]);

    await panel.click(`[data-testid="file-row"][data-path="un dossier/${name}"]`);
    await panel.waitForSelector('[data-testid="preview"][data-kind="text"]');
    expect(await panel.evaluate((document) => document.querySelector('[data-testid="preview"] pre')?.textContent)).toBe(text);

    await press(panel, '[data-testid="file-list"]', 'F2');
    await panel.waitForSelector('[data-testid="rename-input"]');
    await answer(panel, 'rename-input', 'renamed.txt');
    [seen, result] = await nextResult(panel, seen);
    expect(result).toBe(`done: Renamed un dossier/${name} to renamed.txt.`);

    await panel.click('[data-testid="action-move"]');
    await panel.waitForSelector('[data-testid="move-input"]');
    await answer(panel, 'move-input', '');
    [seen, result] = await nextResult(panel, seen);
    expect(result).toBe('done: Moved 1 file to the top.');
    expect(await opfsFilesOf(page)).toEqual({ ...before, 'renamed.txt': bytes });

    await press(panel, '[data-testid="folder-row"][data-path="un dossier"]', 'Delete');
    await panel.waitForSelector('[data-testid="confirm-dialog"]');
    await panel.click('[data-testid="confirm-ok"]');
    [seen, result] = await nextResult(panel, seen);
    expect(result).toBe('done: Deleted 0 files (0 B) and 1 folder.');
    const topLevel = await page.evaluate(async () => {
      const names: string[] = [];
      for await (const name of ((await navigator.storage.getDirectory()) as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      return names;
    });
    expect(topLevel).not.toContain('un dossier');
    expect(await opfsFilesOf(page)).toEqual({ ...before, 'renamed.txt': bytes });
  });

  return {
    get session() {
      return session;
    },
    get demo() {
      return demo;
    },
    work,
    get filesUrl() {
      return files.url;
    },
  };
}

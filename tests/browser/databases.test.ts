/**
 * Databases in the page's OPFS, in the real panel: the demo app keeps a DuckDB-WASM database
 * open (`opfs://`), a SQLite database written by a real SQLite (sqlite-wasm), sqlite-wasm's
 * opfs-sahpool slots held by its worker, a 0-byte `.duckdb` and an orphaned journal. The
 * panel must tell each format by its bytes, know what is held open when the list appears
 * (without any delete attempt, and without changing a byte or a time), flag the broken ones,
 * and purge them without touching the app's database — whose next query still works.
 * Hostile headers written into the page get clear verdicts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic, type StaticServer } from '../support/static-server';
import type { Frame, Page } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { startDemoServer, type DemoServer } from '../../scripts/serve-demo';
import { openDevToolsPanel } from '../support/devtools-panel';
import { allPanelRows, fillIn, press, refresh, setFilter, text, waitForScan, writePageFiles } from '../support/panel';
import { duckdbBytes, journalBytes, sahpoolSlotBytes, sqliteBytes, walBytes, SQLITE_OPEN_MAIN_DB } from '../support/format-bytes';
import { screenshot } from '../support/screenshots';
import { DATABASE_FORMATS, type DataFormat } from '../../src/opfs/formats';

/** Every file's size, time and SHA-256, read without the extension. */
async function fingerprints(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () => {
    const out: Record<string, string> = {};
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
      for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, path);
        else {
          const file = await (handle as FileSystemFileHandle).getFile();
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
          out[path] = `${file.size} ${file.lastModified} ${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`;
        }
      }
    };
    await walk(await navigator.storage.getDirectory(), '');
    return out;
  });
}

interface DemoDatabases {
  duckdb: { path: string; rows: number; bytes: number };
  sqlite: { path: string; tables: Record<string, number>; pageSize: number; pageCount: number; encoding: string; userVersion: number; sqliteVersion: string };
  sahpool: { directory: string; rows: number; pageSize: number; pageCount: number; walJournalMode: string; walRows: number };
}

describe('Chromium: databases, their logs and their locks in the page’s OPFS', () => {
  let chromium: LaunchedBrowser;
  let demo: DemoServer;
  let page: Page;
  let panel: Frame;
  let devtools: Page;
  const strictRoot = mkdtempSync(join(tmpdir(), 'opfs-csp-'));
  let strict: StaticServer | undefined;
  let databases: DemoDatabases;

  beforeAll(async () => {
    demo = await startDemoServer();
    chromium = await launchWithExtension();
    page = await chromium.browser.newPage();
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.databases)).toBe('open');
    databases = await page.evaluate(() => (window as unknown as { demoDatabases: DemoDatabases }).demoDatabases);
    // The app guards its SQLite file with a Web Lock, and a second request waits for it.
    await page.evaluate((path) => {
      const held = new Promise<void>((resolve) => ((window as unknown as { releaseLock: () => void }).releaseLock = resolve));
      void navigator.locks.request(`app-db:${path}`, () => held);
      void navigator.locks.request(`app-db:${path}`, { mode: 'shared' }, () => undefined);
    }, databases.sqlite.path);
    // Every removeEntry the page sees from now on is counted: knowing what is held must not take one.
    await page.evaluate(() => {
      const counter = window as unknown as { removeEntryCalls: string[] };
      counter.removeEntryCalls = [];
      const original = FileSystemDirectoryHandle.prototype.removeEntry;
      FileSystemDirectoryHandle.prototype.removeEntry = function (name: string, options?: FileSystemRemoveOptions) {
        counter.removeEntryCalls.push(name);
        return original.call(this, name, options);
      };
    });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await demo?.close();
    await strict?.close();
    rmSync(strictRoot, { recursive: true, force: true });
  });

  it('tells each format by its bytes and knows what the app holds open when the list appears, changing nothing', async () => {
    const before = await fingerprints(page);
    ({ panel, devtools } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${demo.url}/`, { inspected: page }));
    await waitForScan(panel);
    const listed = await allPanelRows(panel);
    const row = (path: string) => listed.find((r) => r.path === path);

    // The app's DuckDB database: held open by DuckDB-WASM, shown so before any purge.
    expect(row(databases.duckdb.path)).toMatchObject({ format: 'duckdb', status: 'locked', inUse: 'true' });
    const wal = row(`${databases.duckdb.path}.wal`);
    if (wal) expect(wal).toMatchObject({ format: 'duckdb-wal' });
    expect(await page.evaluate(() => (window as unknown as { removeEntryCalls: string[] }).removeEntryCalls)).toEqual([]);

    // The SQLite database: its header as SQLite itself reports it.
    expect(row(databases.sqlite.path)).toMatchObject({ format: 'sqlite', status: 'ok', inUse: 'false' });
    await setFilter(panel, databases.sqlite.path);
    await press(panel, `[data-testid="file-row"][data-path="${databases.sqlite.path}"]`);
    await panel.waitForSelector('[data-testid="format-fields"]');
    const fields = Object.fromEntries(await panel.$$eval('[data-testid="format-fields"] tr', (trs) => trs.map((tr) => [tr.getAttribute('data-field'), tr.querySelector('td')?.textContent])));
    expect(fields['Page size']).toBe(`${databases.sqlite.pageSize.toLocaleString('en-US')} bytes`);
    expect(fields['Pages (header)']).toBe(databases.sqlite.pageCount.toLocaleString('en-US'));
    expect(fields['Text encoding']).toBe(databases.sqlite.encoding);
    expect(fields['User version']).toBe(String(databases.sqlite.userVersion));
    // Its tables, read by SQLite from a copy: the row counts SQLite itself gave when it wrote them.
    await panel.waitForSelector('[data-testid="database-tables"][data-state="done"]', { timeout: 30_000 });
    const tables = Object.fromEntries(await panel.$$eval('[data-testid="database-tables"] tr[data-table]', (trs) => trs.map((tr) => [tr.getAttribute('data-table'), Number(tr.getAttribute('data-rows'))])));
    expect(tables).toEqual(databases.sqlite.tables);
    const locks = await panel.$$eval('[data-testid="file-locks"] li', (items) => items.map((li) => [li.getAttribute('data-lock-state'), li.textContent]));
    expect(locks).toEqual([
      ['held', `app-db:${databases.sqlite.path} — held (exclusive)`],
      ['pending', `app-db:${databases.sqlite.path} — waited for (shared)`],
    ]);
    await session('databases-sqlite-details');
    await setFilter(panel, '');

    // sqlite-wasm's pool: opaque slot files, the name each holds decoded, every slot held by the pool's worker.
    const slots = listed.filter((r) => r.path.startsWith(`${databases.sahpool.directory}/`));
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) expect(slot, slot.path).toMatchObject({ format: 'sahpool', status: 'locked', inUse: 'true' });
    await setFilter(panel, 'format:sahpool');
    const named = await panel.$$eval('[data-testid="file-row"] .format-tag', (tags) => tags.map((t) => t.textContent));
    expect(named).toContain('sahpool /tasks.sqlite3');
    // The database inside the slot: its header as the pool's SQLite reports it.
    await panel.$$eval('[data-testid="file-row"]', (list) => (list.find((row) => row.querySelector('.format-tag')?.textContent === 'sahpool /tasks.sqlite3') as HTMLElement).click());
    await panel.waitForFunction(() => document.querySelector('[data-testid="slot-name"]')?.textContent === '/tasks.sqlite3', { polling: 100 });
    const slotFields = Object.fromEntries(await panel.$$eval('[data-testid="format-fields"] tr', (trs) => trs.map((tr) => [tr.getAttribute('data-field'), tr.querySelector('td')?.textContent])));
    expect(slotFields).toMatchObject({
      'Stored name': '/tasks.sqlite3',
      Holds: 'database',
      'Page size': `${databases.sahpool.pageSize.toLocaleString('en-US')} bytes`,
      'Pages (header)': databases.sahpool.pageCount.toLocaleString('en-US'),
      'Written by SQLite': databases.sqlite.sqliteVersion,
    });
    await panel.waitForSelector('[data-testid="database-tables"][data-state="done"]', { timeout: 30_000 });
    expect(await panel.$eval('[data-testid="database-tables"] tr[data-table="tasks"]', (tr) => Number(tr.getAttribute('data-rows')))).toBe(databases.sahpool.rows);

    // A database SQLite keeps in WAL mode (exclusive locking: no shared memory in a worker), and its WAL, in slots of the same pool.
    expect(databases.sahpool.walJournalMode).toBe('wal');
    const tags = await panel.$$eval('[data-testid="file-row"]', (list) => list.map((row) => [row.getAttribute('data-path'), row.querySelector('.format-tag')?.textContent ?? '', row.getAttribute('title') ?? '']));
    const walSlot = tags.find(([, tag]) => tag === 'sahpool /journal.sqlite3-wal');
    expect(walSlot?.[2]).toMatch(/SQLite WAL: [1-9][0-9]* frames? of [0-9,]+-byte pages/);
    const walDatabase = tags.find(([, tag]) => tag === 'sahpool /journal.sqlite3');
    expect(walDatabase?.[2]).toContain('WAL mode');

    // The app's DuckDB database, open in the app: its tables read by the engine from a copy (ATTACH … READ_ONLY).
    await setFilter(panel, databases.duckdb.path);
    await press(panel, `[data-testid="file-row"][data-path="${databases.duckdb.path}"]`);
    await panel.waitForSelector('[data-testid="database-tables"][data-state]', { timeout: 60_000 });
    expect(await text(panel, 'database-tables')).toContain('read by DuckDB');
    expect(await panel.$eval('[data-testid="database-tables"] tr[data-table="tasks"]', (tr) => Number(tr.getAttribute('data-rows')))).toBe(databases.duckdb.rows);
    expect(Object.fromEntries(await panel.$$eval('[data-testid="format-fields"] tr', (trs) => trs.map((tr) => [tr.getAttribute('data-field'), tr.querySelector('td')?.textContent])))).toMatchObject({
      Blocks: String((databases.duckdb.bytes - 3 * 4096) / 262_144),
      'Block size': '262,144 bytes',
    });
    await session('databases-duckdb-details');

    // Opened in Query: its tables copied into the engine from a copy of the file; the app keeps its handles.
    await press(panel, `[data-testid="file-row"][data-path="${databases.duckdb.path}"] [data-testid="open-in-query"]`);
    await panel.waitForSelector('[data-testid="sql-result"][data-state="done"]', { timeout: 60_000 });
    expect(await panel.$eval('[data-testid="sql-result"]', (e) => e.getAttribute('data-rows'))).toBe(String(Math.min(1000, databases.duckdb.rows)));
    const run = await panel.$eval('[data-testid="sql-result"]', (e) => e.getAttribute('data-run'));
    await fillIn(panel, '[data-testid="sql-input"]', 'SELECT count(*) AS n, count(*) FILTER (WHERE done) AS done FROM "cleanslate-app".tasks');
    await press(panel, '[data-testid="sql-run"]');
    await panel.waitForSelector(`[data-testid="sql-result"][data-state="done"]:not([data-run="${run}"])`, { timeout: 60_000 });
    const cells = await panel.$$eval('[data-testid="sql-result"] [role="row"] [role="cell"], [data-testid="sql-result"] td', (list) => list.map((c) => c.textContent?.trim()));
    expect(cells).toContain(String(databases.duckdb.rows));
    await session('databases-duckdb-query');
    await press(panel, '[data-testid="tab-files"]');
    await setFilter(panel, '');

    // What is broken, and only that.
    expect(row('cleanslate/db/lost.duckdb')).toMatchObject({ format: 'duckdb', status: 'empty' });
    expect(row('cleanslate/db/old-notes.sqlite3-journal')).toMatchObject({ format: 'sqlite-journal', status: 'orphan' });
    expect(await text(panel, 'handles-note')).toMatch(/held open by the page/);

    // Probing held and free files changed no byte and no time.
    expect(await fingerprints(page)).toEqual(before);
    await session('databases-listing');
  });

  it('lists every file before the page has said which it holds open, showing those it may hold as pending until it does', async () => {
    // The page answers slowly: its Web Locks (asked first, with the handles) wait for the test.
    await page.evaluate(() => {
      const slow = window as unknown as { answerLocks: () => void; originalQuery: LockManager['query'] };
      slow.originalQuery = navigator.locks.query;
      const answered = new Promise<void>((resolve) => (slow.answerLocks = resolve));
      navigator.locks.query = async function (this: LockManager) {
        await answered;
        return slow.originalQuery.call(this);
      };
    });
    try {
      const before = await panel.$eval('[data-testid="summary"]', (e) => e.getAttribute('data-scan') ?? '');
      await panel.$eval('[data-testid="refresh"]', (button) => (button as HTMLButtonElement).click());
      await panel.waitForSelector(`[data-testid="summary"][data-state="checking"]:not([data-scan="${before}"])`, { timeout: 30_000 });
      const waiting = await allPanelRows(panel);
      const mayBeHeld = (r: { format: string }) => DATABASE_FORMATS.has(r.format as DataFormat);
      expect(waiting.filter(mayBeHeld).length).toBeGreaterThan(2);
      for (const row of waiting.filter(mayBeHeld)) expect(row, row.path).toMatchObject({ status: 'pending' });
      expect(waiting.filter((r) => !mayBeHeld(r) && r.status === 'pending')).toEqual([]);
      await screenshot(devtools, 'databases-awaiting-locks');
      expect(await panel.$eval('[data-testid="check-progress"]', (e) => e.textContent)).toBe('asking the page which files it holds open');
      expect(await panel.$eval('[data-testid="summary"]', (e) => e.getAttribute('data-state'))).toBe('checking');
      await page.evaluate(() => (window as unknown as { answerLocks: () => void }).answerLocks());
      await waitForScan(panel);
      const answered = Object.fromEntries((await allPanelRows(panel)).map((r) => [r.path, r]));
      expect(answered[databases.duckdb.path]).toMatchObject({ status: 'locked', inUse: 'true' });
      expect(answered[databases.sqlite.path]).toMatchObject({ status: 'ok', inUse: 'false' });
      expect(Object.values(answered).filter((r) => r.status === 'pending')).toEqual([]);
    } finally {
      await page.evaluate(() => {
        const slow = window as unknown as { answerLocks: () => void; originalQuery: LockManager['query'] };
        slow.answerLocks();
        navigator.locks.query = slow.originalQuery;
      });
    }
  });

  it('knows which databases are held when they were recognised only after the listing (a Refresh reads new files after the walk)', async () => {
    // Written after the first scan: the Refresh lists them, asks which files are held, and only then
    // reads them and learns they are databases. What is held must still be known when it is done.
    const late: Record<string, Uint8Array> = {
      'late/held.sqlite3': sqliteBytes({ pageCount: 2 }, 8192),
      'late/free.sqlite3': sqliteBytes({ pageCount: 2 }, 8192),
      'late/held.duckdb': duckdbBytes({}),
      'late/free.duckdb': duckdbBytes({}),
      'late/held-no-extension': sqliteBytes({ pageCount: 1 }, 4096),
    };
    await writePageFiles(page, late);
    const held = Object.keys(late).filter((path) => path.includes('/held'));
    // A worker of the page holds each with a readwrite sync access handle, as sqlite-wasm and DuckDB-WASM do.
    await page.evaluate(async (paths) => {
      const program = `onmessage = async (event) => {
        const root = await navigator.storage.getDirectory();
        const handles = [];
        for (const path of event.data) {
          const [folder, name] = path.split('/');
          handles.push(await (await (await root.getDirectoryHandle(folder)).getFileHandle(name)).createSyncAccessHandle());
        }
        postMessage('held');
        onmessage = () => { for (const handle of handles) handle.close(); postMessage('closed'); };
      };`;
      const worker = new Worker(URL.createObjectURL(new Blob([program], { type: 'text/javascript' })));
      (window as unknown as { lateHolder: Worker }).lateHolder = worker;
      await new Promise((resolve) => {
        worker.onmessage = resolve;
        worker.postMessage(paths);
      });
    }, held);
    try {
      await refresh(panel);
      await setFilter(panel, 'late/');
      const rows = Object.fromEntries((await allPanelRows(panel)).map((r) => [r.path, r]));
      for (const path of Object.keys(late)) {
        expect(rows[path], path).toMatchObject({ format: path.endsWith('.duckdb') ? 'duckdb' : 'sqlite', inUse: String(held.includes(path)) });
        if (held.includes(path)) expect(rows[path].status, path).toBe('locked');
      }
      await setFilter(panel, '');
    } finally {
      await page.evaluate(async () => {
        const worker = (window as unknown as { lateHolder: Worker }).lateHolder;
        await new Promise((resolve) => {
          worker.onmessage = resolve;
          worker.postMessage('close');
        });
        worker.terminate();
        await (await navigator.storage.getDirectory()).removeEntry('late', { recursive: true });
      });
    }
  });

  it('purges the empty and orphaned files but never the app’s database, whose next query still works', async () => {
    const before = await fingerprints(page);
    for (const category of ['empty', 'orphan']) {
      await press(panel, `[data-testid="purge-${category}"]`);
      await panel.waitForSelector('[data-testid="purge-dialog"]');
      const dialog = await text(panel, 'purge-dialog');
      expect(dialog).not.toContain(databases.duckdb.path);
      expect(dialog).not.toContain(databases.sahpool.directory);
      await press(panel, '[data-testid="purge-confirm"]');
      await panel.waitForSelector('[data-testid="purge-result"][data-state="done"]', { timeout: 30_000 });
    }
    const after = await fingerprints(page);
    for (const path of Object.keys(before)) {
      if (path === 'cleanslate/db/old-notes.sqlite3-journal' || (before[path].startsWith('0 ') && !path.startsWith(databases.sahpool.directory) && !path.startsWith(databases.duckdb.path) && path !== 'cleanslate/snapshots/returns.parquet')) continue;
      if (path.startsWith(databases.duckdb.path) || path.startsWith(`${databases.sahpool.directory}/`) || path === databases.sqlite.path) expect(after[path], path).toBe(before[path]);
    }
    expect(after['cleanslate/db/lost.duckdb']).toBeUndefined();
    expect(after['cleanslate/db/old-notes.sqlite3-journal']).toBeUndefined();
    const next = await page.evaluate(async () => (window as unknown as { demoApp: { appQuery(sql: string): Promise<{ n: number }[]> } }).demoApp.appQuery('SELECT count(*)::INTEGER AS n FROM tasks'));
    expect(next).toEqual([{ n: databases.duckdb.rows }]);
    await refresh(panel);
    const listed = await allPanelRows(panel);
    expect(listed.find((r) => r.path === databases.duckdb.path)).toMatchObject({ format: 'duckdb', inUse: 'true' });
  });

  it('gives hostile headers clear verdicts, and tells a database from its name only when its bytes agree', async () => {
    const cases: Record<string, { bytes: Uint8Array; status: string; format: string; reason: RegExp }> = {
      'hostile/zero-page-size.sqlite': { bytes: sqliteBytes({ pageSizeField: 0 }, 4096), status: 'corrupt', format: 'sqlite', reason: /page size 0/ },
      'hostile/huge-page-count.sqlite': { bytes: sqliteBytes({ pageCount: 0xffffffff }, 8192), status: 'corrupt', format: 'sqlite', reason: /truncated/ },
      'hostile/cut.sqlite3': { bytes: sqliteBytes({ pageCount: 4 }, 4096 * 3), status: 'corrupt', format: 'sqlite', reason: /truncated/ },
      'hostile/liar.duckdb': { bytes: duckdbBytes({ blockCount: 1n << 40n }, 3 * 4096), status: 'corrupt', format: 'duckdb', reason: /truncated/ },
      'hostile/bad-wal.db-wal': { bytes: walBytes(513, 1), status: 'corrupt', format: 'sqlite-wal', reason: /page size 513/ },
      'hostile/renamed.duckdb': { bytes: new TextEncoder().encode('just text, not DuckDB'), status: 'corrupt', format: 'duckdb', reason: /no 'DUCK' header/ },
      'hostile/orphan.db-wal': { bytes: walBytes(4096, 2), status: 'orphan', format: 'sqlite-wal', reason: /orphan\.db/ },
      'hostile/kept.db': { bytes: sqliteBytes({ pageCount: 2 }, 8192), status: 'ok', format: 'sqlite', reason: /2 pages/ },
      'hostile/kept.db-journal': { bytes: journalBytes(false), status: 'ok', format: 'sqlite-journal', reason: /inactive/ },
      'hostile/x9y8z7': { bytes: sahpoolSlotBytes('/ünïcode.db', SQLITE_OPEN_MAIN_DB, sqliteBytes({ pageCount: 1 }, 4096)), status: 'ok', format: 'sahpool', reason: /ünïcode\.db/ },
    };
    await writePageFiles(page, Object.fromEntries(Object.entries(cases).map(([path, c]) => [path, c.bytes])));
    await refresh(panel);
    const listed = await allPanelRows(panel);
    for (const [path, expected] of Object.entries(cases)) {
      expect(listed.find((r) => r.path === path), path).toMatchObject({ status: expected.status, format: expected.format });
      const reason = await panel.$eval(`[data-testid="file-row"][data-path="${path}"]`, (e) => e.getAttribute('title') ?? '').catch(() => '');
      if (reason) expect(reason, path).toMatch(expected.reason);
    }
    // Damaged databases are flagged but never offered by the one-click purge.
    await press(panel, '[data-testid="purge-corrupt"]');
    await panel.waitForSelector('[data-testid="purge-dialog"]');
    const dialog = await text(panel, 'purge-dialog');
    for (const [path, c] of Object.entries(cases)) if (c.status === 'corrupt') expect(dialog, path).not.toContain(path);
    await press(panel, '[data-testid="purge-cancel"]');
  });

  it('says plainly when the page’s Content-Security-Policy forbids asking which files are held, and still lists and judges them', async () => {
    writeFileSync(join(strictRoot, 'index.html'), `<!doctype html><meta http-equiv="Content-Security-Policy" content="worker-src 'none'"><title>strict</title>`);
    // Closed after the browser (in afterAll): its DevTools window keeps connections to it open.
    strict = await serveStatic(strictRoot);
    const other = await chromium.browser.newPage();
    await other.goto(`${strict.url}/`);
    await writePageFiles(other, { 'db/app.sqlite3': sqliteBytes({ pageCount: 2 }, 8192), 'db/app.sqlite3-wal': walBytes(4096, 1) });
    const { panel: strictPanel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${strict.url}/`, { inspected: other });
    await waitForScan(strictPanel);
    const listed = await allPanelRows(strictPanel);
    expect(listed.find((r) => r.path === 'db/app.sqlite3')).toMatchObject({ format: 'sqlite', status: 'ok', inUse: 'false' });
    expect(listed.find((r) => r.path === 'db/app.sqlite3-wal')).toMatchObject({ format: 'sqlite-wal', status: 'ok' });
    const note = await strictPanel.$eval('[data-testid="handles-note"]', (e) => [e.getAttribute('data-held'), e.textContent ?? '']);
    expect(note[0]).toBe('unknown');
    expect(note[1]).toMatch(/^Could not ask which files the page holds open: .+/);
    await other.close();
  });

  async function session(name: string): Promise<void> {
    await screenshot(devtools, name);
  }
});

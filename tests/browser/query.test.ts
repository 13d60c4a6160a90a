/**
 * The Query and Diff views, in the panel (opened in a tab on the extension's storage):
 * snapshots made by the engine, queried by SQL typed into the panel, the answers equal to
 * native DuckDB's on the very Parquet files of the snapshot; NULL, 'NULL' and '' told
 * apart; DuckDB's errors with their positions; a long query cancelled and the engine still
 * answering; no statement writing into OPFS; diffs with counts known from how the second
 * snapshot was made.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { Dictionary, Field, FixedSizeList, Int32, Table as ArrowTable, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm/node';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { call, listOpfs, openExtensionPage, readOpfsFile, sendRaw, writeOpfsBytes } from '../support/extension-page';
import { lit, nativeDuckDB, type NativeDuckDB } from '../support/native-duckdb';
import { fillIn, press, writePageFiles } from '../support/panel';
import { openDevToolsPanel } from '../support/devtools-panel';
import { serveStatic, type StaticServer } from '../support/static-server';
import { createParquetWriter, ordersSql as pageOrdersSql, type ParquetWriter } from '../support/parquet-fixtures';
import { screenshot } from '../support/screenshots';

const ROWS = 30_000;
const ADDED = 500;

/** The test's table, the same SQL in the engine and in native DuckDB: NULLs, the text 'NULL', empty text, decimals, dates, booleans. */
const ordersSql = (n: number, from = 0) => `SELECT range - ${from} AS __row_id, range AS id,
  CASE WHEN range % 7 = 0 THEN NULL WHEN range % 11 = 0 THEN 'NULL' WHEN range % 13 = 0 THEN '' ELSE 'customer ' || (range % 97) END AS customer,
  (['open', 'paid', 'shipped', 'cancelled'])[1 + range % 4] AS status,
  (((range * 37) % 100000) / 100)::DECIMAL(10, 2) AS amount,
  DATE '2024-01-01' + (range % 365)::INTEGER AS day,
  CASE WHEN range % 5 = 0 THEN NULL ELSE range % 3 = 0 END AS flagged
  FROM range(${from}, ${from + n})`;

/** Which ids the second snapshot drops, and which of its rows change amount or status (see `nextSql`). */
const removedId = (id: number) => id % 100 === 2;
const amountChanges = (id: number) => id % 50 === 1;
const statusChanges = (id: number) => id % 200 === 3;

/** The second snapshot: rows dropped, values changed, rows added, and a column only it has. */
const nextSql = `SELECT row_number() OVER (ORDER BY id) - 1 AS __row_id, id, customer,
  CASE WHEN id % 200 = 3 THEN 'changed' ELSE status END AS status,
  CASE WHEN id % 50 = 1 THEN amount + 1 ELSE amount END AS amount, day, flagged, 'note ' || id AS note
  FROM (SELECT * FROM src_orders WHERE id % 100 <> 2 UNION ALL SELECT * FROM (${ordersSql(ADDED, ROWS)}))`;

interface Result {
  state: string;
  rows: number;
  columns: string[];
  cells: (string | null)[][];
  text: string;
}

async function lastRun(panel: Page | Frame): Promise<number> {
  return panel.$eval('[data-testid="sql-result"]', (e) => Number(e.getAttribute('data-run'))).catch(() => 0);
}

/** The result shown; its cells read by scrolling the grid (it renders only the rows in view) when `all`. */
async function readResult(panel: Page | Frame, all = true): Promise<Result> {
  const result = await panel.$eval('[data-testid="sql-result"]', (e) => ({
    state: e.getAttribute('data-state') ?? '',
    rows: Number(e.getAttribute('data-rows')),
    columns: (e.getAttribute('data-columns') ?? '').split(',').filter(Boolean),
    cells: [] as (string | null)[][],
    text: e.textContent ?? '',
  }));
  const byRow = new Map<number, (string | null)[]>();
  for (let top = 0; ; ) {
    const seen = await panel.$$eval('[data-testid="sql-result"] tbody tr:not([aria-hidden])', (trs) =>
      trs.map((tr) => [Number(tr.querySelector('.row-number')?.textContent?.replaceAll(',', '')), [...tr.querySelectorAll('[data-testid="sql-cell"]')].map((c) => (c.getAttribute('data-null') === 'true' ? null : (c.textContent ?? '')))] as const),
    );
    for (const [n, cells] of seen) byRow.set(n, cells);
    const grid = await panel.$('[data-testid="sql-result"] .sql-grid');
    if (!all || !grid) break;
    const { height, scrollHeight } = await grid.evaluate((g) => ({ height: g.clientHeight, scrollHeight: g.scrollHeight }));
    if (top + height >= scrollHeight) break;
    top += height;
    await grid.evaluate((g, top) => g.scrollTo({ top }), top);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  result.cells = [...byRow.entries()].sort(([a], [b]) => a - b).map(([, cells]) => cells);
  return result;
}

/** Waits until the `testId` result (a query's or a diff's) numbered after `before` has settled. */
async function settledAfter(panel: Page | Frame, testId: 'sql-result' | 'diff-result', before: number, timeout: number): Promise<void> {
  await panel.waitForFunction(
    (testId, before) => {
      const e = document.querySelector(`[data-testid="${testId}"]`);
      return e && Number(e.getAttribute('data-run')) > before && e.getAttribute('data-state') !== 'running';
    },
    { timeout, polling: 50 },
    testId,
    before,
  );
}

/** Types `sql` into the editor, runs it with Ctrl+Enter or the button, and answers the result of this run. */
async function runSql(panel: Page | Frame, sql: string, how: 'button' | 'keys' = 'button', all = true): Promise<Result> {
  if (!(await panel.$('[data-testid="sql-input"]'))) await press(panel, '[data-testid="tab-query"]');
  const before = await lastRun(panel);
  await fillIn(panel, '[data-testid="sql-input"]', sql);
  if (how === 'keys') {
    await panel.focus('[data-testid="sql-input"]');
    const { keyboard } = 'keyboard' in panel ? panel : panel.page();
    await keyboard.down('Control');
    await keyboard.press('Enter');
    await keyboard.up('Control');
  } else {
    await press(panel, '[data-testid="sql-run"]');
  }
  await settledAfter(panel, 'sql-result', before, 120_000);
  return readResult(panel, all);
}


describe('SQL and diffs over snapshots, in the panel', () => {
  let chromium: LaunchedBrowser;
  let driver: Page;
  let panel: Page;
  let native: NativeDuckDB;
  const work = mkdtempSync(join(tmpdir(), 'opfs-query-'));

  async function exportTable(sql: string, table: string, snapshotId: string, rowsPerPart: number): Promise<void> {
    await call(driver, 'queryRows', { sql: `CREATE OR REPLACE TABLE ${table} AS ${sql}` });
    await call(driver, 'exportSnapshot', { table, snapshotId, sourceName: snapshotId, options: { rowsPerPart } });
  }

  /** Copies a snapshot's parts out of the extension's OPFS and makes them a view of native DuckDB. */
  async function nativeView(snapshotId: string): Promise<void> {
    const parts = (await listOpfs(driver, 'snapshots')).filter((f) => f.name.startsWith(`${snapshotId}_part_`) || f.name === `${snapshotId}.parquet`);
    expect(parts.length).toBeGreaterThan(0);
    const paths = [];
    for (const part of parts) {
      const path = join(work, part.name);
      writeFileSync(path, await readOpfsFile(driver, `snapshots/${part.name}`));
      paths.push(path);
    }
    await native.conn.run(`CREATE OR REPLACE VIEW "${snapshotId}" AS SELECT * FROM read_parquet([${paths.map(lit).join(', ')}])`);
  }

  /** Native DuckDB's answer to `sql`, every value as its text (as the panel shows it). */
  async function nativeCells(sql: string): Promise<(string | null)[][]> {
    const reader = await native.conn.runAndReadAll(`SELECT COLUMNS(*)::VARCHAR FROM (${sql})`);
    return reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : String(v))));
  }

  beforeAll(async () => {
    native = await nativeDuckDB();
    chromium = await launchWithExtension();
    driver = await openExtensionPage(chromium.browser, chromium.extensionId);
    await exportTable(ordersSql(ROWS), 'src_orders', 'orders', 10_000);
    await exportTable(nextSql, 'src_next', 'orders_next', 250_000);
    // Nothing of them stays in the engine: the console must load the snapshots from their files.
    for (const table of ['src_orders', 'src_next']) await call(driver, 'dropTable', { table });
    await nativeView('orders');
    await nativeView('orders_next');
    panel = await chromium.browser.newPage();
    await panel.setViewport({ width: 1200, height: 800 });
    await panel.goto(`chrome-extension://${chromium.extensionId}/panel/panel.html`);
    await panel.waitForSelector('[data-testid="summary"][data-state="done"]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await chromium?.close();
    native?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('answers counts, sums, a group-by and NULLs as native DuckDB does on the same Parquet files', async () => {
    await press(panel, '[data-testid="tab-query"]');
    await panel.waitForSelector('[data-testid="query-table"][data-table="orders"]');
    const statements = [
      'SELECT count(*) AS n FROM orders WHERE customer IS NULL',
      "SELECT count(*) AS n, sum(amount) AS total, min(day) AS first, max(day) AS last FROM orders WHERE status = 'paid' AND flagged",
      'SELECT status, count(*) AS n, sum(amount) AS total, count(customer) AS with_customer FROM orders GROUP BY status ORDER BY status',
      'SELECT id, customer, flagged, amount FROM orders WHERE id < 100 ORDER BY id DESC',
      "SELECT customer IS NULL AS is_null, customer = 'NULL' AS is_text_null, customer = '' AS is_empty, count(*) AS n FROM orders GROUP BY ALL ORDER BY ALL",
    ];
    for (const [i, sql] of statements.entries()) {
      const result = await runSql(panel, sql, i % 2 === 0 ? 'button' : 'keys');
      expect(result.state, result.text).toBe('done');
      const expected = await nativeCells(sql);
      expect(result.rows, sql).toBe(expected.length);
      expect(result.cells, sql).toEqual(expected);
    }
    // NULL, the text 'NULL' and the empty string are three different cells.
    const mixed = await runSql(panel, 'SELECT id, customer FROM orders WHERE id IN (7, 11, 13, 1) ORDER BY id');
    expect(mixed.cells).toEqual([['1', 'customer 1'], ['7', null], ['11', 'NULL'], ['13', '']]);
    const shown = await panel.$$eval('[data-testid="sql-result"] tbody tr:not([aria-hidden])', (trs) => trs.map((tr) => [...tr.querySelectorAll('[data-testid="sql-cell"]')].map((c) => c.className.trim())));
    expect(shown.map((r) => r[1])).toEqual(['', 'null', '', 'empty']);
    // Numbers are aligned right, text is not.
    expect(shown[0][0]).toBe('num');
    // The history keeps the statements run, newest first, without repeats.
    const history = await panel.$$eval('[data-testid="sql-history"] option', (options) => options.map((o) => (o).value).filter(Boolean));
    expect(history[0]).toBe('SELECT id, customer FROM orders WHERE id IN (7, 11, 13, 1) ORDER BY id');
    expect(history).toHaveLength(statements.length + 1);
    await screenshot(panel, 'query-group-by');
  });

  it('shows the first 10,000 rows of a large result with its exact count, and downloads all of it as CSV and as Parquet', async () => {
    const result = await runSql(panel, 'SELECT id, customer, status, amount, day, flagged, note FROM orders_next ORDER BY id', 'button', false);
    expect(result.state).toBe('done');
    expect(result.rows).toBe(ROWS - ROWS / 100 + ADDED);
    expect(result.columns).toEqual(['id', 'customer', 'status', 'amount', 'day', 'flagged', 'note']);
    expect(await panel.$eval('[data-testid="sql-result"] [role="grid"]', (e) => Number(e.getAttribute('aria-rowcount')))).toBe(10_000);
    // Virtualised: only the rows in view are in the document.
    expect(result.cells.length).toBeLessThan(200);
    const downloads = mkdtempSync(join(tmpdir(), 'opfs-query-downloads-'));
    const session = await chromium.browser.target().createCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    try {
      await press(panel, '[data-testid="sql-download-csv"]');
      await panel.waitForFunction(() => /^Downloaded/.test(document.querySelector('[data-testid="sql-download-status"]')?.textContent ?? ''), { timeout: 60_000, polling: 100 });
      const file = join(downloads, 'query-result.csv');
      await expect.poll(() => existsSync(file), { timeout: 30_000 }).toBe(true);
      const parsed = Papa.parse<string[]>(readFileSync(file, 'utf8'), { skipEmptyLines: false });
      const [header, ...data] = parsed.data;
      expect(header).toEqual(result.columns);
      // NULL is written as an empty field, as DuckDB's own CSV writer does.
      const expected = (await nativeCells('SELECT id, customer, status, amount, day, flagged, note FROM orders_next ORDER BY id')).map((row) => row.map((v) => v ?? ''));
      expect(data).toEqual(expected);

      // The same result as one Parquet file: native DuckDB reads back every row, in order, NULLs as NULLs.
      await press(panel, '[data-testid="sql-download-parquet"]');
      await panel.waitForFunction(() => /^Downloaded .* as query-result\.parquet/.test(document.querySelector('[data-testid="sql-download-status"]')?.textContent ?? ''), { timeout: 60_000, polling: 100 });
      const parquet = join(downloads, 'query-result.parquet');
      await expect.poll(() => existsSync(parquet), { timeout: 30_000 }).toBe(true);
      const fromParquet = await nativeCells(`SELECT * FROM read_parquet(${lit(parquet)})`);
      expect(fromParquet).toEqual(await nativeCells('SELECT id, customer, status, amount, day, flagged, note FROM orders_next ORDER BY id'));
      expect(await listOpfs(driver, 'staging')).toEqual([]);

      // Read back as a CSV reader that keeps quoted fields (the extension's importer, DuckDB's allow_quoted_nulls=false): an empty string stays one, NULL stays NULL.
      await runSql(panel, `SELECT * FROM (VALUES (1, ''), (2, NULL), (3, 'x'), (4, '""'), (5, ' '), (6, ',')) t(id, s) ORDER BY id`, 'button', false);
      rmSync(file);
      await press(panel, '[data-testid="sql-download-csv"]');
      await panel.waitForFunction(() => /^Downloaded 6 rows/.test(document.querySelector('[data-testid="sql-download-status"]')?.textContent ?? ''), { timeout: 60_000, polling: 100 });
      await expect.poll(() => existsSync(file), { timeout: 30_000 }).toBe(true);
      const readBack = await nativeCells(`SELECT * FROM read_csv(${lit(file)}, header = true, allow_quoted_nulls = false, all_varchar = true)`);
      expect(readBack).toEqual([['1', ''], ['2', null], ['3', 'x'], ['4', '""'], ['5', ' '], ['6', ',']]);
    } finally {
      rmSync(downloads, { recursive: true, force: true });
    }
  });

  it('says DuckDB’s own error, with the line it points at, and stays usable', async () => {
    const syntax = await runSql(panel, 'SELEC 1');
    expect(syntax.state).toBe('failed');
    expect(syntax.text).toMatch(/Parser Error: syntax error at or near "SELEC"/);
    expect(syntax.text).toMatch(/LINE 1: SELEC 1/);
    const binder = await runSql(panel, 'SELECT id,\n  no_such_column\nFROM orders');
    expect(binder.state).toBe('failed');
    expect(binder.text).toMatch(/Binder Error: Referenced column "no_such_column" not found/);
    // The position refers to the statement as typed: its second line.
    expect(binder.text).toMatch(/LINE 2:\s+no_such_column/);
    const after = await runSql(panel, 'SELECT 40 + 2 AS answer');
    expect(after.cells).toEqual([['42']]);
  });

  it('shows what UPDATE … RETURNING returns as a query shows the same rows: each value as DuckDB’s text, each column with its DuckDB type', async () => {
    const kinds = [
      'i',
      "DATE '2024-02-27' + i::INTEGER AS d",
      "TIMESTAMP '2024-01-01 12:34:56.789123' + to_hours(i) AS ts",
      "TIMESTAMP_MS '1969-12-31 23:59:59.5' + to_minutes(i) AS ts_ms",
      "(TIMESTAMP '2024-01-01 00:00:00' + to_minutes(i))::TIMESTAMPTZ AS tstz",
      "TIME '23:59:59.999999' AS t",
      '(i * 1.125 - 2)::DECIMAL(18,3) AS dec',
      "('-12345678901234567890.123456789' )::DECIMAL(38,9) AS wide",
      'i::HUGEINT * 100000000000000000000 AS huge',
      '18446744073709551615::UBIGINT - i AS ubig',
      'CASE WHEN i = 1 THEN NULL ELSE to_months(i - 1) + to_days(i) + to_microseconds(7) END AS iv',
      'to_microseconds(-123456789012 * i) - to_months(i) AS iv_neg',
      "('12345678-1234-5678-1234-56781234567' || i)::UUID AS id",
      "'\\xAA\\x00'::BLOB AS bytes",
      '[i, NULL, -i] AS list',
      "{'a': i, 'b': 'x y'} AS struct",
      "MAP {'k': i} AS map",
      "CASE WHEN i = 1 THEN NULL ELSE -0.0::DOUBLE END AS negzero",
      '1e300 * (i + 1) AS big_double',
      "'ünï ☃ ' || i AS text",
      'i % 2 = 0 AS flag',
    ];
    const created = await runSql(panel, `CREATE OR REPLACE TABLE returning_kinds AS SELECT ${kinds.join(', ')} FROM range(3) r(i)`);
    expect(created.state, created.text).toBe('done');
    const queried = await runSql(panel, 'SELECT * FROM returning_kinds ORDER BY i');
    const returned = await runSql(panel, 'UPDATE returning_kinds SET flag = flag RETURNING *');
    expect(queried.state, queried.text).toBe('done');
    expect(returned.state, returned.text).toBe('done');
    await screenshot(panel, 'query-update-returning');
    // The sidebar counts the table's rows after the UPDATE (DuckDB's estimate said 6).
    expect(await panel.$eval('[data-testid="query-table"][data-table="returning_kinds"]', (e) => e.parentElement?.textContent ?? '')).toMatch(/returning_kinds 3 rows$/);
    expect(returned.columns).toEqual(queried.columns);
    expect([...returned.cells].sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(queried.cells);
    const types = () => panel.$$eval('[data-testid="sql-result"] th .type', (ths) => ths.map((th) => th.textContent ?? ''));
    const returnedTypes = await types();
    await runSql(panel, 'SELECT * FROM returning_kinds ORDER BY i');
    // DuckDB's types, except where its Arrow export itself carries a column as another type.
    const viaArrow: Record<string, string> = { TIMESTAMP_MS: 'TIMESTAMP', HUGEINT: 'DECIMAL(38,0)', UBIGINT: 'DECIMAL(38,0)', UUID: 'VARCHAR' };
    expect(returnedTypes).toEqual((await types()).map((type) => viaArrow[type] ?? type));
    expect(returnedTypes).toEqual(expect.arrayContaining(['DECIMAL(38,9)', 'INTERVAL', 'TIMESTAMP WITH TIME ZONE', 'MAP(VARCHAR, BIGINT)']));

    // An INTERVAL inside a list does not survive apache-arrow 17: its values are not shown, and the header says so.
    await runSql(panel, 'ALTER TABLE returning_kinds ADD COLUMN iv_list INTERVAL[]');
    const nested = await runSql(panel, "UPDATE returning_kinds SET iv_list = [to_days(i), NULL] RETURNING i, iv_list, d");
    expect(nested.state, nested.text).toBe('done');
    expect(nested.cells.map((row) => [row[1], row[2]]).sort()).toEqual([[null, '2024-02-27'], [null, '2024-02-28'], [null, '2024-02-29']]);
    expect((await types())[1]).toMatch(/not shown: INTERVAL values inside a nested value/);
    await runSql(panel, 'DROP TABLE returning_kinds');
  });

  it('cancels a long query: the engine stops it and answers the next one', async () => {
    if (!(await panel.$('[data-testid="sql-input"]'))) await press(panel, '[data-testid="tab-query"]');
    const before = await lastRun(panel);
    await fillIn(panel, '[data-testid="sql-input"]', 'SELECT sum(hash(a.range * b.range)) FROM range(200000) a, range(200000) b');
    await press(panel, '[data-testid="sql-run"]');
    await panel.waitForSelector(`[data-testid="sql-result"][data-state="running"]`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Still running, or what ended it (it failed once beside another browser test, and only the cancel's wait said so).
    const running = await readResult(panel, false);
    expect(running.state, running.text).toBe('running');
    const cancelledAt = Date.now();
    await press(panel, '[data-testid="sql-cancel"]');
    await panel.waitForFunction((before) => document.querySelector(`[data-testid="sql-result"][data-state="failed"]`) && Number(document.querySelector('[data-testid="sql-result"]')!.getAttribute('data-run')) > before, { timeout: 30_000, polling: 50 }, before);
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    expect((await readResult(panel)).text).toMatch(/^Cancelled/);
    const next = await runSql(panel, 'SELECT count(*) AS n FROM orders');
    expect(next.cells).toEqual([[String(ROWS)]]);
  });

  it('cannot write into OPFS: COPY and ATTACH leave the storage as it was', async () => {
    const files = async () => JSON.stringify(await Promise.all(['', 'snapshots', 'staging'].map((f) => listOpfs(driver, f))));
    const before = await files();
    for (const sql of [
      "COPY (SELECT 1 AS x) TO 'opfs://snapshots/evil.csv'",
      "COPY orders TO 'opfs://orders_part_0.parquet' (FORMAT csv)",
      "COPY (SELECT 1 AS x) TO 'snapshots/evil.csv'",
      "ATTACH 'opfs://evil.duckdb' AS evil",
    ]) {
      await runSql(panel, sql);
    }
    expect(await files()).toBe(before);
  });

  it('opens a snapshot from its row in Query, its first rows shown', async () => {
    await press(panel, '[data-testid="tab-files"]');
    const before = await lastRun(panel);
    await press(panel, '[data-testid="snapshot-row"][data-snapshot-id="orders_next"] [data-testid="open-in-query"]');
    await panel.waitForFunction((before) => Number(document.querySelector('[data-testid="sql-result"][data-state="done"]')?.getAttribute('data-run')) > before, { timeout: 60_000, polling: 50 }, before);
    const result = await readResult(panel);
    expect(result.rows).toBe(1000);
    expect(result.columns).toEqual(['__row_id', 'id', 'customer', 'status', 'amount', 'day', 'flagged', 'note']);
    expect(await panel.$eval('[data-testid="sql-input"]', (e) => (e as HTMLTextAreaElement).value)).toBe('SELECT * FROM "orders_next" LIMIT 1000');
  });

  it('diffs two snapshots by a key: added, removed and changed rows, and changes per column, as they were made', async () => {
    await press(panel, '[data-testid="tab-diff"]');
    await panel.waitForSelector('[data-testid="diff-a"] option[value="orders"]');
    await panel.select('[data-testid="diff-a"]', 'orders');
    await panel.select('[data-testid="diff-b"]', 'orders_next');
    await panel.select('[data-testid="diff-key"]', 'id');
    await press(panel, '[data-testid="diff-run"]');
    await panel.waitForSelector('[data-testid="diff-result"]:not([data-state="running"])', { timeout: 120_000 });
    const ids = Array.from({ length: ROWS }, (_, i) => i);
    const kept = ids.filter((id) => !removedId(id));
    const outcome = await panel.$eval('[data-testid="diff-result"]', (e) => ({
      state: e.getAttribute('data-state'),
      added: Number(e.getAttribute('data-added')),
      removed: Number(e.getAttribute('data-removed')),
      changed: Number(e.getAttribute('data-changed')),
      text: e.textContent ?? '',
    }));
    expect(outcome, outcome.text).toMatchObject({
      state: 'done',
      added: ADDED,
      removed: ids.filter(removedId).length,
      changed: kept.filter((id) => amountChanges(id) || statusChanges(id)).length,
    });
    const perColumn = await panel.$$eval('[data-testid="diff-columns"] [data-column]', (spans) => Object.fromEntries(spans.map((s) => [s.getAttribute('data-column'), Number(s.getAttribute('data-changed'))])));
    expect(perColumn).toEqual({ customer: 0, status: kept.filter(statusChanges).length, amount: kept.filter(amountChanges).length, day: 0, flagged: 0 });
    // The column only B has is said first, and not compared.
    expect(await panel.$eval('[data-testid="diff-schema"]', (e) => e.textContent)).toMatch(/Columns only in B \(not compared\): note/);
    // Changed cells show the old and the new value.
    const first = await panel.$eval('[data-testid="diff-row"][data-key="1"] [data-changed="true"]', (e) => e.textContent);
    const [oldAmount] = await nativeCells('SELECT amount FROM orders WHERE id = 1');
    const [newAmount] = await nativeCells('SELECT amount FROM orders_next WHERE id = 1');
    expect(first).toBe(`${oldAmount[0]} → ${newAmount[0]}`);
    await screenshot(panel, 'diff-by-key');
    // The removed rows, browsed: the first ones by key.
    await press(panel, '[data-testid="diff-group-removed"]');
    await panel.waitForSelector('[data-testid="diff-group-removed"][aria-selected="true"]');
    const removedKeys = await panel.$$eval('[data-testid="diff-row"]', (rows) => rows.slice(0, 3).map((r) => r.getAttribute('data-key')));
    expect(removedKeys).toEqual(['2', '102', '202']);
  });

  it('diffs two 1,000,000-row snapshots: the counts of how the second was made', async () => {
    const million = 1_000_000;
    await exportTable(`SELECT range AS __row_id, range AS id, (range % 1000)::INTEGER AS bucket, ((range * 37) % 100000)::DECIMAL(12, 2) AS amount FROM range(${million})`, 'big_a', 'big_a', 250_000);
    // B: every thousandth row from 7 on removed, every hundredth row's amount changed, 500 rows added.
    await exportTable(
      `SELECT row_number() OVER (ORDER BY id) - 1 AS __row_id, id, bucket, amount FROM (
         SELECT id, bucket, CASE WHEN id % 100 = 0 THEN amount + 1 ELSE amount END AS amount FROM big_a WHERE id % 1000 <> 7
         UNION ALL SELECT range, (range % 1000)::INTEGER, 0 FROM range(${million}, ${million + 500}))`,
      'big_b',
      'big_b',
      250_000,
    );
    for (const table of ['big_a', 'big_b']) await call(driver, 'dropTable', { table });
    if (!(await panel.$('[data-testid="diff-a"]'))) await press(panel, '[data-testid="tab-diff"]');
    // The catalog is read when the tab is shown: show it again to list the new snapshots.
    await press(panel, '[data-testid="tab-query"]');
    await press(panel, '[data-testid="tab-diff"]');
    await panel.waitForSelector('[data-testid="diff-a"] option[value="big_b"]');
    await panel.select('[data-testid="diff-a"]', 'big_a');
    await panel.select('[data-testid="diff-b"]', 'big_b');
    await panel.select('[data-testid="diff-key"]', 'id');
    const before = await panel.$eval('[data-testid="diff-result"]', (e) => Number(e.getAttribute('data-run'))).catch(() => 0);
    await press(panel, '[data-testid="diff-run"]');
    await settledAfter(panel, 'diff-result', before, 170_000);
    const outcome = await panel.$eval('[data-testid="diff-result"]', (e) => ({ state: e.getAttribute('data-state'), counts: [e.getAttribute('data-added'), e.getAttribute('data-removed'), e.getAttribute('data-changed')], text: e.textContent ?? '' }));
    expect(outcome.state, outcome.text).toBe('done');
    expect(outcome.counts).toEqual(['500', String(million / 1000), String(million / 100)]);
    for (const table of ['big_a', 'big_b']) await call(driver, 'dropTable', { table });

    // Cancelled while it loads a snapshot: said as a cancel, and the next statement loads it whole.
    await press(panel, '[data-testid="tab-query"]');
    const before2 = await lastRun(panel);
    await fillIn(panel, '[data-testid="sql-input"]', 'SELECT count(*) AS n FROM big_a');
    await press(panel, '[data-testid="sql-run"]');
    await panel.waitForSelector('[data-testid="sql-result"][data-state="running"]');
    await press(panel, '[data-testid="sql-cancel"]');
    await panel.waitForFunction((before) => Number(document.querySelector('[data-testid="sql-result"]:not([data-state="running"])')?.getAttribute('data-run')) > before, { timeout: 60_000, polling: 50 }, before2);
    expect((await readResult(panel)).text).toMatch(/^Cancelled/);
    expect((await runSql(panel, 'SELECT count(*) AS n FROM big_a')).cells).toEqual([[String(million)]]);
    await call(driver, 'dropTable', { table: 'big_a' });
  }, 240_000);

  it('refuses a key that is not unique, saying which values repeat; by row id, a snapshot equals itself', async () => {
    if (!(await panel.$('[data-testid="diff-a"]'))) await press(panel, '[data-testid="tab-diff"]');
    await panel.waitForSelector('[data-testid="diff-a"] option[value="orders"]');
    await panel.select('[data-testid="diff-a"]', 'orders');
    await panel.select('[data-testid="diff-b"]', 'orders_next');
    await panel.select('[data-testid="diff-key"]', 'status');
    await press(panel, '[data-testid="diff-run"]');
    await panel.waitForSelector('[data-testid="diff-result"][data-state="failed"]', { timeout: 60_000 });
    expect(await panel.$eval('[data-testid="diff-result"]', (e) => e.textContent)).toMatch(/The key "status" is not unique in A \(orders\): 4 values appear more than once, in 30,000 rows/);
    await panel.select('[data-testid="diff-b"]', 'orders');
    await panel.select('[data-testid="diff-key"]', '');
    await press(panel, '[data-testid="diff-run"]');
    await panel.waitForSelector('[data-testid="diff-result"][data-state="done"]', { timeout: 60_000 });
    const same = await panel.$eval('[data-testid="diff-result"]', (e) => [e.getAttribute('data-added'), e.getAttribute('data-removed'), e.getAttribute('data-changed')]);
    expect(same).toEqual(['0', '0', '0']);
  });
});

describe('files of the inspected page opened in Query, in the real DevTools panel', () => {
  let chromium: LaunchedBrowser;
  let server: StaticServer;
  let page: Page;
  let driver: Page;
  let panel: Frame;
  let writer: ParquetWriter;
  const served = mkdtempSync(join(tmpdir(), 'opfs-query-page-'));
  const orders = join(served, 'orders.parquet');

  /** Clicks a file row's "Query" and answers the result of the statement it runs. */
  async function openInQuery(path: string): Promise<Result> {
    const before = await lastRun(panel);
    await press(panel, `[data-testid="file-row"][data-path="${path}"] [data-testid="open-in-query"]`);
    await settledAfter(panel, 'sql-result', before, 120_000);
    return readResult(panel);
  }

  beforeAll(async () => {
    cpSync(join(resolve(import.meta.dirname, '..', 'fixtures'), 'hostile-pages'), served, { recursive: true });
    writer = await createParquetWriter();
    const files = {
      // Several row groups: the codec decodes one at a time.
      'data/orders.parquet': await writer.write(orders, pageOrdersSql(0, 5000), { rowGroupSize: 1000 }),
      // The same orders, every tenth amount changed, every fiftieth (from 3) removed, 20 added.
      'data/orders-next.parquet': await writer.write(
        join(served, 'orders-next.parquet'),
        `SELECT * REPLACE (CASE WHEN order_id % 10 = 0 THEN amount + 1 ELSE amount END AS amount) FROM (${pageOrdersSql(0, 5000)}) WHERE order_id % 50 <> 3 UNION ALL ${pageOrdersSql(5000, 20)}`,
      ),
      // A snapshot of the page in two parts: it opens as one table, its rows in part order.
      'history/history_part_0.parquet': await writer.write(join(served, 'h0.parquet'), pageOrdersSql(0, 3000)),
      'history/history_part_1.parquet': await writer.write(join(served, 'h1.parquet'), pageOrdersSql(3000, 2000)),
      // The same, in row groups of 1,000, its second part with the columns in another order.
      'shuffled/shuffled_part_0.parquet': await writer.write(join(served, 's0.parquet'), pageOrdersSql(0, 3000), { rowGroupSize: 1000 }),
      'shuffled/shuffled_part_1.parquet': await writer.write(join(served, 's1.parquet'), `SELECT paid, amount, order_id, order_date, customer_id FROM (${pageOrdersSql(3000, 2000)})`, { rowGroupSize: 1000 }),
      'data/people.csv': new TextEncoder().encode('id,name,city\r\n1,Ann,Oslo\r\n2,"Smith, J","NULL"\r\n3,Zoë,\r\n'),
      'data/events.json': new TextEncoder().encode(JSON.stringify([{ id: 1, kind: 'click', at: '2026-01-01' }, { id: 2, kind: 'view', at: null }, { id: 3, kind: '', at: '2026-01-03' }])),
      // About 40 MB as a table, a few KB on disk.
      'data/wide.parquet': await writer.write(join(served, 'wide.parquet'), "SELECT range AS i, repeat('x', 2000) || range AS s FROM range(20000)"),
    };
    server = await serveStatic(served);
    chromium = await launchWithExtension();
    driver = await openExtensionPage(chromium.browser, chromium.extensionId);
    page = await chromium.browser.newPage();
    await page.goto(`${server.url}/`);
    await writePageFiles(page, files);
    ({ panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${server.url}/`, { dock: 'undocked', inspected: page }));
    await panel.waitForSelector('[data-testid="summary"][data-state="done"]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    writer?.close();
    rmSync(served, { recursive: true, force: true });
  });

  it('reads a page’s Parquet file by ranges into a table named after it: its answers equal native DuckDB’s on the same file', async () => {
    const opened = await openInQuery('data/orders.parquet');
    expect(opened.state, opened.text).toBe('done');
    expect(opened.rows).toBe(1000);
    // Numbered in file order, as a snapshot's rows are: a diff can match rows by their place.
    expect(opened.columns).toEqual(['__row_id', 'order_id', 'customer_id', 'amount', 'order_date', 'paid']);
    const sql = 'SELECT count(*) AS n, sum(amount) AS total, count(paid) AS known, min(order_date) AS first, max(order_id) AS last FROM orders';
    const ours = await runSql(panel, sql);
    const [native] = await writer.rows(`SELECT count(*)::VARCHAR AS n, sum(amount)::VARCHAR AS total, count(paid)::VARCHAR AS known, min(order_date)::VARCHAR AS first, max(order_id)::VARCHAR AS last FROM read_parquet(${lit(orders)})`);
    expect(ours.cells).toEqual([Object.values(native)]);
    // File order kept: the first rows are the file's first rows.
    const firstIds = await runSql(panel, 'SELECT order_id FROM orders LIMIT 3');
    expect(firstIds.cells).toEqual([['0'], ['1'], ['2']]);
    // Nothing of the copy is left in the extension's storage.
    expect(await listOpfs(driver, 'staging')).toEqual([]);
  });

  it('reads a page’s CSV and JSON files, every value kept as written', async () => {
    const people = await openInQuery('data/people.csv');
    expect(people.state, people.text).toBe('done');
    const csv = await runSql(panel, 'SELECT id, name, city FROM people ORDER BY id');
    expect(csv.cells, csv.text).toEqual([['1', 'Ann', 'Oslo'], ['2', 'Smith, J', 'NULL'], ['3', 'Zoë', null]]);
    const events = await openInQuery('data/events.json');
    expect(events.state, events.text).toBe('done');
    const json = await runSql(panel, 'SELECT id, kind, "at" FROM events ORDER BY id');
    expect(json.cells, json.text).toEqual([['1', 'click', '2026-01-01'], ['2', 'view', null], ['3', '', '2026-01-03']]);
    expect(await listOpfs(driver, 'staging')).toEqual([]);
  });

  it.each([
    ['1::BIGINT', '2.5::DOUBLE', /INT64.* but .*DOUBLE|DOUBLE.* but .*INT64/],
    ['1.25::DECIMAL(5, 2)', '1.2345::DECIMAL(10, 4)', /DECIMAL/],
    ["TIMESTAMP '2026-01-01 00:00:00.123456'", "TIMESTAMP_NS '2026-01-01 00:00:00.123456789'", /TIMESTAMP/],
    ['1::INTEGER', '2::BIGINT', /INT32.* but .*INT64|INT64.* but .*INT32/],
  ])('refuses parts that declare a column differently (%s, then %s) rather than convert the later values', async (firstValue, laterValue, named) => {
    const work = mkdtempSync(join(tmpdir(), 'opfs-query-types-'));
    try {
      const first = await writer.write(join(work, 'a.parquet'), `SELECT ${firstValue} AS v, 'a' AS name`);
      const later = await writer.write(join(work, 'b.parquet'), `SELECT 'b' AS name, ${laterValue} AS v`);
      await writeOpfsBytes(driver, 'mixed/a.parquet', first);
      await writeOpfsBytes(driver, 'mixed/b.parquet', later);
      const files = [{ path: 'mixed/a.parquet', name: 'a.parquet' }, { path: 'mixed/b.parquet', name: 'b.parquet' }];
      const refused = await sendRaw(driver, 'openFileInQuery', { files, queryId: crypto.randomUUID() });
      expect(refused).toMatchObject({ ok: false, error: { name: 'ParquetError', message: expect.stringMatching(/^Column "v" is .* in b\.parquet but .* in a\.parquet: files that declare a column differently are not read into one table/) } });
      expect((refused as { error: { message: string } }).error.message).toMatch(named);
      // The same column declared alike, in another order: one table, by name, values as written.
      await writeOpfsBytes(driver, 'mixed/b.parquet', await writer.write(join(work, 'b2.parquet'), `SELECT 'b' AS name, ${firstValue} AS v`));
      const opened = await call(driver, 'openFileInQuery', { files, table: 'mixed_types', queryId: crypto.randomUUID() });
      expect(opened.rows).toBe(2);
      const rows = await call(driver, 'queryRows', { sql: `SELECT name, v::VARCHAR AS v FROM mixed_types ORDER BY name` });
      const expected = (await call(driver, 'queryRows', { sql: `SELECT (${firstValue})::VARCHAR AS v` })).rows[0][0];
      expect(rows.rows.map((r) => r.map(String))).toEqual([['a', String(expected)], ['b', String(expected)]]);
    } finally {
      rmSync(work, { recursive: true, force: true });
      for (const name of ['a.parquet', 'b.parquet']) await driver.evaluate(async (name) => (await (await navigator.storage.getDirectory()).getDirectoryHandle('mixed')).removeEntry(name).catch(() => undefined), name);
    }
  });

  it('refuses, in words, a Parquet file whose ENUM array would crash the engine; shows no wrong value of one a statement returned; the engine answers after', async () => {
    // Written by parquet-wasm with its Arrow schema, as the library wrote such a table before it refused them.
    const type = new FixedSizeList(2, new Field('item', new Dictionary(new Utf8(), new Int32()), true));
    const arrow = tableToIPC(new ArrowTable({ id: vectorFromArray([1, 2], new Int32()), v: vectorFromArray([['sad', 'ok'], ['ok', null]], type) }), 'stream');
    await writeOpfsBytes(driver, 'enums/arrays.parquet', writeParquet(WasmTable.fromIPCStream(arrow)));
    const refused = await sendRaw(driver, 'openFileInQuery', { files: [{ path: 'enums/arrays.parquet', name: 'arrays.parquet' }], queryId: crypto.randomUUID() });
    expect(refused).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^Column "v" holds ENUM \(dictionary\) values inside a fixed-size array, which DuckDB-WASM cannot read \(its reader would crash\): the file was not read\./) },
    });
    expect((await call(driver, 'queryRows', { sql: 'SELECT 40 + 2 AS answer' })).rows).toEqual([[42]]);
    // DuckDB's own Arrow of such a column, returned by a statement that is not a query.
    await runSql(panel, "CREATE OR REPLACE TABLE enum_arrays AS SELECT 1 AS id, ['a', 'b']::ENUM('a', 'b')[2] AS v");
    const returned = await runSql(panel, 'UPDATE enum_arrays SET id = 2 RETURNING v');
    // Not shown rather than shown wrong (apache-arrow reads such values as nulls): the column says why.
    expect(returned).toMatchObject({ state: 'done', rows: 1, columns: ['v'], cells: [[null]] });
    expect(returned.text).toContain('ENUM values inside a fixed-size array cannot be shown for a statement run as written');
    expect((await runSql(panel, 'SELECT id, v::VARCHAR AS v FROM enum_arrays')).cells).toEqual([['2', '[a, b]']]);
    await runSql(panel, 'DROP TABLE enum_arrays');
  });

  it('opens a page’s snapshot, its parts in order as one table named after it', async () => {
    await press(panel, '[data-testid="tab-files"]');
    const before = await lastRun(panel);
    await press(panel, '[data-testid="snapshot-row"][data-snapshot-id="history"] [data-testid="open-in-query"]');
    await settledAfter(panel, 'sql-result', before, 120_000);
    const opened = await readResult(panel);
    expect(opened.state, opened.text).toBe('done');
    const whole = await runSql(panel, 'SELECT count(*) AS n, max(order_id) AS top, count(*) FILTER (WHERE __row_id <> order_id) AS misplaced FROM history');
    expect(whole.cells).toEqual([['5000', '4999', '0']]);
    expect(await listOpfs(driver, 'staging')).toEqual([]);
  });

  it('opens a page’s snapshot whose parts store their columns in different orders: every value under its own column, rows in part order', async () => {
    await press(panel, '[data-testid="tab-files"]');
    const before = await lastRun(panel);
    await press(panel, '[data-testid="snapshot-row"][data-snapshot-id="shuffled"] [data-testid="open-in-query"]');
    await settledAfter(panel, 'sql-result', before, 120_000);
    expect((await readResult(panel)).state).toBe('done');
    const columns = await runSql(panel, 'SELECT column_name FROM (DESCRIBE shuffled)');
    expect(columns.cells.map((r) => r[0])).toEqual(['__row_id', 'order_id', 'customer_id', 'amount', 'order_date', 'paid']);
    // Every value is a function of order_id (tests/support/parquet-fixtures.ts): none may sit under another column.
    const wrong = await runSql(
      panel,
      `SELECT count(*) AS n, count(*) FILTER (WHERE __row_id <> order_id OR customer_id <> order_id % 97 OR amount <> round((order_id * 37 % 10000) / 100.0, 2)
        OR order_date <> DATE '2026-01-01' + (order_id % 31)::INTEGER OR paid IS DISTINCT FROM (CASE WHEN order_id % 7 = 0 THEN NULL ELSE order_id % 2 = 0 END)) AS wrong FROM shuffled`,
    );
    expect(wrong.cells).toEqual([['5000', '0']]);
  });

  it('diffs two files opened in Query, by key and by their row order', async () => {
    for (const path of ['data/orders.parquet', 'data/orders-next.parquet']) expect((await openInQuery(path)).state).toBe('done');
    const diffBy = async (key: string) => {
      if (!(await panel.$('[data-testid="diff-a"]'))) await press(panel, '[data-testid="tab-diff"]');
      await panel.waitForSelector('[data-testid="diff-b"] option[value="data/orders-next.parquet"]');
      await panel.select('[data-testid="diff-a"]', 'data/orders.parquet');
      await panel.select('[data-testid="diff-b"]', 'data/orders-next.parquet');
      await panel.select('[data-testid="diff-key"]', key);
      const before = await panel.$eval('[data-testid="diff-result"]', (e) => Number(e.getAttribute('data-run'))).catch(() => 0);
      await press(panel, '[data-testid="diff-run"]');
      await settledAfter(panel, 'diff-result', before, 60_000);
      return panel.$eval('[data-testid="diff-result"]', (e) => ({ state: e.getAttribute('data-state'), counts: [e.getAttribute('data-added'), e.getAttribute('data-removed'), e.getAttribute('data-changed')].map(Number), text: e.textContent ?? '' }));
    };
    const byKey = await diffBy('order_id');
    expect(byKey.state, byKey.text).toBe('done');
    expect(byKey.counts).toEqual([20, 100, 500]);
    // By place in the file (the row id each file's rows got when opened): B's 4,920 rows
    // meet A's first 4,920, A's last 80 have no partner; from the first removed row on, rows differ.
    const byPlace = await diffBy('');
    expect(byPlace.state, byPlace.text).toBe('done');
    expect(byPlace.counts.slice(0, 2)).toEqual([0, 80]);
    expect(byPlace.counts[2]).toBeGreaterThan(4000);
  });

  it('refuses a file larger than the engine’s memory with its size and the limit, and keeps working', async () => {
    await call(driver, 'configureEngine', { memoryLimitBytes: 16 * 1024 * 1024 });
    try {
      const refused = await openInQuery('data/wide.parquet');
      expect(refused.state).toBe('failed');
      expect(refused.text).toMatch(/^wide\.parquet \([\d.]+ KiB on disk\) is too large to load: its table needs about [\d.]+ MiB of memory, and the engine \(DuckDB-WASM\) has [\d.]+ (MiB|KiB|B) free of its 16 MiB limit/);
      const still = await runSql(panel, 'SELECT 40 + 2 AS answer');
      expect(still.cells).toEqual([['42']]);
    } finally {
      await call(driver, 'configureEngine', { memoryLimitBytes: null });
    }
    expect(await listOpfs(driver, 'staging')).toEqual([]);
  });
});

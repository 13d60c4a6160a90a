/**
 * The snapshot engine's suite, written once and run in every browser (as duckdb-wasm runs
 * its tests against each bundle): CSV in through the extension's own messages, Parquet
 * parts out in the extension's OPFS, checked byte for byte by native DuckDB (an
 * independent reader), restored and verified by checksum; mixed types; a cancelled export.
 * Each browser gives a driver that opens an extension page; what only one browser has
 * (Firefox's event-page lifecycle, the OFFSET strategy kept for the benchmark) stays in its
 * own file, using the context this returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { CHANNEL } from '../../src/protocol';
import { serveStatic, type StaticServer } from './static-server';
import { call, listOpfs, progressEvents, readOpfsFile, sendRaw, stageFromUrl } from './extension-page';
import { writeMixedCsv } from './sample-csv';
import { lit, nativeDuckDB, rows } from './native-duckdb';

export interface EngineDriver {
  /** The protocol of the extension's pages in this browser (`chrome-extension:`, `moz-extension:`). */
  protocol: string;
  /** Starts the browser with the built extension and opens one of its pages. */
  open(): Promise<{ page: Page; close(): Promise<void> }>;
}

export interface EngineContext {
  readonly page: Page;
  readonly work: string;
  /** Stages a CSV of the work folder and loads it into `table` through the extension. */
  loadCsv(fileName: string, table: string): ReturnType<typeof call<'loadCsv'>>;
}

const ROWS_PER_PART = 250_000;

/** The part names a snapshot of `rowCount` rows gets. */
const partNames = (snapshotId: string, rowCount: number): string[] =>
  rowCount <= ROWS_PER_PART ? [`${snapshotId}.parquet`] : Array.from({ length: Math.ceil(rowCount / ROWS_PER_PART) }, (_, i) => `${snapshotId}_part_${i}.parquet`);

/** Registers the suite in the `describe` it is called from; `rowCounts` are the table sizes to snapshot (each also gets a CSV). */
export function engineSuite(driver: EngineDriver, rowCounts: readonly number[]): EngineContext {
  const work = mkdtempSync(join(tmpdir(), 'opfs-engine-suite-'));
  let opened: Awaited<ReturnType<EngineDriver['open']>>;
  let server: StaticServer;
  let native: Awaited<ReturnType<typeof nativeDuckDB>>;

  beforeAll(async () => {
    await Promise.all([...new Set([...rowCounts, 250_001])].map((n) => writeMixedCsv(join(work, `mixed-${n}.csv`), n)));
    server = await serveStatic(work);
    native = await nativeDuckDB();
    opened = await driver.open();
  });

  afterAll(async () => {
    await opened?.close();
    await server?.close();
    native?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const context: EngineContext = {
    get page() {
      return opened.page;
    },
    work,
    async loadCsv(fileName, table) {
      const stagedPath = `staging/${fileName}`;
      await stageFromUrl(context.page, `${server.url}/${fileName}`, stagedPath);
      const loaded = await call(context.page, 'loadCsv', { stagedPath, table });
      expect(await listOpfs(context.page, 'staging')).toEqual([]); // the staged copy is removed after loading
      return loaded;
    },
  };

  /** Copies a snapshot's files out of OPFS into the work folder; returns their local paths in part order. */
  async function copyOut(names: string[]): Promise<string[]> {
    const paths: string[] = [];
    for (const name of names) {
      const bytes = await readOpfsFile(context.page, `snapshots/${name}`);
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
      expect(bytes.subarray(bytes.length - 4).toString('latin1')).toBe('PAR1');
      const path = join(work, name);
      writeFileSync(path, bytes);
      paths.push(path);
    }
    return paths;
  }

  it(`starts DuckDB-WASM on first request, answering a ${driver.protocol}// page under the extension CSP`, async () => {
    const { duckdbVersion } = await call(context.page, 'ping', {});
    expect(duckdbVersion).toMatch(/^v?1\.\d+\.\d+/);
    expect(await context.page.evaluate(() => location.protocol)).toBe(driver.protocol);
  });

  for (const rowCount of rowCounts) {
    const snapshotId = `s${rowCount}`;
    const expectedNames = partNames(snapshotId, rowCount);
    it(`${rowCount.toLocaleString('en')} rows become ${expectedNames.length} verified Parquet file(s) that decode to the source rows and restore with its checksum`, async () => {
      const { page } = context;
      const table = `t${rowCount}`;
      const loaded = await context.loadCsv(`mixed-${rowCount}.csv`, table);
      expect(loaded.rowCount).toBe(rowCount);
      expect(loaded.schema.map((c) => c.name)).toEqual(['id', 'qty', 'price', 'label', 'day', 'at', 'flag']);

      const { manifest } = await call(page, 'exportSnapshot', { table, snapshotId, sourceName: `mixed-${rowCount}.csv`, operationId: `op-${rowCount}` });
      expect(manifest.parts.map((p) => p.name)).toEqual(expectedNames);
      expect(manifest.rowCount).toBe(rowCount);
      expect(manifest.parts.map((p) => p.rows)).toEqual(expectedNames.map((_, i) => Math.min(ROWS_PER_PART, rowCount - i * ROWS_PER_PART)));

      // What is in OPFS: exactly the parts and the manifest, with the sizes the manifest claims.
      const files = (await listOpfs(page, 'snapshots')).filter((f) => f.name.startsWith(`${snapshotId}.`) || f.name.startsWith(`${snapshotId}_`));
      expect(files.map((f) => f.name).sort()).toEqual([...expectedNames, `${snapshotId}.manifest.json`].sort());
      for (const part of manifest.parts) expect(files.find((f) => f.name === part.name)?.size).toBe(part.bytes);

      // Independent read: native DuckDB decodes the bytes to exactly the source rows, in order.
      const paths = await copyOut(manifest.parts.map((p) => p.name));
      const parquet = `read_parquet([${paths.map(lit).join(', ')}], filename = true, file_row_number = true)`;
      const partIndex = `(list_position([${paths.map(lit).join(', ')}], filename) - 1)`;
      const [check] = await rows(
        native.conn,
        `SELECT count(*) AS n,
                count(*) FILTER (WHERE id <> ${partIndex} * ${ROWS_PER_PART} + file_row_number) AS out_of_place
         FROM ${parquet}`,
      );
      expect(check).toEqual({ n: String(rowCount), out_of_place: '0' });
      const source = `read_csv(${lit(join(work, `mixed-${rowCount}.csv`))}, header = true)`;
      const columns = '"id", "qty", "price", "label", "day", "at", "flag"'; // "at" is a keyword in DuckDB 1.5
      const [diff] = await rows(
        native.conn,
        `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM ${source} EXCEPT ALL SELECT ${columns} FROM ${parquet})) AS missing,
                (SELECT count(*) FROM (SELECT ${columns} FROM ${parquet} EXCEPT ALL SELECT ${columns} FROM ${source})) AS extra`,
      );
      expect(diff).toEqual({ missing: '0', extra: '0' });

      // Restore reproduces the source checksum; verify agrees.
      const restored = await call(page, 'restoreSnapshot', { snapshotId, table: `${table}_restored` });
      expect(restored).toMatchObject({ rowCount, checksum: manifest.checksum.value });
      expect(await call(page, 'verifySnapshot', { snapshotId })).toMatchObject({ ok: true, problems: [] });

      // Progress events reach the extension page from wherever the engine runs.
      const progress = (await progressEvents(page)).filter((p) => p.operationId === `op-${rowCount}`);
      expect(progress.filter((p) => p.phase === 'writing').map((p) => p.part)).toEqual(expectedNames.map((_, i) => i));
      expect(progress.at(-1)).toMatchObject({ phase: 'committing', rowsDone: rowCount, rowsTotal: rowCount });

      await call(page, 'dropTable', { table });
      await call(page, 'dropTable', { table: `${table}_restored` });
    });
  }

  it('keeps mixed types, NULLs, quoted commas and newlines, and non-ASCII text through CSV → snapshot → restore', async () => {
    const { page } = context;
    const csv = [
      'n,amount,day,at,ok,note,big',
      '1,12.50,2024-02-29,2024-02-29 13:45:00.123456,true,"plain",9007199254740993',
      '-2,-0.01,1970-01-01,1970-01-01 00:00:00,false,"comma, inside",-9223372036854775808',
      ',,,,,,',
      '4,1e3,2099-12-31,2099-12-31 23:59:59,TRUE,"line one\nline two",0',
      '5,3.14159,2000-01-01,2000-01-01 12:00:00,,"Zoë ""quoted"" 東京 🚀",1',
    ].join('\n');
    writeFileSync(join(work, 'mixed-types.csv'), `${csv}\n`);
    await context.loadCsv('mixed-types.csv', 'types_src');
    const types = await call(page, 'queryRows', { sql: 'SELECT column_name, column_type FROM (DESCRIBE types_src)' });
    expect(Object.fromEntries(types.rows as [string, string][])).toEqual({
      __row_id: 'BIGINT',
      n: 'BIGINT',
      amount: 'DOUBLE',
      day: 'DATE',
      at: 'TIMESTAMP',
      ok: 'BOOLEAN',
      note: 'VARCHAR',
      big: 'BIGINT',
    });

    const { manifest } = await call(page, 'exportSnapshot', { table: 'types_src', snapshotId: 'types', sourceName: 'mixed-types.csv' });
    const restored = await call(page, 'restoreSnapshot', { snapshotId: 'types', table: 'types_back' });
    expect(restored.checksum).toBe(manifest.checksum.value);

    const select = (table: string) => `SELECT * EXCLUDE (__row_id), typeof(COLUMNS(*)) FROM ${table} ORDER BY __row_id`;
    const [source, back] = await Promise.all([call(page, 'queryRows', { sql: select('types_src') }), call(page, 'queryRows', { sql: select('types_back') })]);
    expect(back).toEqual(source);

    // The file itself, read natively: the values a user would see in any Parquet tool.
    const [path] = await copyOut(['types.parquet']);
    const decoded = await rows(native.conn, `SELECT n, amount, day::VARCHAR AS day, "at"::VARCHAR AS "at", ok, note, big::VARCHAR AS big FROM read_parquet(${lit(path)})`);
    expect(decoded).toEqual([
      { n: '1', amount: 12.5, day: '2024-02-29', at: '2024-02-29 13:45:00.123456', ok: true, note: 'plain', big: '9007199254740993' },
      { n: '-2', amount: -0.01, day: '1970-01-01', at: '1970-01-01 00:00:00', ok: false, note: 'comma, inside', big: '-9223372036854775808' },
      { n: null, amount: null, day: null, at: null, ok: null, note: null, big: null },
      { n: '4', amount: 1000, day: '2099-12-31', at: '2099-12-31 23:59:59', ok: true, note: 'line one\nline two', big: '0' },
      { n: '5', amount: 3.14159, day: '2000-01-01', at: '2000-01-01 12:00:00', ok: null, note: 'Zoë "quoted" 東京 🚀', big: '1' },
    ]);
  });

  it('an export cancelled mid-way leaves nothing of that snapshot; the next export works; an existing snapshot or a missing table is refused in words', async () => {
    const { page } = context;
    await context.loadCsv('mixed-250001.csv', 'cancel_src');
    const before = await listOpfs(page, 'snapshots');
    // Parts of 50,000 rows: 6 parts; cancelled from inside the page the moment part 1 is verified (its .tmp exists).
    const reply = await page.evaluate(async (channel) => {
      const operationId = 'doomed';
      const send = (type: string, request: unknown) => chrome.runtime.sendMessage({ channel, target: 'background', type, id: `${type}-${Math.random()}`, request });
      chrome.runtime.onMessage.addListener((message: { event?: string; payload?: { operationId: string; phase: string; part?: number } }) => {
        const p = message.payload;
        if (message.event === 'progress' && p?.operationId === operationId && p.phase === 'verifying' && p.part === 1) void send('cancelOperation', { operationId });
        return undefined;
      });
      return send('exportSnapshot', { table: 'cancel_src', snapshotId: 'doomed', sourceName: 'mixed.csv', operationId, options: { rowsPerPart: 50_000 } });
    }, CHANNEL);
    expect(reply).toMatchObject({ ok: false, error: { name: 'CancelledError' } });
    expect((reply as { error: { message: string } }).error.message).toMatch(/cancelled; nothing of it was kept/);
    expect(await listOpfs(page, 'snapshots')).toEqual(before);
    expect((await progressEvents(page)).some((p) => p.operationId === 'doomed' && p.part === 1)).toBe(true);

    const { manifest } = await call(page, 'exportSnapshot', { table: 'cancel_src', snapshotId: 'doomed', sourceName: 'mixed.csv', options: { rowsPerPart: 50_000 } });
    expect(manifest.parts).toHaveLength(6);
    expect((await call(page, 'verifySnapshot', { snapshotId: 'doomed' })).ok).toBe(true);

    // A verify or a restore cancelled while it waits its turn behind an export: it says so,
    // makes no table, and the export ahead of it ends well.
    const said = {
      verifySnapshot: 'Verification of "doomed" was cancelled.',
      restoreSnapshot: 'Restore of "doomed" was cancelled; no table "never_made" was made.',
    };
    const stateOf = async (operationId: string) => (await call(page, 'getOperations', {})).find((o) => o.operationId === operationId)?.state;
    for (const kind of ['verifySnapshot', 'restoreSnapshot'] as const) {
      const operationId = `queued-${kind}`;
      const aheadId = `ahead-${kind}`;
      const ahead = sendRaw(page, 'exportSnapshot', { table: 'cancel_src', snapshotId: aheadId, sourceName: 'mixed.csv', operationId: aheadId, options: { rowsPerPart: 50_000 } });
      await expect.poll(() => stateOf(aheadId), { timeout: 30_000, interval: 20 }).toBe('running');
      const waiting = kind === 'verifySnapshot' ? sendRaw(page, kind, { snapshotId: 'doomed', operationId }) : sendRaw(page, kind, { snapshotId: 'doomed', table: 'never_made', operationId });
      await expect.poll(() => stateOf(operationId), { timeout: 30_000, interval: 20 }).toBe('queued');
      expect(await call(page, 'cancelOperation', { operationId }), kind).toEqual({ cancelled: true });
      expect(await ahead, kind).toMatchObject({ ok: true });
      expect(await waiting, kind).toMatchObject({ ok: false, error: { name: 'CancelledError', message: said[kind] } });
      expect((await call(page, 'engineStatus', {})).tables.map((t) => t.name), kind).not.toContain('never_made');
      await call(page, 'deleteSnapshot', { snapshotId: `ahead-${kind}` });
    }

    const again = await sendRaw(page, 'exportSnapshot', { table: 'cancel_src', snapshotId: 'doomed', sourceName: 'mixed.csv' });
    expect(again).toMatchObject({ ok: false, error: { name: 'SnapshotExistsError' } });
    const missing = await sendRaw(page, 'exportSnapshot', { table: 'no_such_table', snapshotId: 'x1', sourceName: 'x.csv' });
    expect(missing).toMatchObject({ ok: false, error: { name: 'TableNotFoundError' } });
    expect((await call(page, 'listSnapshots', {})).map((m) => m.snapshotId)).toContain('doomed');
    const { removed } = await call(page, 'deleteSnapshot', { snapshotId: 'doomed' });
    expect(removed[0]).toBe('doomed.manifest.json');
    expect((await listOpfs(page, 'snapshots')).filter((f) => f.name.startsWith('doomed'))).toEqual([]);
    // A folder under any name of the snapshot's is refused like a file, and stays (a failed export's clean-up once removed it).
    for (const name of ['taken.parquet', 'taken_part_0.parquet', 'taken.manifest.json', 'taken.intent.json', 'taken.parquet.tmp', 'taken_part_1.parquet.tmp', 'taken.manifest.json.tmp']) {
      const folderThere = (create: boolean) =>
        page.evaluate(async (name, create) => {
          const snapshots = await (await navigator.storage.getDirectory()).getDirectoryHandle('snapshots');
          return snapshots.getDirectoryHandle(name, { create }).then(
            () => true,
            () => false,
          );
        }, name, create);
      expect(await folderThere(true)).toBe(true);
      const refused = await sendRaw(page, 'exportSnapshot', { table: 'cancel_src', snapshotId: 'taken', sourceName: 'mixed.csv' });
      expect(refused, name).toMatchObject({ ok: false, error: { name: 'SnapshotExistsError', message: expect.stringContaining(name) } });
      expect(await folderThere(false), name).toBe(true);
      await page.evaluate(async (name) => (await (await navigator.storage.getDirectory()).getDirectoryHandle('snapshots')).removeEntry(name), name);
    }
    await call(page, 'dropTable', { table: 'cancel_src' });
  });

  return context;
}

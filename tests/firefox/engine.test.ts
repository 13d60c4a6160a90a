/**
 * The snapshot engine in a real Firefox, hosted by the event page (Firefox has no
 * offscreen documents): CSV in through the extension's own messages from an extension tab,
 * Parquet parts out in the extension's OPFS, checked byte for byte by native DuckDB,
 * restored and verified by checksum. Then the event page's lifecycle: Firefox suspends it
 * when idle, never while it is answering.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { launchFirefoxWithExtension, type LaunchedFirefox } from '../support/firefox';
import { serveStatic, type StaticServer } from '../support/static-server';
import { writeMixedCsv } from '../support/sample-csv';
import { call, listOpfs, progressEvents, readOpfsFile, sendRaw, stageFromUrl } from '../support/extension-page';
import { lit, nativeDuckDB, rows } from '../support/native-duckdb';
import { openFirefoxExtensionPage, skipWithoutFirefox } from './support';

const ROWS = 250_001;
const ROWS_PER_PART = 250_000;
const skip = skipWithoutFirefox();

describe.skipIf(skip)('Firefox: the snapshot engine in the event page (DuckDB-WASM → Parquet in OPFS)', () => {
  let firefox: LaunchedFirefox;
  let page: Page;
  let server: StaticServer;
  let native: Awaited<ReturnType<typeof nativeDuckDB>>;
  const work = mkdtempSync(join(tmpdir(), 'opfs-firefox-engine-'));

  beforeAll(async () => {
    await writeMixedCsv(join(work, 'mixed.csv'), ROWS);
    server = await serveStatic(work);
    native = await nativeDuckDB();
    firefox = await launchFirefoxWithExtension();
    page = await openFirefoxExtensionPage(firefox);
  });

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
    native?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function loadCsv(fileName: string, table: string) {
    const stagedPath = `staging/${fileName}`;
    await stageFromUrl(page, `${server.url}/${fileName}`, stagedPath);
    const loaded = await call(page, 'loadCsv', { stagedPath, table });
    expect(await listOpfs(page, 'staging')).toEqual([]);
    return loaded;
  }

  async function copyOut(names: string[]): Promise<string[]> {
    const paths: string[] = [];
    for (const name of names) {
      const bytes = await readOpfsFile(page, `snapshots/${name}`);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
      expect(bytes.subarray(bytes.length - 4).toString('latin1')).toBe('PAR1');
      const path = join(work, name);
      writeFileSync(path, bytes);
      paths.push(path);
    }
    return paths;
  }

  it('starts DuckDB-WASM in the event page, from a moz-extension:// page under the extension CSP', async () => {
    const { duckdbVersion } = await call(page, 'ping', {});
    expect(duckdbVersion).toMatch(/^v?1\.\d+\.\d+/);
    expect(await page.evaluate(() => location.protocol)).toBe('moz-extension:');
  });

  it(`${ROWS.toLocaleString('en')} rows become 2 verified Parquet parts in the extension's OPFS that decode to the source rows and restore with its checksum`, async () => {
    const loaded = await loadCsv('mixed.csv', 'mixed');
    expect(loaded.rowCount).toBe(ROWS);
    const { manifest } = await call(page, 'exportSnapshot', { table: 'mixed', snapshotId: 'ff', sourceName: 'mixed.csv', operationId: 'op-ff' });
    const names = ['ff_part_0.parquet', 'ff_part_1.parquet'];
    expect(manifest.parts.map((p) => [p.name, p.rows])).toEqual([
      [names[0], ROWS_PER_PART],
      [names[1], 1],
    ]);

    // In OPFS: exactly the parts and the manifest, with the sizes the manifest claims.
    const files = await listOpfs(page, 'snapshots');
    expect(files.map((f) => f.name).sort()).toEqual([...names, 'ff.manifest.json'].sort());
    for (const part of manifest.parts) expect(files.find((f) => f.name === part.name)?.size).toBe(part.bytes);

    // Native DuckDB reads exactly the source rows, in order.
    const paths = await copyOut(names);
    const parquet = `read_parquet([${paths.map(lit).join(', ')}], filename = true, file_row_number = true)`;
    const partIndex = `(list_position([${paths.map(lit).join(', ')}], filename) - 1)`;
    const [order] = await rows(native.conn, `SELECT count(*) AS n, count(*) FILTER (WHERE id <> ${partIndex} * ${ROWS_PER_PART} + file_row_number) AS out_of_place FROM ${parquet}`);
    expect(order).toEqual({ n: String(ROWS), out_of_place: '0' });
    const source = `read_csv(${lit(join(work, 'mixed.csv'))}, header = true)`;
    const columns = '"id", "qty", "price", "label", "day", "at", "flag"';
    const [diff] = await rows(
      native.conn,
      `SELECT (SELECT count(*) FROM (SELECT ${columns} FROM ${source} EXCEPT ALL SELECT ${columns} FROM ${parquet})) AS missing,
              (SELECT count(*) FROM (SELECT ${columns} FROM ${parquet} EXCEPT ALL SELECT ${columns} FROM ${source})) AS extra`,
    );
    expect(diff).toEqual({ missing: '0', extra: '0' });

    // Restore reproduces the checksum; verify agrees.
    const restored = await call(page, 'restoreSnapshot', { snapshotId: 'ff', table: 'mixed_restored' });
    expect(restored).toMatchObject({ rowCount: ROWS, checksum: manifest.checksum.value });
    expect(await call(page, 'verifySnapshot', { snapshotId: 'ff' })).toMatchObject({ ok: true, problems: [] });

    // Progress events reach the extension tab from the event page.
    const progress = (await progressEvents(page)).filter((p) => p.operationId === 'op-ff');
    expect(progress.filter((p) => p.phase === 'writing').map((p) => p.part)).toEqual([0, 1]);
    expect(progress.at(-1)).toMatchObject({ phase: 'committing', rowsDone: ROWS, rowsTotal: ROWS });
    await call(page, 'dropTable', { table: 'mixed_restored' });
  });

  it('keeps mixed types, NULLs, quoted commas and newlines, and non-ASCII text through CSV → snapshot → restore', async () => {
    const csv = [
      'n,amount,day,at,ok,note,big',
      '1,12.50,2024-02-29,2024-02-29 13:45:00.123456,true,"plain",9007199254740993',
      '-2,-0.01,1970-01-01,1970-01-01 00:00:00,false,"comma, inside",-9223372036854775808',
      ',,,,,,',
      '5,3.14159,2000-01-01,2000-01-01 12:00:00,,"Zoë ""quoted"" 東京 🚀\nsecond line",1',
    ].join('\n');
    writeFileSync(join(work, 'types.csv'), `${csv}\n`);
    await loadCsv('types.csv', 'types_src');
    const { manifest } = await call(page, 'exportSnapshot', { table: 'types_src', snapshotId: 'types', sourceName: 'types.csv' });
    const restored = await call(page, 'restoreSnapshot', { snapshotId: 'types', table: 'types_back' });
    expect(restored.checksum).toBe(manifest.checksum.value);
    const select = (table: string) => `SELECT * EXCLUDE (__row_id), typeof(COLUMNS(*)) FROM ${table} ORDER BY __row_id`;
    expect(await call(page, 'queryRows', { sql: select('types_back') })).toEqual(await call(page, 'queryRows', { sql: select('types_src') }));
    const [path] = await copyOut(['types.parquet']);
    const decoded = await rows(native.conn, `SELECT n, "at"::VARCHAR AS "at", note, big::VARCHAR AS big FROM read_parquet(${lit(path)})`);
    expect(decoded).toEqual([
      { n: '1', at: '2024-02-29 13:45:00.123456', note: 'plain', big: '9007199254740993' },
      { n: '-2', at: '1970-01-01 00:00:00', note: 'comma, inside', big: '-9223372036854775808' },
      { n: null, at: null, note: null, big: null },
      { n: '5', at: '2000-01-01 12:00:00', note: 'Zoë "quoted" 東京 🚀\nsecond line', big: '1' },
    ]);
  });

  it('an export cancelled mid-way leaves nothing of that snapshot in OPFS, and the next export works', async () => {
    const before = await listOpfs(page, 'snapshots');
    // Parts of 50,000 rows: 6 parts; cancel when part 1 is being verified (its .tmp exists).
    const reply = await page.evaluate(async (channel) => {
      const operationId = 'doomed';
      const send = (type: string, request: unknown) => chrome.runtime.sendMessage({ channel, target: 'background', type, id: `${type}-${Math.random()}`, request });
      chrome.runtime.onMessage.addListener((message: { event?: string; payload?: { operationId: string; phase: string; part?: number } }) => {
        const p = message.payload;
        if (message.event === 'progress' && p?.operationId === operationId && p.phase === 'verifying' && p.part === 1) void send('cancelOperation', { operationId });
        return undefined;
      });
      return send('exportSnapshot', { table: 'mixed', snapshotId: 'doomed', sourceName: 'mixed.csv', operationId, options: { rowsPerPart: 50_000 } });
    }, 'opfs-snapshot-inspector/1');
    expect(reply).toMatchObject({ ok: false, error: { name: 'CancelledError' } });
    expect(await listOpfs(page, 'snapshots')).toEqual(before);
    const { manifest } = await call(page, 'exportSnapshot', { table: 'mixed', snapshotId: 'doomed', sourceName: 'mixed.csv', options: { rowsPerPart: 50_000 } });
    expect(manifest.parts).toHaveLength(6);
    expect((await call(page, 'verifySnapshot', { snapshotId: 'doomed' })).ok).toBe(true);
    const again = await sendRaw(page, 'exportSnapshot', { table: 'mixed', snapshotId: 'doomed', sourceName: 'mixed.csv' });
    expect(again).toMatchObject({ ok: false, error: { name: 'SnapshotExistsError' } });
  });
});

describe.skipIf(skip)('Firefox: the event page is suspended when idle, never while it answers', () => {
  // Far below Firefox's default 30 s, so that both sides of the rule show within seconds;
  // twice the keep-alive interval (background/keep-alive.ts).
  const IDLE_TIMEOUT_MS = 2000;
  let firefox: LaunchedFirefox;
  let page: Page;
  let server: StaticServer;
  const work = mkdtempSync(join(tmpdir(), 'opfs-firefox-idle-'));

  beforeAll(async () => {
    await writeMixedCsv(join(work, 'idle.csv'), 300_000);
    server = await serveStatic(work);
    firefox = await launchFirefoxWithExtension({ prefs: { 'extensions.background.idle.timeout': IDLE_TIMEOUT_MS } });
    page = await openFirefoxExtensionPage(firefox);
  });

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('answers a request that takes longer than the idle timeout (background/keep-alive.ts)', async () => {
    await call(page, 'ping', {});
    // A query sized to this machine: three idle timeouts of single-threaded DuckDB work.
    const countHashes = async (n: number) => {
      const started = performance.now();
      const { rows: answer } = await call(page, 'queryRows', { sql: `SELECT count(*)::DOUBLE FROM range(0, ${n}) t(i) WHERE hash(i) % 7 = 0` });
      const found = Number(answer[0]?.[0]);
      expect(found).toBeGreaterThan(n / 8);
      expect(found).toBeLessThan(n / 6);
      return performance.now() - started;
    };
    // Sized from a probe, then doubled until one request lasts past the idle timeout: the
    // machine's speed varies with its load, the property does not.
    const probe = 20_000_000;
    let rows = Math.min(2_000_000_000, Math.ceil((probe * 3 * IDLE_TIMEOUT_MS) / Math.max(1, await countHashes(probe))));
    let longest = await countHashes(rows);
    while (longest <= IDLE_TIMEOUT_MS && rows < 2_000_000_000) {
      rows = Math.min(2_000_000_000, rows * 2);
      longest = await countHashes(rows);
    }
    expect(longest).toBeGreaterThan(IDLE_TIMEOUT_MS);
  });

  it('frees the engine when idle, and starts a new one on the next request', async () => {
    await stageFromUrl(page, `${server.url}/idle.csv`, 'staging/idle.csv');
    await call(page, 'loadCsv', { stagedPath: 'staging/idle.csv', table: 'idle' });
    const { manifest } = await call(page, 'exportSnapshot', { table: 'idle', snapshotId: 'idle', sourceName: 'idle.csv' });
    expect(manifest.rowCount).toBe(300_000);

    // Idle: Firefox suspends the page, and DuckDB's tables go with it.
    await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS * 3));
    const gone = await sendRaw(page, 'queryRows', { sql: 'SELECT count(*) FROM idle' });
    expect(gone).toMatchObject({ ok: false });
    expect((gone as { error: { message: string } }).error.message).toMatch(/Table with name idle does not exist/);

    // The snapshot is in OPFS, not in the engine: the fresh engine verifies it.
    expect(await call(page, 'verifySnapshot', { snapshotId: 'idle' })).toMatchObject({ ok: true, actual: { rowCount: 300_000 } });
  });
});

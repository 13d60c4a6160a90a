/**
 * The exporter as a library (issue 14), as an app gets it: `npm pack` of this repository,
 * installed into a fresh app folder next to the app's own DuckDB-WASM, type-checked
 * against the published declarations, built by Vite, served, and run in Chromium — a web
 * page of its own origin, not the extension. What it writes to the app's OPFS is read
 * back byte for byte and decoded by native DuckDB; the DevTools panel, opened on the
 * app, lists the snapshots as healthy and its purge skips a snapshot the app is writing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { openDevToolsPanel } from '../support/devtools-panel';
import { serveStatic, type StaticServer } from '../support/static-server';
import { allPanelRows, opfsBytesOf, refresh, writePageFiles } from '../support/panel';
import { compareRows, lit, nativeDuckDB, rows } from '../support/native-duckdb';
import { buildLibraryApp, rowsSql } from '../support/library-app';
import { screenshot } from '../support/screenshots';
import { APP_FOLDER as FOLDER, copyOut, exportSuite, threadedSuite, folderFiles, interruptedExportSuite, openAppPage, type AppWindow } from '../support/library-suite';

describe('the exporter as a library, packed, installed into a Vite app and run in its page', () => {
  const work = mkdtempSync(join(tmpdir(), 'opfs-library-'));
  let server: StaticServer;
  let chromium: LaunchedBrowser;
  let page: Page;

  const filesInOpfs = (folder = FOLDER) => folderFiles(page, folder);
  const context = { browser: () => chromium.browser, page: () => page, url: () => server.url, work };

  beforeAll(async () => {
    const app = await buildLibraryApp(work);
    // The declarations as published, compiled with the app's code and library checks on.
    expect(app.typeErrors).toEqual([]);
    server = await serveStatic(app.distDir, 0, { isolated: true });
    // DevTools only where the last test opens them: the ~20 tabs the other tests open to run the app need none.
    chromium = await launchWithExtension();
    page = await openAppPage(chromium.browser, server.url);
  }, 600_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  exportSuite(context);
  threadedSuite(context);

  it('keeps the types an app\'s table declares through export, restore and verify: ENUM, nested, time zones, wide integers', async () => {
    const app = (sql: string) => page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), sql);
    await app("CREATE OR REPLACE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
    await app(`CREATE OR REPLACE TABLE typed AS SELECT i AS id, (['sad', 'ok', 'happy'])[i % 3 + 1]::mood AS m, [i, i + 1] AS l, {'a': i, 'b': i::VARCHAR} AS st,
      to_timestamp(1767225600 + i) AS tz, (i::HUGEINT * 1000000000000000000000) AS h, (i * 1.25)::DECIMAL(38, 2) AS d FROM range(1000) t(i)`);
    const exported = await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('typed', { snapshotId: 'typed' }));
    expect(exported.rowCount).toBe(1000);
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('typed'))).toMatchObject({ ok: true, problems: [] });
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.restore('typed', 'typed_back'))).toMatchObject({ rowCount: 1000, matchesManifest: true, problems: [] });
    const [same] = await app('SELECT (SELECT count(*) FROM (SELECT * EXCLUDE (__row_id) FROM typed_back EXCEPT ALL SELECT * FROM typed)) AS extra, (SELECT count(*) FROM (SELECT * FROM typed EXCEPT ALL SELECT * EXCLUDE (__row_id) FROM typed_back)) AS missing');
    expect(same).toEqual({ extra: '0', missing: '0' });
    const types = async (table: string) => (await app(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '${table}' AND column_name <> '__row_id' ORDER BY column_index`)).map((r) => `${String(r.column_name)} ${String(r.data_type)}`);
    expect(await types('typed_back')).toEqual(await types('typed'));
    await page.evaluate(() => (window as unknown as AppWindow).app.remove('typed'));
    // A TIME WITH TIME ZONE would reach Parquet without its offset: refused in words, nothing written.
    const before = await filesInOpfs();
    await app("CREATE OR REPLACE TABLE zoned AS SELECT 1 AS id, '12:00:00+05'::TIMETZ AS t");
    const refused = await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('zoned', { snapshotId: 'zoned' }).then(() => 'exported', (e: unknown) => String(e)));
    expect(refused).toMatch(/Table "zoned" has column "t" of type TIME WITH TIME ZONE: Parquet would keep the times without their offsets/);
    expect(await filesInOpfs()).toEqual(before);
    // Types a snapshot would change (BIT came back as bytes, in a list as BLOB with a matching
    // checksum) or the codec cannot write: refused in words, alone or nested, nothing written.
    const LOSSY = [
      { sql: "BIT '0101'", type: 'BIT', says: /they would come back as bytes/ },
      { sql: "[BIT '01', NULL]", type: 'BIT[]', says: /they would come back as bytes/ },
      { sql: "{'a': i, 'b': BIT '1'}", type: 'STRUCT(a BIGINT, b BIT)', says: /they would come back as bytes/ },
      { sql: 'to_days(i) + to_microseconds(7)', type: 'INTERVAL', says: /cannot write intervals/ },
      { sql: "MAP {'k': to_months(i)}", type: 'MAP(VARCHAR, INTERVAL)', says: /cannot write intervals/ },
      { sql: 'union_value(n := i::INTEGER)', type: 'UNION(n INTEGER)', says: /cannot write UNION values/ },
      { sql: "TIME_NS '12:00:00.123456789'", type: 'TIME_NS', says: /cannot hand nanosecond times to the codec/ },
    ];
    for (const { sql, type, says } of LOSSY) {
      await app(`CREATE OR REPLACE TABLE lossy AS SELECT i AS id, ${sql} AS v FROM range(3) t(i)`);
      const said = await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('lossy', { snapshotId: 'lossy' }).then(() => 'exported', (e: unknown) => String(e)));
      expect(said, type).toMatch(new RegExp(`Table "lossy" has column "v" of type ${type.replace(/[()[\]]/g, '\\$&')}: .*${says.source}.*; nothing was written\\.$`));
      expect(await filesInOpfs(), type).toEqual(before);
    }
  });

  /** Every type DuckDB has that a snapshot may hold, as a value of row `i`. */
  const TYPED_VALUES: [string, string][] = [
    ['BOOLEAN', 'i % 2 = 0'], ['TINYINT', 'i::TINYINT - 2'], ['UTINYINT', 'i::UTINYINT'], ['USMALLINT', 'i::USMALLINT'], ['UINTEGER', 'i::UINTEGER'], ['UBIGINT', '(i + 18446744073709551000)::UBIGINT'],
    ['HUGEINT', 'i::HUGEINT * 1000000000000000000000'], ['UHUGEINT', 'i::UHUGEINT * 1000000000000000000000'], ['FLOAT', '(i / 3)::FLOAT'], ['DOUBLE', 'CASE WHEN i = 1 THEN -0.0 ELSE i / 7 END'],
    ['DECIMAL(4,1)', '(i / 4)::DECIMAL(4,1)'], ['DECIMAL(18,3)', '(i / 8)::DECIMAL(18,3)'], ['DECIMAL(38,10)', '(i / 16)::DECIMAL(38,10)'],
    ['VARCHAR', "'v' || i"], ['BLOB', "('b' || i)::BLOB"], ['DATE', "DATE '2024-01-01' + i::INTEGER"], ['TIME', "TIME '12:00:00' + to_seconds(i)"],
    ['TIMESTAMP', "TIMESTAMP '2024-01-01 00:00:00.123456' + to_seconds(i)"], ['TIMESTAMP_S', "(TIMESTAMP '2024-01-01 00:00:01' + to_seconds(i))::TIMESTAMP_S"],
    ['TIMESTAMP_MS', "(TIMESTAMP '2024-01-01 00:00:00.123' + to_seconds(i))::TIMESTAMP_MS"], ['TIMESTAMP_NS', "(TIMESTAMP '2024-01-01 00:00:00.123456' + to_seconds(i))::TIMESTAMP_NS"],
    ['TIMESTAMP WITH TIME ZONE', 'to_timestamp(1767225600 + i)'], ['UUID', "('00000000-0000-0000-0000-00000000000' || i)::UUID"], ['BIGNUM', "(((i - 1)::VARCHAR) || '00000000000000000000000000000000000000000')::VARINT"],
    ['mood', "(['sad', 'ok', 'happy'])[i % 3 + 1]::mood"],
  ];
  /** Where a value may sit in a column's type. */
  // Row 2 holds a NULL list, struct or map and row 3 an empty one where the type allows: DuckDB's hash (the checksum) cannot tell those apart, the text compared below can.
  const PLACES: [string, (value: string, type: string) => string][] = [
    ['alone', (v) => v], ['in a list', (v) => `CASE i WHEN 2 THEN NULL WHEN 3 THEN [] ELSE [${v}, NULL] END`], ['in a struct', (v) => `CASE WHEN i = 2 THEN NULL ELSE {'a': ${v}, 'n': i} END`],
    ['as a map value', (v) => `CASE i WHEN 2 THEN NULL WHEN 3 THEN MAP {} ELSE MAP {'k': ${v}} END`], ['as a map key', (v) => `MAP {${v}: 1}`],
    ['in an array', (v, t) => `[${v}, ${v}]::${t}[2]`], ['deep in lists and structs', (v) => `[{'a': [${v}]}]`], ['in a map in a list', (v) => `[MAP {'k': ${v}}]`], ['in structs in an array', (v, t) => `[{'a': ${v}}, {'a': ${v}}]::STRUCT(a ${t})[2]`],
  ];
  /** What the exporter refuses, as measured: in a map, wide integers came back as bytes; an ENUM array crashed DuckDB-WASM's reader. */
  const refusedPlace = (type: string, place: string) =>
    (['UHUGEINT', 'BIGNUM'].includes(type) && place.includes('map')) || (type === 'mood' && place.includes('array'));

  it.each(TYPED_VALUES.map(([type]) => type))('keeps every %s value and its type through export, restore and verify, alone and nested; or refuses it in words, writing nothing', async (type) => {
    const app = (sql: string) => page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), sql);
    const typesOf = async (table: string) => (await app(`SELECT data_type FROM duckdb_columns() WHERE table_name = '${table}' AND column_name = 'v'`)).map((r) => String(r.data_type))[0];
    await app("CREATE OR REPLACE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
    const value = TYPED_VALUES.find(([t]) => t === type)![1];
    for (const [place, make] of PLACES) {
      const what = `${type} ${place}`;
      // What a failed step before left: each place starts from no snapshot.
      await page.evaluate(() => (window as unknown as AppWindow).app.remove('typed-probe'));
      await app(`CREATE OR REPLACE TABLE typed_probe AS SELECT i AS id, ${make(value, type)} AS v FROM range(4) t(i)`);
      const declared = await typesOf('typed_probe');
      if (place === 'alone') expect(declared).toBe(type === 'mood' ? "ENUM('sad', 'ok', 'happy')" : type);
      const before = await filesInOpfs();
      const exported = await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('typed_probe', { snapshotId: 'typed-probe' }).then(() => 'exported', (e: unknown) => String(e)));
      if (refusedPlace(type, place)) {
        expect(exported, what).toMatch(new RegExp(`^UnsupportedTypeError: Table "typed_probe" has column "v" of type ${declared.replace(/[()[\]]/g, '\\$&')}: .+; nothing was written\\.$`));
        expect(await filesInOpfs(), what).toEqual(before);
        continue;
      }
      expect(exported, what).toBe('exported');
      const restored = await page.evaluate(() => (window as unknown as AppWindow).app.restore('typed-probe', 'typed_back'));
      expect(restored, what).toMatchObject({ rowCount: 4, matchesManifest: true, problems: [] });
      expect(await typesOf('typed_back'), what).toBe(declared);
      // As text, both ways: -0.0 against 0.0 and a BIGNUM against its bytes differ here, where the checksum cannot tell them apart.
      const [differ] = await app('SELECT (SELECT count(*) FROM (SELECT id, v::VARCHAR FROM typed_back EXCEPT ALL SELECT id, v::VARCHAR FROM typed_probe)) + (SELECT count(*) FROM (SELECT id, v::VARCHAR FROM typed_probe EXCEPT ALL SELECT id, v::VARCHAR FROM typed_back)) AS n');
      expect(differ, what).toEqual({ n: '0' });
      expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('typed-probe')), what).toMatchObject({ ok: true, problems: [] });
      await page.evaluate(() => (window as unknown as AppWindow).app.remove('typed-probe'));
    }
  });

  /** The manifest of snapshot `snapshotId` in the app's folder, parsed. */
  const manifestOf = async (snapshotId: string) => JSON.parse((await opfsBytesOf(page, `${FOLDER}/${snapshotId}.manifest.json`)).toString()) as Record<string, unknown>;

  /** Rewrites the manifest of snapshot `snapshotId` with `value` at `path` (keys and indexes), as an edit by hand would. */
  async function setInManifest(snapshotId: string, path: (string | number)[], value: unknown): Promise<void> {
    const manifest = await manifestOf(snapshotId);
    const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((at, key) => at[key] as Record<string | number, unknown>, manifest);
    parent[path.at(-1)!] = value;
    await writePageFiles(page, { [`${FOLDER}/${snapshotId}.manifest.json`]: new TextEncoder().encode(JSON.stringify(manifest)) });
  }

  it('says which column came back as another type than its manifest says, where the type cannot be cast to; replaces no table with such rows', async () => {
    const app = (sql: string) => page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), sql);
    await app('CREATE OR REPLACE TABLE forged AS SELECT i AS id, i * 2 AS v FROM range(10) t(i)');
    await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('forged', { snapshotId: 'forged' }));
    // A manifest changed by hand: a type text that is not one (it would close the CAST around it) goes into no SQL.
    const edited = 'BIGINT) AS v, 1 AS "x"';
    await setInManifest('forged', ['schema', 1, 'type'], edited);
    const problem = `Column "v" came back as BIGINT, the manifest says ${edited}.`;
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.restore('forged', 'forged_back'))).toMatchObject({ matchesManifest: false, problems: [problem] });
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('forged'))).toMatchObject({ ok: false, problems: [problem] });
    expect(await app("SELECT column_name FROM duckdb_columns() WHERE table_name = 'forged_back' ORDER BY column_index")).toEqual([{ column_name: '__row_id' }, { column_name: 'id' }, { column_name: 'v' }]);
    // Rows that do not match their manifest replace no table of the app's: it stays as it was.
    await app("CREATE OR REPLACE TABLE forged_live AS SELECT 'the app''s own' AS kept");
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.restore('forged', 'forged_live'))).toMatchObject({
      matchesManifest: false,
      problems: [problem, 'Table "forged_live" was kept as it was: a restore that does not match replaces no table.'],
    });
    expect(await app('SELECT * FROM forged_live')).toEqual([{ kept: "the app's own" }]);
    await page.evaluate(() => (window as unknown as AppWindow).app.remove('forged'));
  });

  // Values that compare distinct but that DuckDB's hash() alone hashes alike (the whole family,
  // at every depth, is in src/engine/checksum.test.ts, in native DuckDB): each in turn sits in row
  // 1 (or 0) of snapshot `alike-a`, and the other one in `alike-b`, whose part then takes the place
  // of a's. Verify and Restore must see that the values are not the ones exported.
  const ALIKE_IN_HASH: [string, string, string, number][] = [
    ['NULL', '[]', 'INTEGER[]', 1], ['[[]]', '[NULL]', 'INTEGER[][]', 1], ['NULL', "{'a': NULL}", 'STRUCT(a INTEGER)', 1], ['NULL', 'MAP {}', 'MAP(VARCHAR, INTEGER)', 1],
    ["'-0.0'::DOUBLE", "'0.0'::DOUBLE", 'DOUBLE', 1], ["['-0.0'::FLOAT]", "['0.0'::FLOAT]", 'FLOAT[]', 1], ["[{'x': []}]", "[{'x': NULL}]", 'STRUCT(x VARCHAR[])[]', 1],
    ["MAP {'k': {'a': NULL}}", "MAP {'k': NULL}", 'MAP(VARCHAR, STRUCT(a DOUBLE))', 1],
    // In row 0, after a row id whose hash is 0, a list of lists loses its values.
    ['[[1], [1, 1]]', '[[2], [2, 1]]', 'INTEGER[][]', 0], ["[{'a': [1]}, {'a': [1, 5]}]", "[{'a': [2]}, {'a': [2, 5]}]", 'STRUCT(a INTEGER[])[]', 0],
  ];

  it.each(ALIKE_IN_HASH)('exported %s, a part holding %s instead (%s, row %i): Verify and Restore see it, though DuckDB\'s hash alone cannot tell the two apart', async (exported, swapped, type, row) => {
    const app = (sql: string) => page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), sql);
    const { exportTable, verify, restore, remove } = {
      exportTable: (id: string) => page.evaluate((id) => (window as unknown as AppWindow).app.exportTable('alike', { snapshotId: id }), id),
      verify: (id: string) => page.evaluate((id) => (window as unknown as AppWindow).app.verify(id), id),
      restore: (id: string) => page.evaluate((id) => (window as unknown as AppWindow).app.restore(id, 'alike_back'), id),
      remove: (id: string) => page.evaluate((id) => (window as unknown as AppWindow).app.remove(id), id),
    };
    for (const [id, value] of [['alike-a', exported], ['alike-b', swapped]]) {
      await remove(id);
      await app(`CREATE OR REPLACE TABLE alike AS SELECT i AS id, CASE WHEN i = ${row} THEN (${value})::${type} ELSE (${exported})::${type} END AS v FROM range(3) t(i)`);
      await exportTable(id);
      expect(await verify(id), id).toMatchObject({ ok: true, problems: [] });
    }
    const [differ] = await app(`SELECT ((${exported})::${type})::VARCHAR IS DISTINCT FROM ((${swapped})::${type})::VARCHAR AS d`);
    expect(differ, 'the two values differ as text').toEqual({ d: true });
    const partOf = async (id: string) => ((await manifestOf(id)) as { parts: { name: string }[] }).parts[0].name;
    const part = await opfsBytesOf(page, `${FOLDER}/${await partOf('alike-b')}`);
    await writePageFiles(page, { [`${FOLDER}/${await partOf('alike-a')}`]: part });
    await setInManifest('alike-a', ['parts', 0, 'bytes'], part.length);
    const content = 'The content checksum differs from the one recorded at export.';
    expect(await verify('alike-a')).toMatchObject({ ok: false, problems: [content] });
    await app('CREATE OR REPLACE TABLE alike_back AS SELECT 1 AS kept');
    expect(await restore('alike-a')).toMatchObject({ matchesManifest: false, problems: [content, 'Table "alike_back" was kept as it was: a restore that does not match replaces no table.'] });
    expect(await app('SELECT * FROM alike_back')).toEqual([{ kept: 1 }]);
    for (const id of ['alike-a', 'alike-b']) await remove(id);
  });

  it('verifies and restores a snapshot whose manifest is of format 1 (the first version of the checksum), by that version', async () => {
    const app = (sql: string) => page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), sql);
    await page.evaluate(() => (window as unknown as AppWindow).app.remove('checksum-v1'));
    await app("CREATE OR REPLACE TABLE checksum_v1 AS SELECT i AS id, i / 7 AS f, [i, NULL] AS l, {'a': i::VARCHAR} AS s FROM range(1000) t(i)");
    await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('checksum_v1', { snapshotId: 'checksum-v1' }));
    // Version 1, as src/engine/checksum.ts defines it: each row's hash of (row id, columns), summed.
    const [v1] = await app('SELECT coalesce(sum(hash(row("__row_id", id, f, l, s))), 0)::VARCHAR AS sum FROM (SELECT (row_number() OVER () - 1)::BIGINT AS "__row_id", * FROM checksum_v1)');
    const recorded = (await manifestOf('checksum-v1')) as { formatVersion: number; checksum: { algorithm: string; value: string } };
    // Format 2: to a version that reads format 1 only, a newer manifest, left unjudged, not a damaged one it would offer to purge.
    expect(recorded).toMatchObject({ formatVersion: 2, checksum: { algorithm: 'duckdb-hash-sum-v2' } });
    expect(recorded.checksum.value, 'version 2 sums a table with floats and nesting otherwise').not.toBe(v1.sum);
    await setInManifest('checksum-v1', ['formatVersion'], 1);
    await setInManifest('checksum-v1', ['checksum'], { algorithm: 'duckdb-hash-sum-v1', value: String(v1.sum) });
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('checksum-v1'))).toMatchObject({ ok: true, problems: [] });
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.restore('checksum-v1', 'checksum_v1_back'))).toMatchObject({ rowCount: 1000, matchesManifest: true, problems: [] });
    // A version-2 sum under the version-1 label does not pass.
    await setInManifest('checksum-v1', ['checksum'], { algorithm: 'duckdb-hash-sum-v1', value: recorded.checksum.value });
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('checksum-v1'))).toMatchObject({ ok: false, problems: ['The content checksum differs from the one recorded at export.'] });
    await page.evaluate(() => (window as unknown as AppWindow).app.remove('checksum-v1'));
  });

  it('without an id, two saves within one second of the clock get two ids, neither failing', async () => {
    const ids = await page.evaluate(async () => {
      const RealDate = Date;
      const frozen = new RealDate('2026-01-02T03:04:05.678Z').getTime();
      // Every "now" of the page is one instant: both saves happen within the same second.
      class FrozenDate extends RealDate {
        constructor(...args: []) {
          if (args.length === 0) super(frozen);
          else super(...(args as unknown as [number]));
        }
        static override now(): number {
          return frozen;
        }
      }
      const scope = window as unknown as { Date: DateConstructor };
      scope.Date = FrozenDate as unknown as DateConstructor;
      try {
        const { app } = window as unknown as AppWindow;
        const first = await app.exportTable('t_1');
        const second = await app.exportTable('t_1');
        for (const id of [first.snapshotId, second.snapshotId]) await app.remove(id);
        return [first.snapshotId, second.snapshotId];
      } finally {
        scope.Date = RealDate;
      }
    });
    expect(ids).toEqual(['t-1-20260102t030405z', 't-1-20260102t030405z-2']);
  });

  it('writes the table as it was when the export began, while another connection of the app changes it between parts', async () => {
    const app = (sql: string) => page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), sql);
    await app(`CREATE OR REPLACE TABLE moving AS ${rowsSql(300_000)}`);
    await app('CREATE OR REPLACE TABLE moving_before AS SELECT * FROM moving');
    const outcome = await page.evaluate(async () => {
      const app = (window as unknown as { app: AppWindow['app'] & { store: { db: { connect(): Promise<{ query(sql: string): Promise<unknown>; close(): Promise<void> }>; runQuery(conn: unknown, sql: string): Promise<unknown> } } } }).app;
      const db = app.store.db;
      const other = await db.connect();
      const runQuery = db.runQuery.bind(db);
      let parts = 0;
      // Just before the second part's rows are read, the app changes rows of both parts and adds some.
      db.runQuery = async (conn, sql) => {
        if (sql.startsWith('SELECT * EXCLUDE') && parts++ === 1) await other.query("UPDATE moving SET amount = amount + 1, label = 'changed' WHERE id % 1000 = 1; INSERT INTO moving SELECT * REPLACE (id + 1000000 AS id) FROM moving LIMIT 10");
        return runQuery(conn, sql);
      };
      try {
        await app.exportTable('moving', { snapshotId: 'moving' });
        return 'exported';
      } catch (error) {
        return String(error);
      } finally {
        db.runQuery = runQuery;
        await other.close();
      }
    });
    expect(outcome).toBe('exported');
    // The app's change happened (its table moved on), and the snapshot holds the table before it, whole.
    expect(await app("SELECT count(*) AS n, count(*) FILTER (WHERE label = 'changed') AS changed FROM moving")).toEqual([{ n: '300010', changed: '301' }]);
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('moving'))).toMatchObject({ ok: true, problems: [] });
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.restore('moving', 'moving_back'))).toMatchObject({ rowCount: 300_000, matchesManifest: true });
    const [same] = await app('SELECT (SELECT count(*) FROM (SELECT * EXCLUDE (__row_id) FROM moving_back EXCEPT ALL SELECT * FROM moving_before)) AS extra, (SELECT count(*) FROM (SELECT * FROM moving_before EXCEPT ALL SELECT * EXCLUDE (__row_id) FROM moving_back)) AS missing');
    expect(same).toEqual({ extra: '0', missing: '0' });
    await page.evaluate(() => (window as unknown as AppWindow).app.remove('moving'));
    await app('DROP TABLE moving; DROP TABLE moving_before; DROP TABLE moving_back');
  });

  it("orders the parts by the app's own id column when its rows are stored in another order", async () => {
    // Stored in a scrambled order; the id is unique, with gaps (only even ids).
    await page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), `CREATE OR REPLACE TABLE scrambled AS SELECT * REPLACE (id * 2 AS id) FROM (${rowsSql(300_000)}) ORDER BY (id * 7919) % 300007`);
    const manifest = await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('scrambled', { snapshotId: 'by-id', rowIdColumn: 'id' }));
    expect(manifest.parts.map((p) => p.rows)).toEqual([250_000, 50_000]);
    const dest = mkdtempSync(join(work, 'out-'));
    const paths = await copyOut(page, manifest.parts.map((p) => p.name), dest);
    const native = await nativeDuckDB();
    try {
      const [order] = await rows(native.conn, `SELECT count(*) AS n, count(*) FILTER (WHERE id <> 2 * position) AS misplaced FROM (SELECT id, row_number() OVER () - 1 AS position FROM read_parquet([${paths.map(lit).join(', ')}]))`);
      expect(order).toEqual({ n: '300000', misplaced: '0' });
    } finally {
      native.close();
    }
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('by-id'))).toMatchObject({ ok: true });
  });

  it('numbers any table: a dense id of its own, storage with holes after a DELETE; refuses a key that is not unique or not an integer, writing nothing', async () => {
    const app = (sql: string) => page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), sql);
    const exportOf = (table: string, options: Record<string, unknown>) =>
      page.evaluate((table, options) => (window as unknown as AppWindow).app.exportTable(table, options).then((m) => ({ rows: m.rowCount, parts: m.parts.length }), (e: unknown) => String(e)), table, options);
    const verify = (id: string) => page.evaluate((id) => (window as unknown as AppWindow).app.verify(id), id);

    // The app's own id, already 0..n-1: used as it is.
    expect(await exportOf('t_250001', { snapshotId: 'own-dense-id', rowIdColumn: 'id' })).toEqual({ rows: 250_001, parts: 2 });
    expect(await verify('own-dense-id')).toMatchObject({ ok: true });
    // Rows deleted: DuckDB's rowid has holes, so the library ranks it.
    await app(`CREATE OR REPLACE TABLE holes AS ${rowsSql(300_000)}`);
    await app('DELETE FROM holes WHERE id % 10 = 3');
    expect(await exportOf('holes', { snapshotId: 'with-holes' })).toEqual({ rows: 270_000, parts: 2 });
    expect(await verify('with-holes')).toMatchObject({ ok: true });
    await page.evaluate(() => (window as unknown as AppWindow).app.restore('with-holes', 'holes_back'));
    const [same] = (await app('SELECT (SELECT count(*) FROM (SELECT * EXCLUDE (__row_id) FROM holes_back EXCEPT ALL SELECT * FROM holes)) AS extra, (SELECT count(*) FROM (SELECT * FROM holes EXCEPT ALL SELECT * EXCLUDE (__row_id) FROM holes_back)) AS missing'));
    expect(same).toEqual({ extra: '0', missing: '0' });

    const before = await filesInOpfs();
    await app("CREATE OR REPLACE TABLE twice AS SELECT * FROM (VALUES (1, 'a'), (1, 'b'), (2, 'c')) v(id, name)");
    expect(await exportOf('twice', { snapshotId: 'not-unique', rowIdColumn: 'id' })).toMatch(/Column "id" of "twice" is not unique/);
    expect(await exportOf('twice', { snapshotId: 'not-integer', rowIdColumn: 'name' })).toMatch(/Column "name" of "twice" is VARCHAR, not an integer/);
    expect(await exportOf('twice', { snapshotId: 'no-column', rowIdColumn: 'nope' })).toMatch(/has no column "nope"/);
    expect(await exportOf('no_such_table', { snapshotId: 'no-table' })).toMatch(/There is no table "no_such_table"/);
    // A column named rowid (any case) hides DuckDB's: without a key, refused (its values, shuffled or repeated, would order the rows unchecked).
    for (const name of ['rowid', 'RowId', '"ROWID"']) {
      await app(`CREATE OR REPLACE TABLE shadowed AS SELECT (i * 7919) % 1000 AS ${name}, i AS v FROM range(1000) t(i)`);
      expect(await exportOf('shadowed', { snapshotId: 'shadowed' }), name).toMatch(/^Error: Table "shadowed" has a column "(rowid|RowId|ROWID)", which hides DuckDB's own row id: pass rowIdColumn .*; nothing was written\.$/);
    }
    expect(await filesInOpfs()).toEqual(before);
    // With it named as the key: its order, checked unique, and a snapshot that verifies and restores in that order.
    expect(await exportOf('shadowed', { snapshotId: 'shadowed', rowIdColumn: 'ROWID' })).toEqual({ rows: 1000, parts: 1 });
    expect(await verify('shadowed')).toMatchObject({ ok: true });
    await page.evaluate(() => (window as unknown as AppWindow).app.restore('shadowed', 'shadowed_back'));
    expect(await app('SELECT count(*) FILTER (WHERE __row_id <> "ROWID") AS misplaced, count(*) AS n FROM shadowed_back')).toEqual([{ misplaced: '0', n: '1000' }]);
    await page.evaluate(() => (window as unknown as AppWindow).app.remove('shadowed'));
  });

  it.each(['castBigIntToDouble', 'castDecimalToDouble', 'castTimestampToDate'] as const)('refuses to export through a DuckDB opened with %s (its results change values), writing nothing', async (setting) => {
    const before = await filesInOpfs();
    const said = await page.evaluate((setting) => (window as unknown as AppWindow).app.exportThroughCast(setting), setting);
    expect(said).toMatch(new RegExp(`^This DuckDB was opened with ${setting}: .* Open it with \\{ query: \\{ ${setting}: false \\} \\} to export; nothing was written\\.$`));
    expect(await filesInOpfs()).toEqual(before);
  });

  it('runs in a worker of the app too, with a DuckDB-WASM started there: the same files, verified, read back equal by native DuckDB', async () => {
    const answer = await page.evaluate((sql) => (window as unknown as AppWindow).app.inWorker({ sql, folder: 'worker snapshots', snapshotId: 'from-worker' }), rowsSql(300_000));
    expect(answer.error).toBeUndefined();
    expect(answer.verified).toEqual({ ok: true, problems: [] });
    expect(answer.manifest?.rowCount).toBe(300_000);
    const names = answer.manifest!.parts.map((p) => p.name);
    expect(names).toEqual(['from-worker_part_0.parquet', 'from-worker_part_1.parquet']);
    expect(Object.keys(await filesInOpfs('worker snapshots')).sort()).toEqual(['from-worker.manifest.json', ...names]);
    const paths = await copyOut(page, names, mkdtempSync(join(work, 'out-')), 'worker snapshots');
    const native = await nativeDuckDB();
    try {
      await native.conn.run(`CREATE TABLE source AS ${rowsSql(300_000)}`);
      const files = `read_parquet([${paths.map(lit).join(', ')}])`;
      expect(await compareRows(native.conn, files, 'source')).toEqual({ extra: 0, missing: 0, n: 300_000 });
    } finally {
      native.close();
    }
  });

  it('an export aborted, or failing mid-way, leaves nothing of its snapshot; the next export works', async () => {
    const before = await filesInOpfs();
    const aborted = await page.evaluate(async () => {
      const controller = new AbortController();
      try {
        await (window as unknown as AppWindow).app.exportTable('t_1000000', {
          snapshotId: 'aborted',
          signal: controller.signal,
          onProgress: (p: { phase: string; part?: number }) => p.phase === 'writing' && p.part === 1 && controller.abort(),
        });
        return 'finished';
      } catch (error) {
        return String(error);
      }
    });
    expect(aborted).toMatch(/cancelled; nothing of it was kept/);
    expect(await filesInOpfs()).toEqual(before);

    // The third part's write fails (a full disk, say): the parts before it go too.
    const failed = await page.evaluate(async () => {
      const proto = FileSystemFileHandle.prototype as unknown as { createWritable(...args: unknown[]): Promise<unknown> };
      const original = proto.createWritable;
      let calls = 0;
      proto.createWritable = function (this: FileSystemFileHandle, ...args: unknown[]) {
        if (++calls === 3) return Promise.reject(new DOMException('injected: the disk is full', 'QuotaExceededError'));
        return original.apply(this, args);
      };
      try {
        await (window as unknown as AppWindow).app.exportTable('t_1000000', { snapshotId: 'failed' });
        return 'finished';
      } catch (error) {
        return String(error);
      } finally {
        proto.createWritable = original;
      }
    });
    expect(failed).toMatch(/Not enough storage to write snapshot "failed"/);
    expect(await filesInOpfs()).toEqual(before);
    const again = await page.evaluate(() => (window as unknown as AppWindow).app.exportTable('t_250001', { snapshotId: 'after-failure' }));
    expect(again.parts).toHaveLength(2);
  });

  // The exporter overlaps its stages (the next part's query and checksum while this part is
  // encoded and the one before is written and verified): a failure in any stage, at the
  // first, a middle or the last of four parts, must still leave nothing behind — not even a
  // file a stage still running wrote after the failure was known.
  const STAGE_FAULTS = [
    { stage: 'query', says: /ExportError: Export of "fault-query-\d" failed; nothing of it was kept\. \| cause: .*injected: the query of part \d failed/ },
    { stage: 'checksum', says: /ExportError: Export of "fault-checksum-\d" failed; nothing of it was kept\. \| cause: .*injected: the checksum of part \d failed/ },
    { stage: 'write', says: /StorageFullError: Not enough storage to write snapshot "fault-write-\d"/ },
    { stage: 'verify', says: /PartVerificationError: Part fault-verify-\d_part_\d\.parquet did not verify after writing/ },
  ] as const;
  it.each(STAGE_FAULTS)('a failure in the $stage stage of the first, a middle or the last part leaves nothing of its snapshot, and says what failed', async ({ stage, says }) => {
    const before = await filesInOpfs();
    for (const part of [0, 1, 3]) {
      const snapshotId = `fault-${stage}-${part}`;
      const outcome = await page.evaluate(
        async (stage, part, snapshotId) => {
          const app = (window as unknown as AppWindow & { app: { store: { db: { runQuery(conn: unknown, sql: string): Promise<unknown> } } } }).app;
          const db = app.store.db;
          const runQuery = db.runQuery.bind(db);
          const handles = FileSystemFileHandle.prototype as unknown as { createWritable(...args: unknown[]): Promise<unknown>; getFile(): Promise<File> };
          const { createWritable, getFile } = handles;
          const tmp = `${snapshotId}_part_${part}.parquet.tmp`;
          // The n-th statement of a kind (part queries and checksums each come once per part, in part order).
          const seen = { query: 0, checksum: 0 };
          db.runQuery = (conn, sql) => {
            const kind = sql.startsWith('SELECT * EXCLUDE') ? 'query' : /sum\(hash\(row\(/.test(sql) && sql.includes('WHERE') ? 'checksum' : null;
            if (kind !== null && kind === stage && seen[kind]++ === part) return Promise.reject(new Error(`injected: the ${kind} of part ${part} failed`));
            return runQuery(conn, sql);
          };
          handles.createWritable = function (this: FileSystemFileHandle, ...args: unknown[]) {
            if (stage === 'write' && this.name === tmp) return Promise.reject(new DOMException('injected: the disk is full', 'QuotaExceededError'));
            return createWritable.apply(this, args);
          };
          handles.getFile = async function (this: FileSystemFileHandle) {
            const file = await getFile.apply(this);
            // Read back one byte short: what a write that lost its end would leave.
            return stage === 'verify' && this.name === tmp ? new File([file.slice(0, file.size - 1)], file.name) : file;
          };
          try {
            await app.exportTable('t_1000000', { snapshotId });
            return 'finished';
          } catch (error) {
            const cause = (error as { cause?: unknown }).cause;
            return `${String(error)}${cause === undefined ? '' : ` | cause: ${String(cause)}`}`;
          } finally {
            db.runQuery = runQuery;
            handles.createWritable = createWritable;
            handles.getFile = getFile;
          }
        },
        stage,
        part,
        snapshotId,
      );
      expect(outcome, `${stage} of part ${part}`).toMatch(says);
      expect(await filesInOpfs(), `${stage} of part ${part}`).toEqual(before);
      // And nothing appears later from a stage that was still running.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await filesInOpfs(), `${stage} of part ${part}, later`).toEqual(before);
    }
    const again = await page.evaluate((id) => (window as unknown as AppWindow).app.exportTable('t_250001', { snapshotId: id }), `after-${stage}-faults`);
    expect(again.parts).toHaveLength(2);
    await page.evaluate((id) => (window as unknown as AppWindow).app.remove(id), `after-${stage}-faults`);
  });

  // The snapshot's Web Lock keeps the panel and other exports out, not the app's own code:
  // a part it removes or rewrites after the part was verified must stop the manifest.
  it.each(['removed', 'rewritten'] as const)('a part %s by other code before the commit: no manifest, nothing of ours left, the other file kept', async (change) => {
    const before = await filesInOpfs();
    for (const part of [0, 2, 3]) {
      const snapshotId = `changed-${change}-${part}`;
      const outcome = await page.evaluate(
        async (change, part, snapshotId, folder) => {
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
          const handles = FileSystemFileHandle.prototype as unknown as { move(name: string): Promise<void> };
          const { move } = handles;
          const target = `${snapshotId}_part_${part}.parquet`;
          // Once the last of the four parts was verified and renamed: between the parts and the manifest.
          handles.move = async function (this: FileSystemFileHandle, name: string) {
            await move.call(this, name);
            if (name !== `${snapshotId}_part_3.parquet`) return;
            if (change === 'removed') await dir.removeEntry(target);
            else {
              const writable = await (await dir.getFileHandle(target)).createWritable();
              await writable.write('the app wrote this');
              await writable.close();
            }
          };
          try {
            await (window as unknown as AppWindow).app.exportTable('t_1000000', { snapshotId });
            return 'finished';
          } catch (error) {
            return String(error);
          } finally {
            handles.move = move;
          }
        },
        change,
        part,
        snapshotId,
        FOLDER,
      );
      const said = change === 'removed' ? 'is gone' : 'now holds 18 bytes, not the';
      expect(outcome, `${change} part ${part}`).toMatch(new RegExp(`PartVerificationError: Part ${snapshotId}_part_${part}\\.parquet ${said}.*no manifest was written`));
      const expected = change === 'removed' ? before : { ...before, [`${snapshotId}_part_${part}.parquet`]: 18 };
      expect(await filesInOpfs(), `${change} part ${part}`).toEqual(expected);
      if (change === 'rewritten') await page.evaluate(async (folder, name) => (await (await navigator.storage.getDirectory()).getDirectoryHandle(folder)).removeEntry(name), FOLDER, `${snapshotId}_part_${part}.parquet`);
    }
  });

  it("a file other code writes under the manifest's name before the commit: kept as it is, no manifest of ours, nothing of ours left", async () => {
    await page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), `CREATE OR REPLACE TABLE taken AS ${rowsSql(150)}`);
    const before = await filesInOpfs();
    const snapshotId = 'manifest-taken';
    const outcome = await page.evaluate(
      async (snapshotId, folder) => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
        const handles = FileSystemFileHandle.prototype as unknown as { move(name: string): Promise<void> };
        const { move } = handles;
        // Once the last part is in place: other code of the app writes a file of the manifest's name.
        handles.move = async function (this: FileSystemFileHandle, name: string) {
          await move.call(this, name);
          if (name !== `${snapshotId}_part_1.parquet`) return;
          const writable = await (await dir.getFileHandle(`${snapshotId}.manifest.json`, { create: true })).createWritable();
          await writable.write('the app wrote this');
          await writable.close();
        };
        try {
          await (window as unknown as AppWindow).app.exportTable('taken', { snapshotId, rowsPerPart: 100 });
          return 'finished';
        } catch (error) {
          return String(error);
        } finally {
          handles.move = move;
        }
      },
      snapshotId,
      FOLDER,
    );
    expect(outcome).toMatch(/SnapshotExistsError: manifest-taken\.manifest\.json appeared while the snapshot was written \(other code wrote it\): it was left as it is, and no manifest of this export was written\./);
    expect(await filesInOpfs()).toEqual({ ...before, 'manifest-taken.manifest.json': 18 });
    expect((await opfsBytesOf(page, `${FOLDER}/manifest-taken.manifest.json`)).toString()).toBe('the app wrote this');
    await page.evaluate(async (folder) => (await (await navigator.storage.getDirectory()).getDirectoryHandle(folder)).removeEntry('manifest-taken.manifest.json'), FOLDER);
  });

  interruptedExportSuite(context);

  it("is seen by the DevTools panel as healthy snapshots, whose purge skips a snapshot the app is writing", async () => {
    const { devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${server.url}/`, { dock: 'undocked', inspected: page });
    await devtools.setViewport({ width: 1200, height: 800 });
    await refresh(panel);
    const listed = await allPanelRows(panel);
    const ours = listed.filter((r) => r.path.startsWith(`${FOLDER}/`));
    expect(ours.length).toBeGreaterThan(10);
    for (const row of ours) expect(row.status, row.path).toBe('ok');
    await screenshot(devtools, 'library-app-snapshots');

    // The app's export stops after writing its first part (its rename waits), holding its lock.
    await page.evaluate(() => {
      const proto = FileSystemFileHandle.prototype as unknown as { move(...args: unknown[]): Promise<void> };
      const original = proto.move;
      const w = window as unknown as { release?: () => void; exporting?: Promise<unknown> };
      const gate = new Promise<void>((resolve) => (w.release = resolve));
      proto.move = async function (this: FileSystemFileHandle, ...args: unknown[]) {
        await gate;
        proto.move = original;
        return original.apply(this, args);
      };
      w.exporting = (window as unknown as AppWindow).app.exportTable('t_250001', { snapshotId: 'in-progress' });
    });
    await expect.poll(async () => Object.keys(await filesInOpfs()).some((name) => name.startsWith('in-progress') && name.endsWith('.tmp')), { timeout: 30_000 }).toBe(true);
    // A leftover of an export that died (no lock): the purge must take it, and only it.
    await page.evaluate(async (folder) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
      await (await (await dir.getFileHandle('crashed_part_3.parquet.tmp', { create: true })).createWritable()).close();
    }, FOLDER);
    await refresh(panel);
    const rowsNow = await allPanelRows(panel);
    const writing = rowsNow.filter((r) => r.path.startsWith(`${FOLDER}/in-progress`));
    expect(writing.length).toBeGreaterThan(0);
    for (const row of writing) expect(['locked', 'temp'], row.path).toContain(row.status);
    expect(rowsNow.find((r) => r.path === `${FOLDER}/crashed_part_3.parquet.tmp`)?.status).toBe('temp');
    // The library's own finder agrees: what the running export writes is not broken, the leftover is.
    const found = (await page.evaluate(() => (window as unknown as AppWindow).app.broken())).map((f) => f.path);
    expect(found).toContain('crashed_part_3.parquet.tmp');
    expect(found.filter((path) => path.startsWith('in-progress'))).toEqual([]);
    const beforePurge = await filesInOpfs();
    await purgeEverythingFlagged(panel);
    // Nothing of the snapshot being written went, the leftover did; the app finishes its export.
    const afterPurge = await filesInOpfs();
    expect(afterPurge).not.toHaveProperty('crashed_part_3.parquet.tmp');
    for (const name of Object.keys(beforePurge).filter((n) => n.startsWith('in-progress'))) expect(afterPurge[name], name).toBe(beforePurge[name]);
    const finished = await page.evaluate(async () => {
      const w = window as unknown as { release: () => void; exporting: Promise<{ rowCount: number }> };
      w.release();
      return (await w.exporting).rowCount;
    });
    expect(finished).toBe(250_001);
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.verify('in-progress'))).toMatchObject({ ok: true });
    expect(await page.evaluate(() => (window as unknown as AppWindow).app.broken())).toEqual([]);
  });
});

/** Clicks every purge button the panel offers, confirming each. */
async function purgeEverythingFlagged(panel: Frame): Promise<void> {
  for (const category of ['temp', 'incomplete', 'empty', 'corrupt']) {
    const button = await panel.$(`[data-testid="purge-${category}"]:not([disabled])`);
    if (!button) continue;
    await panel.$eval(`[data-testid="purge-${category}"]`, (b) => (b as HTMLElement).click());
    await panel.waitForSelector('[data-testid="purge-dialog"]');
    await panel.$eval('[data-testid="purge-confirm"]', (b) => (b as HTMLElement).click());
    await panel.waitForSelector('[data-testid="purge-result"][data-state="done"], [data-testid="purge-result"][data-state="failed"]', { timeout: 30_000 });
  }
}

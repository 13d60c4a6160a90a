/**
 * The library's tests that every browser runs, as functions of the browser they run in
 * (tests/browser/library.test.ts for Chromium, tests/firefox/library.test.ts): the packed
 * library in the Vite app of tests/fixtures/library-app, driven through `window.app`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { opfsBytesOf, writePageFiles } from './panel';
import { compareRows, lit, nativeDuckDB, rows } from './native-duckdb';
import { rowsSql } from './library-app';
import { belongsToSnapshot } from '../../src/snapshot/names';

/** The app's snapshot folder (tests/fixtures/library-app/main.ts). */
export const APP_FOLDER = 'app snapshots';

export interface AppWindow {
  app: {
    sql(query: string): Promise<Record<string, unknown>[]>;
    exportTable(table: string, options?: Record<string, unknown>): Promise<{ snapshotId: string; rowCount: number; parts: { name: string; rows: number; bytes: number }[] }>;
    restore(snapshotId: string, table: string): Promise<{ rowCount: number; matchesManifest: boolean; problems: string[] }>;
    verify(snapshotId: string): Promise<{ ok: boolean; problems: string[] }>;
    list(): Promise<{ snapshotId: string }[]>;
    remove(snapshotId: string): Promise<{ removed: string[] }>;
    broken(): Promise<{ path: string; health: string }[]>;
    sweep(): Promise<{ removed: string[] }>;
    exportThroughCast(setting: 'castBigIntToDouble' | 'castDecimalToDouble' | 'castTimestampToDate'): Promise<string>;
    threadedExports(rows: number, scenarios: { preserve: boolean; offBeforePart?: number; backOn?: boolean }[]): Promise<Record<string, unknown>[]>;
    inWorker(message: { sql: string; folder: string; snapshotId: string }): Promise<{ error?: string; manifest?: { rowCount: number; parts: { name: string; bytes: number }[] }; verified?: { ok: boolean } }>;
  };
}

/** Opens the app in a new tab of `browser` and waits until its DuckDB is ready. */
export async function openAppPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return page;
}

/** Where the suites run: getters, as the browser starts in the caller's beforeAll. */
export interface LibraryContext {
  browser(): Browser;
  /** The app's page, ready. */
  page(): Page;
  /** Where the app is served. */
  url(): string;
  /** A folder of the test's own on disk. */
  work: string;
}

/** Names and sizes of the files in a folder of the app's OPFS. */
export function folderFiles(page: Page, folder = APP_FOLDER): Promise<Record<string, number>> {
  return page.evaluate(async (folder) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder, { create: true });
    const out: Record<string, number> = {};
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) out[name] = (await handle.getFile()).size;
    return out;
  }, folder);
}

/** Copies files of a folder of the app's OPFS into `dest`, byte for byte; their paths. */
export async function copyOut(page: Page, names: string[], dest: string, folder = APP_FOLDER): Promise<string[]> {
  const paths: string[] = [];
  for (const name of names) {
    const path = join(dest, name);
    writeFileSync(path, await opfsBytesOf(page, `${folder}/${name}`));
    paths.push(path);
  }
  return paths;
}

/**
 * Exports of 0 to 1,000,000 rows read back by native DuckDB, then restore, verify and delete.
 * Leaves tables `t_<n>` and snapshots `rows-<n>` (but `rows-1`) for the caller's later tests.
 */
export function exportSuite(context: LibraryContext): void {
  const filesInOpfs = () => folderFiles(context.page());
  it.each([
    [0, 1],
    [1, 1],
    [250_000, 1],
    [250_001, 2],
    [1_000_000, 4],
  ])('exports %i rows as %i verified file(s) that native DuckDB reads back equal to the source, in order', async (n, fileCount) => {
    const table = `t_${n}`;
    await context.page().evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), `CREATE OR REPLACE TABLE ${table} AS ${rowsSql(n)}`);
    const before = await filesInOpfs();
    const manifest = await context.page().evaluate((table, id) => (window as unknown as AppWindow).app.exportTable(table, { snapshotId: id }), table, `rows-${n}`);
    expect(manifest.rowCount).toBe(n);
    expect(manifest.parts).toHaveLength(fileCount);
    const after = await filesInOpfs();
    const added = Object.keys(after).filter((name) => !(name in before)).sort();
    const partNames = fileCount === 1 ? [`rows-${n}.parquet`] : Array.from({ length: fileCount }, (_, i) => `rows-${n}_part_${i}.parquet`);
    expect(added).toEqual([`rows-${n}.manifest.json`, ...partNames].sort());
    for (const part of manifest.parts) expect(after[part.name], part.name).toBe(part.bytes);

    const dest = mkdtempSync(join(context.work, 'out-'));
    const paths = await copyOut(context.page(), partNames, dest);
    const native = await nativeDuckDB();
    try {
      const files = `read_parquet([${paths.map(lit).join(', ')}])`;
      await native.conn.run(`CREATE TABLE source AS ${rowsSql(n)}`);
      expect(await compareRows(native.conn, files, 'source')).toEqual({ extra: 0, missing: 0, n });
      const [order] = await rows(native.conn, `SELECT count(*) AS misplaced FROM (SELECT id, row_number() OVER () - 1 AS position FROM ${files}) WHERE id <> position`);
      expect(order).toEqual({ misplaced: '0' });
    } finally {
      native.close();
    }
  });

  it('restores and verifies a snapshot by its checksum; deletes it, manifest and parts', async () => {
    const restored = await context.page().evaluate(() => (window as unknown as AppWindow).app.restore('rows-250001', 'back'));
    expect(restored).toMatchObject({ rowCount: 250_001, matchesManifest: true, problems: [] });
    const [same] = await context.page().evaluate(
      (sql) => (window as unknown as AppWindow).app.sql(sql),
      'SELECT (SELECT count(*) FROM (SELECT * EXCLUDE (__row_id) FROM back EXCEPT ALL SELECT * FROM t_250001)) AS extra, (SELECT count(*) FROM (SELECT * FROM t_250001 EXCEPT ALL SELECT * EXCLUDE (__row_id) FROM back)) AS missing',
    );
    expect(same).toEqual({ extra: '0', missing: '0' });
    expect(await context.page().evaluate(() => (window as unknown as AppWindow).app.verify('rows-250001'))).toMatchObject({ ok: true, problems: [] });
    expect((await context.page().evaluate(() => (window as unknown as AppWindow).app.list())).map((m) => m.snapshotId).sort()).toEqual(['rows-0', 'rows-1', 'rows-1000000', 'rows-250000', 'rows-250001']);

    const { removed } = await context.page().evaluate(() => (window as unknown as AppWindow).app.remove('rows-1'));
    expect(removed.sort()).toEqual(['rows-1.manifest.json', 'rows-1.parquet']);
    expect(Object.keys(await filesInOpfs()).filter((name) => name.startsWith('rows-1.'))).toEqual([]);
  });

  // A running export renames and removes its own files while another tab looks for broken
  // ones (it once failed the DevTools test below with NotFoundError). Each file in turn, at
  // whatever place the folder lists it, goes right before it is read; then a whole subfolder.
  it('finds broken files while files and folders go under it: what went is left out, never an error, nothing changed', async () => {
    const folder = 'come-and-go';
    const broken = ['a.parquet', 'b.parquet.tmp', 'c.parquet', 'sub/d.parquet', 'sub/e.parquet'];
    const healthy = 'ok.json';
    const reset = () =>
      writePageFiles(context.page(), Object.fromEntries([...broken.map((name) => [`${APP_FOLDER}/${folder}/${name}`, new Uint8Array(0)]), [`${APP_FOLDER}/${folder}/${healthy}`, new TextEncoder().encode('{}')]]));
    const findWhileGoing = (going: string) =>
      context.page().evaluate(
        async (appFolder, folder, going) => {
          const proto = FileSystemFileHandle.prototype;
          const getFile = proto.getFile;
          const root = await (await (await navigator.storage.getDirectory()).getDirectoryHandle(appFolder)).getDirectoryHandle(folder);
          proto.getFile = async function (this: FileSystemFileHandle) {
            const sub = going === 'sub/' && this.name.endsWith('.parquet') && (await root.resolve(this))?.[0] === 'sub';
            if (sub) await root.removeEntry('sub', { recursive: true });
            else if ((await root.resolve(this))?.join('/') === going) await (going.startsWith('sub/') ? await root.getDirectoryHandle('sub') : root).removeEntry(this.name);
            return getFile.call(this);
          };
          try {
            return { found: (await (window as unknown as AppWindow).app.broken()).map((f) => f.path).filter((path) => path.startsWith(`${folder}/`)).sort() };
          } catch (error) {
            return { error: String(error) };
          } finally {
            proto.getFile = getFile;
          }
        },
        APP_FOLDER,
        folder,
        going,
      );
    const everything = () =>
      context.page().evaluate(
        async (appFolder, folder) => {
          const paths: string[] = [];
          const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
            for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
              if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
              else paths.push(`${prefix}${name}`);
            }
          };
          await walk(await (await (await navigator.storage.getDirectory()).getDirectoryHandle(appFolder)).getDirectoryHandle(folder), '');
          return paths.sort();
        },
        APP_FOLDER,
        folder,
      );
    for (const going of [...broken, healthy, 'sub/']) {
      await reset();
      const answer = await findWhileGoing(going);
      const left = broken.filter((name) => name !== going && !(going === 'sub/' && name.startsWith('sub/'))).map((name) => `${folder}/${name}`);
      expect(answer, going).toEqual({ found: left });
      // Only what the test removed is gone: the finder itself changed nothing.
      expect(await everything(), going).toEqual([...broken, healthy].filter((name) => name !== going && !(going === 'sub/' && name.startsWith('sub/'))).sort());
    }
    await context.page().evaluate(async (appFolder, folder) => (await (await navigator.storage.getDirectory()).getDirectoryHandle(appFolder)).removeEntry(folder, { recursive: true }), APP_FOLDER, folder);
  });
}

/**
 * Exports through a multithreaded DuckDB-WASM, whose scans hand out rows in whatever order
 * its threads finish when the app turns `preserve_insertion_order` off (DuckDB's advice for
 * large exports): each part must still hold its rows in id order, or the snapshot would not
 * restore to the table it was (the restore numbers rows in file order).
 */
export function threadedSuite(context: LibraryContext): void {
  // With the setting on, scans keep storage order: the exports of the other tests. Off from
  // the start; turned off by another connection of the app (the setting is global) right before
  // the exporter reads the first, a middle or the last of the four parts; or off only while one
  // part is read, on again before the exporter's next statement. Without the exporter's guard,
  // the parts read without the setting came in any order and the export said "verified".
  const SCENARIOS: { preserve: boolean; offBeforePart?: number; backOn?: boolean }[] = [
    { preserve: false },
    ...[0, 1, 3].map((part) => ({ preserve: true, offBeforePart: part })),
    ...[0, 3].map((part) => ({ preserve: true, offBeforePart: part, backOn: true })),
  ];
  it(`exports 1,000,000 rows through a multithreaded DuckDB-WASM with preserve_insertion_order off, from the start or mid-export (${SCENARIOS.length} ways): parts in id order, verified, restored equal`, async () => {
    // A tab of its own: the threaded DuckDB beside nothing else of the app's.
    const tab = await openAppPage(context.browser(), context.url());
    try {
      const answer = tab.evaluate((scenarios) => (window as unknown as AppWindow).app.threadedExports(1_000_000, scenarios), SCENARIOS);
      // Where it is when it takes too long: the stage the app reached.
      const stuck = new Promise((resolve) => setTimeout(resolve, 170_000)).then(() => tab.evaluate(() => ({ stuckAt: (window as unknown as { stage?: string }).stage })));
      const answers = await Promise.race([answer, stuck]);
      expect(answers).toEqual(
        SCENARIOS.map(({ preserve, offBeforePart, backOn }) => ({
          crossOriginIsolated: true,
          settings: { threads: '4', preserve },
          parts: 4,
          verified: true,
          restored: true,
          order: { misplaced: '0', n: '1000000' },
          preserveAfter: offBeforePart === undefined ? preserve : backOn === true,
        })),
      );
    } finally {
      await tab.close();
    }
  }, 180_000);
}

/** Exports cut off by their tab closing, at each of their steps: swept, or cleared by the next export under the id. */
export function interruptedExportSuite(context: LibraryContext): void {
  // A tab closed mid-export (or its worker stopped) runs no clean-up: its intent record
  // names what it was making. Cut at each of its steps, in a second tab of the app.
  const CUTS = [
    { n: 0, at: 'the rename of the first part', target: (id: string) => `${id}_part_0.parquet`, committed: false },
    { n: 1, at: 'the rename of a middle part', target: (id: string) => `${id}_part_1.parquet`, committed: false },
    { n: 2, at: 'the rename of the last part', target: (id: string) => `${id}_part_2.parquet`, committed: false },
    { n: 3, at: 'the rename of the manifest', target: (id: string) => `${id}.manifest.json`, committed: false },
    { n: 4, at: 'the removal of its intent (committed)', target: (id: string) => `${id}.intent.json`, committed: true },
  ];

  /**
   * Starts an export of `cut_src` (or, with `work` 'remove', the deletion of snapshot
   * `snapshotId`) in a new tab of the app and stops it at `target` (a rename, or a
   * removal), the tab still open.
   */
  async function exportCutOffAt(snapshotId: string, target: string, work: 'export' | 'remove' = 'export'): Promise<Page> {
    const tab = await openAppPage(context.browser(), context.url());
    await tab.evaluate(
      async (snapshotId, target, rows, work) => {
        const w = window as unknown as AppWindow & { cut?: boolean };
        const hang = () => {
          w.cut = true;
          return new Promise<never>(() => undefined);
        };
        const files = FileSystemFileHandle.prototype as unknown as { move(name: string): Promise<void> };
        const move = files.move;
        files.move = function (this: FileSystemFileHandle, name: string) {
          return name === target ? hang() : move.call(this, name);
        };
        const dirs = FileSystemDirectoryHandle.prototype;
        const removeEntry = dirs.removeEntry;
        dirs.removeEntry = function (this: FileSystemDirectoryHandle, name: string, options?: FileSystemRemoveOptions) {
          return name === target ? hang() : removeEntry.call(this, name, options);
        };
        if (work === 'remove') {
          void w.app.remove(snapshotId);
          return;
        }
        await w.app.sql(`CREATE TABLE cut_src AS ${rows}`);
        void w.app.exportTable('cut_src', { snapshotId, rowsPerPart: 1000 });
      },
      snapshotId,
      target,
      rowsSql(3000),
      work,
    );
    // Polled on a timer: the tab is in the background, where animation frames stop.
    await tab.waitForFunction(() => (window as unknown as { cut?: boolean }).cut === true, { polling: 100, timeout: 60_000 });
    return tab;
  }

  /** Closes `tab` and waits until the browser has released the locks it held. */
  async function closeTab(tab: Page, snapshotId: string): Promise<void> {
    await tab.close();
    await expect
      .poll(() => context.page().evaluate(async (id) => ((await navigator.locks.query()).held ?? []).some((lock) => lock.name?.endsWith(`/${id}`)), snapshotId), { timeout: 30_000 })
      .toBe(false);
  }

  const ofSnapshot = (files: Record<string, number>, id: string) => Object.keys(files).filter((name) => belongsToSnapshot(name, id)).sort();
  /** The files of a committed snapshot of `cut_src` (3,000 rows, 1,000 per part). */
  const committedFiles = (id: string) => [`${id}.manifest.json`, ...[0, 1, 2].map((i) => `${id}_part_${i}.parquet`)].sort();

  it.each(CUTS)('an export cut off at $at: sweepInterrupted skips it while its tab holds the lock, then removes exactly what it left', async ({ n, target, committed }) => {
    const snapshotId = `cut-${n}`;
    // Files no intent names, next to it: kept whatever their names.
    await context.page().evaluate(async (folder) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
      for (const name of ['stray_part_0.parquet.tmp', 'notes.txt']) await (await (await dir.getFileHandle(name, { create: true })).createWritable()).close();
    }, APP_FOLDER);
    const before = await folderFiles(context.page());
    const tab = await exportCutOffAt(snapshotId, target(snapshotId));
    const leftWhileRunning = await folderFiles(context.page());
    expect(await context.page().evaluate(() => (window as unknown as AppWindow).app.sweep())).toEqual({ removed: [] });
    expect(await folderFiles(context.page())).toEqual(leftWhileRunning);

    await closeTab(tab, snapshotId);
    const left = await folderFiles(context.page());
    const leftovers = ofSnapshot(left, snapshotId);
    expect(leftovers).toContain(`${snapshotId}.intent.json`);
    if (!committed) expect(leftovers).toContain(`${target(snapshotId)}.tmp`);
    const { removed } = await context.page().evaluate(() => (window as unknown as AppWindow).app.sweep());
    if (committed) {
      expect(removed).toEqual([`${snapshotId}.intent.json`]);
      const kept = Object.fromEntries(Object.entries(left).filter(([name]) => name !== `${snapshotId}.intent.json`));
      expect(await folderFiles(context.page())).toEqual(kept);
      expect(ofSnapshot(kept, snapshotId)).toEqual(committedFiles(snapshotId));
      expect(await context.page().evaluate((id) => (window as unknown as AppWindow).app.verify(id), snapshotId)).toMatchObject({ ok: true });
      await context.page().evaluate((id) => (window as unknown as AppWindow).app.remove(id), snapshotId);
    } else {
      expect(removed.sort()).toEqual(leftovers);
      expect(await folderFiles(context.page())).toEqual(before);
    }
    expect(await context.page().evaluate(() => (window as unknown as AppWindow).app.sweep())).toEqual({ removed: [] });
    await context.page().evaluate(async (folder) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
      for (const name of ['stray_part_0.parquet.tmp', 'notes.txt']) await dir.removeEntry(name);
    }, APP_FOLDER);
  });

  it.each(CUTS)('an export cut off at $at: the next export under its id clears what it left by itself, or keeps the committed snapshot and says so', async ({ n, target, committed }) => {
    const snapshotId = `recut-${n}`;
    const before = await folderFiles(context.page());
    await closeTab(await exportCutOffAt(snapshotId, target(snapshotId)), snapshotId);
    const outcome = await context.page().evaluate(async (id, rows) => {
      const { app } = window as unknown as AppWindow;
      await app.sql(`CREATE OR REPLACE TABLE recut_src AS ${rows}`);
      return app.exportTable('recut_src', { snapshotId: id, rowsPerPart: 1000 }).then(
        (manifest) => manifest.rowCount,
        (error: unknown) => String(error),
      );
    }, snapshotId, rowsSql(3000));
    const expectedFiles = committedFiles(snapshotId);
    if (committed) {
      expect(outcome).toMatch(new RegExp(`SnapshotExistsError: Snapshot "${snapshotId}" already has files`));
    } else {
      expect(outcome).toBe(3000);
    }
    const after = await folderFiles(context.page());
    expect(ofSnapshot(after, snapshotId)).toEqual(expectedFiles);
    expect(Object.keys(after).filter((name) => !(name in before)).sort()).toEqual(expectedFiles);
    expect(await context.page().evaluate((id) => (window as unknown as AppWindow).app.verify(id), snapshotId)).toMatchObject({ ok: true });
    await context.page().evaluate((id) => (window as unknown as AppWindow).app.remove(id), snapshotId);
  });

  /** What each of `names` in the app's folder holds, byte for byte. */
  const contentsOf = async (names: string[]) => Object.fromEntries(await Promise.all(names.map(async (name) => [name, await opfsBytesOf(context.page(), `${APP_FOLDER}/${name}`)])));

  /** Writes `content` as the whole of `name` in the app's folder, the way an app's own code would (not through the library). */
  const appWrites = async (name: string, content: { copyOf: string } | { bytes: number; seed: number }) => {
    const data = 'copyOf' in content ? await opfsBytesOf(context.page(), `${APP_FOLDER}/${content.copyOf}`) : Uint8Array.from({ length: content.bytes }, (_, i) => (i * 31 + content.seed * 17) & 0xff);
    await writePageFiles(context.page(), { [`${APP_FOLDER}/${name}`]: data });
  };

  // After the tab closed and before anything settled its intent, the app's own code wrote
  // files under names the export had planned: over parts the export had renamed, or where it
  // had not got to yet. Such a file may be another export's valid part, bytes that are not
  // Parquet, or nothing; whichever, it is the app's and stays. A part the export did rename,
  // left alone, is still removed.
  it.each(CUTS.filter((cut) => !cut.committed))(
    'an export cut off at $at, then files of the app’s own under its part names: the sweep keeps them byte for byte and removes only what the export wrote',
    async ({ n, target }) => {
      const snapshotId = `taken-${n}`;
      const other = `other-${n}`;
      await context.page().evaluate(async (id, rows) => {
        const { app } = window as unknown as AppWindow;
        await app.sql(`CREATE OR REPLACE TABLE other_src AS ${rows}`);
        await app.exportTable('other_src', { snapshotId: id });
      }, other, rowsSql(500));
      const before = await folderFiles(context.page());
      await closeTab(await exportCutOffAt(snapshotId, target(snapshotId)), snapshotId);
      const left = ofSnapshot(await folderFiles(context.page()), snapshotId);
      // The parts renamed before the cut: 0 … n−1 (the manifest's cut comes after all 3).
      const renamed = [0, 1, 2].filter((i) => i < n).map((i) => `${snapshotId}_part_${i}.parquet`);
      expect(left.filter((name) => name.endsWith('.parquet'))).toEqual(renamed);
      // The app writes under every part name but the last one renamed, which stays the export's.
      const kept = [0, 1, 2].filter((i) => i !== n - 1).map((i) => `${snapshotId}_part_${i}.parquet`);
      const contents = [{ copyOf: `${other}.parquet` }, { bytes: 4096, seed: n }, { bytes: 0, seed: 0 }];
      for (const [i, name] of kept.entries()) await appWrites(name, contents[(i + n) % contents.length]);
      const appFiles = await contentsOf(kept);

      const { removed } = await context.page().evaluate(() => (window as unknown as AppWindow).app.sweep());
      expect(removed.sort()).toEqual(left.filter((name) => !kept.includes(name)));
      const after = await folderFiles(context.page());
      expect(ofSnapshot(after, snapshotId)).toEqual([...kept].sort());
      expect(await contentsOf(kept)).toEqual(appFiles);
      // Everything else in the folder is as it was.
      expect(Object.fromEntries(Object.entries(after).filter(([name]) => !kept.includes(name)))).toEqual(before);

      // A new export under the id is refused by the app's files, which it names and keeps.
      const outcome = await context.page().evaluate((id) => (window as unknown as AppWindow).app.exportTable('other_src', { snapshotId: id }).then(() => 'exported', (error: unknown) => String(error)), snapshotId);
      expect(outcome).toMatch(new RegExp(`SnapshotExistsError: Snapshot "${snapshotId}" already has files`));
      for (const name of kept) expect(outcome).toContain(name);
      expect(await contentsOf(kept)).toEqual(appFiles);
      await context.page().evaluate(async (folder, names, other) => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
        for (const name of names) await dir.removeEntry(name);
        await (window as unknown as AppWindow).app.remove(other);
      }, APP_FOLDER, kept, other);
    },
  );

  // A deletion cut off at each of its removals, then the app's own code rewrites some of the
  // files it had not removed yet: with other bytes of the same size, or another size. The
  // sweep finishes the deletion on the files that are still as they were, and keeps the others.
  it.each([
    { n: 0, at: 'its manifest', target: (id: string) => `${id}.manifest.json` },
    { n: 1, at: 'its first part', target: (id: string) => `${id}_part_0.parquet` },
    { n: 2, at: 'a middle part', target: (id: string) => `${id}_part_1.parquet` },
    { n: 3, at: 'its last part', target: (id: string) => `${id}_part_2.parquet` },
  ])('a deletion cut off at $at, then files rewritten by the app: the sweep removes the rest of the snapshot and keeps the rewritten ones', async ({ n, target }) => {
    const snapshotId = `unmade-${n}`;
    await context.page().evaluate(async (id, rows) => {
      const { app } = window as unknown as AppWindow;
      await app.sql(`CREATE OR REPLACE TABLE unmade_src AS ${rows}`);
      await app.exportTable('unmade_src', { snapshotId: id, rowsPerPart: 1000 });
    }, snapshotId, rowsSql(3000));
    const before = await folderFiles(context.page());
    await closeTab(await exportCutOffAt(snapshotId, target(snapshotId), 'remove'), snapshotId);
    const left = ofSnapshot(await folderFiles(context.page()), snapshotId).filter((name) => !name.endsWith('.intent.json'));
    expect(left).toContain(target(snapshotId));
    // Every other file still there is rewritten: the same size with other bytes, then another size.
    const rewritten = left.filter((_, i) => i % 2 === 0);
    for (const [i, name] of rewritten.entries()) await appWrites(name, { bytes: i % 2 === 0 ? before[name] : before[name] + 1, seed: i + 1 });
    const appFiles = await contentsOf(rewritten);

    const { removed } = await context.page().evaluate(() => (window as unknown as AppWindow).app.sweep());
    expect(removed.sort()).toEqual([...left.filter((name) => !rewritten.includes(name)), `${snapshotId}.intent.json`].sort());
    expect(ofSnapshot(await folderFiles(context.page()), snapshotId)).toEqual(rewritten);
    expect(await contentsOf(rewritten)).toEqual(appFiles);
    await context.page().evaluate(async (folder, names) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
      for (const name of names) await dir.removeEntry(name);
    }, APP_FOLDER, rewritten);
  });

  // The sweep finds a file of the cut deletion held open by the app (a sync access handle in
  // its worker): it waits for the handle to close, and the app rewrites the file meanwhile.
  // What it then finds is no longer the file the deletion meant.
  it('a deletion cut off, then a file of it held open by the app when the sweep comes and rewritten before it is released: kept', async () => {
    const snapshotId = 'held';
    await context.page().evaluate(async (id, rows) => {
      const { app } = window as unknown as AppWindow;
      await app.sql(`CREATE OR REPLACE TABLE held_src AS ${rows}`);
      await app.exportTable('held_src', { snapshotId: id, rowsPerPart: 1000 });
    }, snapshotId, rowsSql(3000));
    await closeTab(await exportCutOffAt(snapshotId, `${snapshotId}.manifest.json`, 'remove'), snapshotId);
    const held = `${snapshotId}_part_1.parquet`;
    await context.page().evaluate(async (folder, name) => {
      const source = `onmessage = async ({ data }) => {
        if (data === 'open') {
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(${JSON.stringify(folder)});
          self.handle = await (await dir.getFileHandle(${JSON.stringify(name)})).createSyncAccessHandle();
        } else {
          self.handle.truncate(0);
          self.handle.write(new TextEncoder().encode('the app’s own bytes, written while the sweep waited'));
          self.handle.flush();
          self.handle.close();
        }
        postMessage(data);
      };`;
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      const w = window as unknown as { holder: (message: string) => Promise<void> };
      w.holder = (message) => new Promise((resolve) => ((worker.onmessage = () => resolve()), worker.postMessage(message)));
      await w.holder('open');
    }, APP_FOLDER, held);
    // The sweep starts on the manifest and the first part, then waits on the held one.
    await context.page().evaluate(() => void ((window as unknown as { sweeping: Promise<unknown> }).sweeping = (window as unknown as AppWindow).app.sweep()));
    await expect.poll(async () => Object.keys(await folderFiles(context.page())).includes(`${snapshotId}_part_0.parquet`), { interval: 20, timeout: 10_000 }).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await context.page().evaluate(() => (window as unknown as { holder: (message: string) => Promise<void> }).holder('rewrite'));
    const { removed } = (await context.page().evaluate(() => (window as unknown as { sweeping: Promise<unknown> }).sweeping)) as { removed: string[] };
    expect(removed.sort()).toEqual([`${snapshotId}.intent.json`, `${snapshotId}.manifest.json`, `${snapshotId}_part_0.parquet`, `${snapshotId}_part_2.parquet`].sort());
    expect(ofSnapshot(await folderFiles(context.page()), snapshotId)).toEqual([held]);
    expect((await opfsBytesOf(context.page(), `${APP_FOLDER}/${held}`)).toString()).toBe('the app’s own bytes, written while the sweep waited');
    await context.page().evaluate(async (folder, name) => (await (await navigator.storage.getDirectory()).getDirectoryHandle(folder)).removeEntry(name), APP_FOLDER, held);
  });
}

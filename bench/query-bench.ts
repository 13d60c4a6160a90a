/**
 * The Query and Diff views' engine work, against native DuckDB (one thread) on the very
 * Parquet files of the snapshots, in the same run: loading a snapshot for querying, a count
 * with a filter, a GROUP BY over a text column (each query timed once loaded), and the diff
 * of two snapshots that differ in 1% of their rows, matched by key.
 *
 * Two snapshots of `rows` rows are made by the engine (exportSnapshot), B with every
 * hundredth row's amount changed; their parts are copied out of the extension's OPFS and
 * loaded by native DuckDB from those files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { listOpfs, readOpfsFile } from '../tests/support/extension-page';
import type { BenchConfig } from './config';
import { call, launchBenchBrowser, openDriverPage } from './extension';
import { lit, openNative, type NativeDuckDB } from './native';
import { summarize, type Sample } from './stats';

export interface QueryResult {
  rows: number;
  /** Milliseconds, ours and native's, per figure. */
  load: { ours: Sample; native: Sample };
  count: { ours: Sample; native: Sample };
  groupBy: { ours: Sample; native: Sample };
  diff: { ours: Sample; native: Sample };
  /** What the diff found (the same on both sides, checked). */
  diffCounts: { added: number; removed: number; changed: number };
}

const tableSql = (n: number) => `SELECT range AS __row_id, range AS id,
  CASE WHEN range % 7 = 0 THEN NULL ELSE 'customer ' || (range % 997) END AS customer,
  (['open', 'paid', 'shipped', 'cancelled', 'returned'])[1 + range % 5] AS status,
  (((range * 37) % 100000) / 100)::DECIMAL(10, 2) AS amount,
  DATE '2024-01-01' + (range % 365)::INTEGER AS day
  FROM range(${n})`;

const COUNT_SQL = (t: string) => `SELECT count(*) AS n FROM ${t} WHERE customer IS NULL OR amount > 900`;
const GROUP_SQL = (t: string) => `SELECT status, count(*) AS n, sum(amount) AS total FROM ${t} GROUP BY status ORDER BY status`;

/** Native DuckDB's diff: the same join and counts the engine's diff runs. */
const nativeDiffSql = `CREATE OR REPLACE TEMP TABLE d AS
  SELECT CASE WHEN a.id IS NULL THEN 'added' WHEN b.id IS NULL THEN 'removed' ELSE 'changed' END AS change,
    a.customer IS DISTINCT FROM b.customer AS d0, a.status IS DISTINCT FROM b.status AS d1, a.amount IS DISTINCT FROM b.amount AS d2, a.day IS DISTINCT FROM b.day AS d3
  FROM a FULL OUTER JOIN b ON a.id = b.id
  WHERE a.id IS NULL OR b.id IS NULL OR a.customer IS DISTINCT FROM b.customer OR a.status IS DISTINCT FROM b.status OR a.amount IS DISTINCT FROM b.amount OR a.day IS DISTINCT FROM b.day`;

async function runSql(driver: Page, sql: string): Promise<{ ms: number; cells: (string | null)[][] }> {
  const result = await call(driver, 'runSql', { sql, queryId: crypto.randomUUID() });
  return { ms: result.elapsedMs, cells: result.rows };
}

/** Copies a snapshot's parts out of the extension's OPFS into `dir`; answers their paths. */
async function copyParts(driver: Page, snapshotId: string, dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const file of await listOpfs(driver, 'snapshots')) {
    if (!file.name.startsWith(`${snapshotId}_part_`) && file.name !== `${snapshotId}.parquet`) continue;
    const path = join(dir, file.name);
    writeFileSync(path, await readOpfsFile(driver, `snapshots/${file.name}`));
    paths.push(path);
  }
  return paths.sort();
}

async function nativeCells(native: NativeDuckDB, sql: string): Promise<(string | null)[][]> {
  return (await native.rows(`SELECT COLUMNS(*)::VARCHAR FROM (${sql})`)).map((row) => Object.values(row).map((v) => (v === null ? null : String(v))));
}

export async function runQueryBench(config: BenchConfig, log: (line: string) => void, onVersion: (v: string) => void): Promise<QueryResult> {
  const n = config.rowsSmall;
  const work = mkdtempSync(join(tmpdir(), 'opfs-bench-query-'));
  const native = await openNative();
  const bench = await launchBenchBrowser();
  try {
    onVersion(await bench.browser.version());
    const driver = await openDriverPage(bench);
    await call(driver, 'queryRows', { sql: `CREATE OR REPLACE TABLE bench_a AS ${tableSql(n)}` });
    await call(driver, 'exportSnapshot', { table: 'bench_a', snapshotId: 'qa', sourceName: 'bench', options: { rowsPerPart: config.rowsPerPart, rowGroupSize: config.rowGroupSize } });
    await call(driver, 'queryRows', { sql: 'CREATE OR REPLACE TABLE bench_b AS SELECT * REPLACE (CASE WHEN id % 100 = 0 THEN amount + 1 ELSE amount END AS amount) FROM bench_a' });
    await call(driver, 'exportSnapshot', { table: 'bench_b', snapshotId: 'qb', sourceName: 'bench', options: { rowsPerPart: config.rowsPerPart, rowGroupSize: config.rowGroupSize } });
    for (const table of ['bench_a', 'bench_b']) await call(driver, 'dropTable', { table });
    const partsA = await copyParts(driver, 'qa', work);
    const partsB = await copyParts(driver, 'qb', work);
    const source = (parts: string[]) => `read_parquet([${parts.map(lit).join(', ')}])`;

    const load = { ours: [] as number[], native: [] as number[] };
    const count = { ours: [] as number[], native: [] as number[] };
    const groupBy = { ours: [] as number[], native: [] as number[] };
    const diff = { ours: [] as number[], native: [] as number[] };
    let diffCounts = { added: 0, removed: 0, changed: 0 };
    for (let run = 0; run < config.warmup + config.runs; run++) {
      const timed = run >= config.warmup;
      // Loading: the first statement that names the snapshot restores it (a fresh engine each run: the tables dropped).
      await call(driver, 'dropTable', { table: 'qa' });
      await call(driver, 'dropTable', { table: 'qb' });
      const loaded = await runSql(driver, 'SELECT count(*) AS n FROM qa');
      const nativeLoad = await native.timed(`CREATE OR REPLACE TABLE a AS SELECT * FROM ${source(partsA)}`);
      await native.timed(`CREATE OR REPLACE TABLE b AS SELECT * FROM ${source(partsB)}`);
      if (loaded.cells[0][0] !== String(n)) throw new Error(`The engine loaded ${loaded.cells[0][0]} rows of qa, not ${n}.`);

      const ours = [await runSql(driver, COUNT_SQL('qa')), await runSql(driver, GROUP_SQL('qa'))];
      const theirs = [await native.timed(COUNT_SQL('a')), await native.timed(GROUP_SQL('a'))];
      const [expectedCount, expectedGroups] = [await nativeCells(native, COUNT_SQL('a')), await nativeCells(native, GROUP_SQL('a'))];
      if (JSON.stringify(ours[0].cells) !== JSON.stringify(expectedCount) || JSON.stringify(ours[1].cells) !== JSON.stringify(expectedGroups)) {
        throw new Error(`The engine's answers differ from native DuckDB's: ${JSON.stringify([ours[0].cells, ours[1].cells])} vs ${JSON.stringify([expectedCount, expectedGroups])}`);
      }

      // The diff, both snapshots loaded first (the load is the figure above).
      await runSql(driver, 'SELECT count(*) FROM qb');
      const diffed = await call(driver, 'diffSnapshots', { a: { snapshot: 'qa' }, b: { snapshot: 'qb' }, key: 'id', queryId: crypto.randomUUID() });
      const nativeDiff = await native.timed(nativeDiffSql);
      const [counted] = await native.rows(`SELECT count(*) FILTER (WHERE change = 'added')::INTEGER AS added, count(*) FILTER (WHERE change = 'removed')::INTEGER AS removed, count(*) FILTER (WHERE change = 'changed')::INTEGER AS changed FROM d`);
      diffCounts = { added: diffed.added, removed: diffed.removed, changed: diffed.changed };
      if (diffed.added !== Number(counted.added) || diffed.removed !== Number(counted.removed) || diffed.changed !== Number(counted.changed)) {
        throw new Error(`The engine's diff (${JSON.stringify(diffCounts)}) differs from native DuckDB's (${JSON.stringify(counted)}).`);
      }
      if (timed) {
        load.ours.push(loaded.ms);
        load.native.push(nativeLoad);
        count.ours.push(ours[0].ms);
        count.native.push(theirs[0]);
        groupBy.ours.push(ours[1].ms);
        groupBy.native.push(theirs[1]);
        diff.ours.push(diffed.elapsedMs);
        diff.native.push(nativeDiff);
      }
      log(
        `  ${timed ? `run ${run - config.warmup + 1}` : 'warm-up'}: load ${(loaded.ms / 1000).toFixed(2)} s (native ${(nativeLoad / 1000).toFixed(2)} s), count ${ours[0].ms.toFixed(0)} ms (${theirs[0].toFixed(0)}), group by ${ours[1].ms.toFixed(0)} ms (${theirs[1].toFixed(0)}), diff ${(diffed.elapsedMs / 1000).toFixed(2)} s (${(nativeDiff / 1000).toFixed(2)} s): ${diffed.changed} changed`,
      );
    }
    const pair = (p: { ours: number[]; native: number[] }) => ({ ours: summarize(p.ours), native: summarize(p.native) });
    return { rows: n, load: pair(load), count: pair(count), groupBy: pair(groupBy), diff: pair(diff), diffCounts };
  } finally {
    await bench.close();
    native.close();
    rmSync(work, { recursive: true, force: true });
  }
}

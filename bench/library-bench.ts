/**
 * The exporter as a library in an app's page against the same exporter in the extension's
 * engine, on the same rows, in the same browser and run (issue 14: they should be equal),
 * and both against native DuckDB's `COPY TO parquet` of those rows. The app is built as
 * the library's test builds it (tests/support/library-app.ts): packed, installed, Vite.
 *
 * Each run exports a table of `config.rowsSmall` rows made by the same SQL in each place
 * (tests/support/library-app.ts `rowsSql`): the app's table has no row id of its own (the
 * library numbers it through a view, as it would an app's table); the engine's carries its
 * `__row_id` as imported tables do. Runs alternate library, engine, native.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { buildLibraryApp, rowsSql } from '../tests/support/library-app';
import { serveStatic } from '../tests/support/static-server';
import type { BenchConfig } from './config';
import { call, launchBenchBrowser, openDriverPage, timedCall } from './extension';
import { lit, openNative } from './native';
import { summarize, type Sample } from './stats';

export interface LibraryResult {
  rows: number;
  /** Milliseconds of one export each. */
  library: Sample;
  engine: Sample;
  native: Sample;
}

interface AppWindow {
  app: {
    sql(query: string): Promise<unknown>;
    exportTable(table: string, options?: Record<string, unknown>): Promise<unknown>;
    remove(snapshotId: string): Promise<unknown>;
  };
}

/** One export by the library in the app's page, timed there. */
function libraryExport(page: Page, snapshotId: string, rowsPerPart: number, rowGroupSize: number): Promise<number> {
  return page.evaluate(
    async (snapshotId, rowsPerPart, rowGroupSize) => {
      const { app } = window as unknown as AppWindow;
      const started = performance.now();
      await app.exportTable('bench_rows', { snapshotId, rowsPerPart, rowGroupSize });
      const ms = performance.now() - started;
      await app.remove(snapshotId);
      return ms;
    },
    snapshotId,
    rowsPerPart,
    rowGroupSize,
  );
}

export async function runLibraryBench(config: BenchConfig, log: (line: string) => void, onVersion: (v: string) => void): Promise<LibraryResult> {
  const n = config.rowsSmall;
  const work = mkdtempSync(join(tmpdir(), 'opfs-bench-library-'));
  const native = await openNative();
  const bench = await launchBenchBrowser();
  try {
    onVersion(await bench.browser.version());
    const app = await buildLibraryApp(work);
    const server = await serveStatic(app.distDir);
    try {
      const page = await bench.browser.newPage();
      await page.goto(`${server.url}/`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      await page.evaluate((sql) => (window as unknown as AppWindow).app.sql(sql), `CREATE TABLE bench_rows AS ${rowsSql(n)}`);
      const driver = await openDriverPage(bench);
      // The engine's tables carry their row id as a column (the import makes it): here the id itself, 0..n-1.
      await call(driver, 'queryRows', { sql: `CREATE OR REPLACE TABLE bench_rows AS SELECT id AS __row_id, * FROM (${rowsSql(n)})` });
      await native.timed(`CREATE OR REPLACE TABLE bench_rows AS ${rowsSql(n)}`);
      const parquet = join(work, 'native.parquet');

      const library: number[] = [];
      const engine: number[] = [];
      const nativeMs: number[] = [];
      for (let run = 0; run < config.warmup + config.runs; run++) {
        const id = `bench-library-${run}`;
        const l = await libraryExport(page, id, config.rowsPerPart, config.rowGroupSize);
        const e = await timedCall(driver, 'exportSnapshot', { table: 'bench_rows', snapshotId: id, sourceName: 'bench', options: { rowsPerPart: config.rowsPerPart, rowGroupSize: config.rowGroupSize } });
        await call(driver, 'deleteSnapshot', { snapshotId: id });
        rmSync(parquet, { force: true });
        const c = await native.timed(`COPY bench_rows TO ${lit(parquet)} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE ${config.rowGroupSize})`);
        const timed = run >= config.warmup;
        if (timed) {
          library.push(l);
          engine.push(e.ms);
          nativeMs.push(c);
        }
        log(`  ${timed ? `run ${run - config.warmup + 1}` : 'warm-up'}: library ${(l / 1000).toFixed(2)} s, engine ${(e.ms / 1000).toFixed(2)} s, native COPY ${(c / 1000).toFixed(2)} s`);
      }
      return { rows: n, library: summarize(library), engine: summarize(engine), native: summarize(nativeMs) };
    } finally {
      await server.close();
    }
  } finally {
    await bench.close();
    native.close();
    rmSync(work, { recursive: true, force: true });
  }
}

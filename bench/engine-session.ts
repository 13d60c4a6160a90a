/**
 * One browser session on one table size: CSV import, export (the exporter's range
 * strategy and the naive OFFSET strategy, each run paired with a native DuckDB run so
 * that load from other work on the machine hits both alike), memory during export, and
 * (on the small table) restore and verify.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import type { ExportOptions, SnapshotManifest } from '../src/protocol';
import { exportBreakdown, medianBreakdown, medianRestoreBreakdown, restoreBreakdown, type ExportBreakdown } from './breakdown';
import type { BenchConfig } from './config';
import { rowsLabel } from './config';
import { typedTableSql } from './data';
import {
  call,
  collectGarbage,
  duckdbHeapBytes,
  findOffscreen,
  instrumentDuckDBWorker,
  launchBenchBrowser,
  openDriverPage,
  setOffsetRewrite,
  stageFromUrl,
  takeCodecLog,
  takeProgress,
  takeWorkerLog,
  timedCall,
  type Offscreen,
} from './extension';
import { settleDisk } from './machine';
import { PeakRss, cpuBetween, offscreenRendererPid, threadCpu } from './memory';
import { nativeCopyToParquet, nativeLoadCsv, nativePlainCsv, nativeRestore, nativeSampledCsv, nativeTypedTable, openNative, type NativeDuckDB } from './native';
import { summarize, type Sample } from './stats';

export type PartStrategy = 'range' | 'offset';

export interface ExportRun {
  strategy: PartStrategy;
  ms: number;
  elapsedMs: number;
  bytes: number;
  parts: number;
  breakdown: ExportBreakdown;
  memory: { rssBefore: number; rssPeak: number; extraPeak: number; exactPeak: boolean; duckdbHeapBefore: number | null; duckdbHeapAfter: number | null };
  /** How the OFFSET strategy ran: 'option' (the extension's own), 'emulated' (worker rewrite). */
  offsetMode?: 'option' | 'emulated';
  /** CPU time of the engine's process during the export, per thread, busiest first (Linux; empty elsewhere). */
  cpu: { name: string; tid: number; cpuMs: number }[];
}

export interface SessionResult {
  rows: number;
  label: string;
  chromiumVersion: string;
  duckdbVersion: string;
  engineStartMs: number;
  rendererProcesses: number;
  import?: { wasm: Sample; native: Sample; nativePlain: Sample; nativeSampled: Sample; stageMs: Sample; csvBytes: number; elapsedMs: Sample };
  export: { range: Sample; offset: Sample | null; native: Sample; runs: ExportRun[]; nativeBytes: number; breakdownRange: ExportBreakdown; breakdownOffset: ExportBreakdown | null };
  offsetMode: 'option' | 'emulated' | 'unavailable';
  offsetNote: string;
  restore?: { wasm: Sample; verify: Sample; native: Sample; rowCount: number; checksumOk: boolean; breakdown: ReturnType<typeof restoreBreakdown> };
}

export interface SessionInput {
  config: BenchConfig;
  rows: number;
  csv: { path: string; name: string; bytes: number };
  dataUrl: string;
  withImport: boolean;
  withRestore: boolean;
  workDir: string;
  log: (line: string) => void;
}

const TABLE = 'bench_t';
const CSV_TABLE = 'bench_csv';

export async function runEngineSession(input: SessionInput): Promise<SessionResult> {
  const { config, rows, csv, log } = input;
  const label = rowsLabel(rows);
  const iterations = config.warmup + config.runs;
  const bench = await launchBenchBrowser();
  const native = await openNative();
  try {
    const page = await openDriverPage(bench);

    const ping = await timedCall(page, 'ping', {});
    const offscreen = await findOffscreen(bench);
    await instrumentDuckDBWorker(offscreen.worker);
    const { pid, candidates } = await offscreenRendererPid(bench.cdp);
    log(`  ${label}: engine started in ${(ping.ms / 1000).toFixed(1)} s (${ping.value.duckdbVersion}); extension renderer pid ${pid}`);

    // --- CSV import -------------------------------------------------------------------
    const stagedPath = `staging/${csv.name}`;
    const csvUrl = `${input.dataUrl}/${csv.name}`;
    let imported: SessionResult['import'];
    if (input.withImport) {
      const wasm: number[] = [];
      const elapsed: number[] = [];
      const nat: number[] = [];
      const plain: number[] = [];
      const sampled: number[] = [];
      const stage: number[] = [];
      for (let i = 0; i < iterations; i++) {
        settleDisk();
        const nativeMs = await nativeLoadCsv(native, csv.path, 'csv_native');
        const plainMs = await nativePlainCsv(native, csv.path, 'csv_plain');
        await native.timed('DROP TABLE csv_plain');
        const sampledMs = await nativeSampledCsv(native, csv.path, 'csv_sampled');
        await native.timed('DROP TABLE csv_sampled');
        const stageMs = await stageFromUrl(page, csvUrl, stagedPath);
        // Staging wrote the CSV into OPFS: flushed before the clock, as nothing was for native.
        settleDisk();
        const load = await timedCall(page, 'loadCsv', { stagedPath, table: CSV_TABLE });
        if (load.value.rowCount !== rows) throw new Error(`loadCsv read ${load.value.rowCount} rows, expected ${rows}`);
        if (i >= config.warmup) {
          wasm.push(load.ms);
          elapsed.push(load.value.elapsedMs);
          nat.push(nativeMs);
          plain.push(plainMs);
          sampled.push(sampledMs);
          stage.push(stageMs);
        }
        log(`  ${label} import ${i < config.warmup ? 'warm-up' : `run ${i}`}: wasm ${load.ms.toFixed(0)} ms, native ${nativeMs.toFixed(0)} ms (plain read ${plainMs.toFixed(0)} ms, sampled types ${sampledMs.toFixed(0)} ms), staging ${stageMs.toFixed(0)} ms`);
      }
      imported = { wasm: summarize(wasm), native: summarize(nat), nativePlain: summarize(plain), nativeSampled: summarize(sampled), stageMs: summarize(stage), csvBytes: csv.bytes, elapsedMs: summarize(elapsed) };
    } else {
      await stageFromUrl(page, csvUrl, stagedPath);
      const load = await call(page, 'loadCsv', { stagedPath, table: CSV_TABLE });
      if (load.rowCount !== rows) throw new Error(`loadCsv read ${load.rowCount} rows, expected ${rows}`);
    }

    // --- The typed table, the same in both engines -------------------------------------
    await call(page, 'queryRows', { sql: typedTableSql(CSV_TABLE, TABLE) });
    await call(page, 'dropTable', { table: CSV_TABLE });
    await native.timed('DROP TABLE IF EXISTS csv_native');
    await nativeTypedTable(native, csv.path, TABLE);
    await assertSameRows(page, native);

    // --- Export: range (the exporter), OFFSET (naive), native COPY ------------------------
    const offset = await detectOffsetStrategy(page, offscreen);
    log(`  ${label}: naive OFFSET strategy: ${offset.mode} (${offset.note})`);
    const nativePath = join(input.workDir, `native-${rows}.parquet`);
    const runs: ExportRun[] = [];
    const nativeCopy: number[] = [];
    let keptSnapshot: SnapshotManifest | undefined;
    let nativeBytes = 0;
    for (let i = 0; i < iterations; i++) {
      settleDisk();
      const nativeMs = await nativeCopyToParquet(native, TABLE, nativePath, config.rowGroupSize);
      nativeBytes = statSync(nativePath).size;
      // Native's Parquet file is flushed before ours is written, not during.
      settleDisk();
      const range = await timedExport(page, offscreen, pid, `bench-${rows}-range-${i}`, 'range', offset.mode, config);
      let offsetRun: Awaited<ReturnType<typeof timedExport>> | undefined;
      if (offset.mode !== 'unavailable') {
        settleDisk();
        offsetRun = await timedExport(page, offscreen, pid, `bench-${rows}-offset-${i}`, 'offset', offset.mode, config);
      }
      if (i === 0) {
        const verified = await call(page, 'verifySnapshot', { snapshotId: range.snapshotId });
        if (!verified.ok) throw new Error(`The exported snapshot did not verify: ${verified.problems.join('; ')}`);
      }
      // Keep the last range snapshot for restore; remove the others (a clean OPFS for every run).
      const keep = input.withRestore && i === iterations - 1;
      if (keep) keptSnapshot = range.manifest;
      else await call(page, 'deleteSnapshot', { snapshotId: range.snapshotId });
      if (offsetRun) await call(page, 'deleteSnapshot', { snapshotId: offsetRun.snapshotId });
      runs.push(range.run);
      if (offsetRun) runs.push(offsetRun.run);
      if (i >= config.warmup) nativeCopy.push(nativeMs);
      log(
        `  ${label} export ${i < config.warmup ? 'warm-up' : `run ${i}`}: range ${range.run.ms.toFixed(0)} ms` +
          (offsetRun ? `, offset ${offsetRun.run.ms.toFixed(0)} ms` : '') +
          `, native ${nativeMs.toFixed(0)} ms; extra peak RSS ${(range.run.memory.extraPeak / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    const timedRuns = (strategy: PartStrategy) => runs.filter((r) => r.strategy === strategy).slice(config.warmup);
    const rangeRuns = timedRuns('range');
    const offsetRuns = timedRuns('offset');

    // --- Restore and verify (small table) -----------------------------------------------
    let restore: SessionResult['restore'];
    if (input.withRestore && keptSnapshot) {
      const restored: number[] = [];
      const verified: number[] = [];
      const nat: number[] = [];
      const breakdowns: ReturnType<typeof restoreBreakdown>[] = [];
      let rowCount = 0;
      let checksumOk = true;
      for (let i = 0; i < iterations; i++) {
        settleDisk();
        const nativeMs = await nativeRestore(native, nativePath, 'restored_native');
        settleDisk();
        await takeWorkerLog(offscreen.worker);
        await takeCodecLog(offscreen.page);
        const r = await timedCall(page, 'restoreSnapshot', { snapshotId: keptSnapshot.snapshotId, table: 'bench_restored' });
        const breakdown = restoreBreakdown(await takeWorkerLog(offscreen.worker), await takeCodecLog(offscreen.page), r.ms);
        rowCount = r.value.rowCount;
        checksumOk &&= r.value.checksum === keptSnapshot.checksum.value && r.value.rowCount === rows;
        const v = await timedCall(page, 'verifySnapshot', { snapshotId: keptSnapshot.snapshotId });
        checksumOk &&= v.value.ok;
        if (i >= config.warmup) {
          breakdowns.push(breakdown);
          restored.push(r.ms);
          verified.push(v.ms);
          nat.push(nativeMs);
        }
        log(`  ${label} restore ${i < config.warmup ? 'warm-up' : `run ${i}`}: restore ${r.ms.toFixed(0)} ms, verify ${v.ms.toFixed(0)} ms, native ${nativeMs.toFixed(0)} ms`);
      }
      restore = { wasm: summarize(restored), verify: summarize(verified), native: summarize(nat), rowCount, checksumOk, breakdown: medianRestoreBreakdown(breakdowns) };
    }

    return {
      rows,
      label,
      chromiumVersion: await bench.browser.version(),
      duckdbVersion: ping.value.duckdbVersion,
      engineStartMs: ping.ms,
      rendererProcesses: candidates,
      import: imported,
      export: {
        range: summarize(rangeRuns.map((r) => r.ms)),
        offset: offsetRuns.length > 0 ? summarize(offsetRuns.map((r) => r.ms)) : null,
        native: summarize(nativeCopy),
        runs,
        nativeBytes,
        breakdownRange: medianBreakdown(rangeRuns.map((r) => r.breakdown)),
        breakdownOffset: offsetRuns.length > 0 ? medianBreakdown(offsetRuns.map((r) => r.breakdown)) : null,
      },
      offsetMode: offset.mode,
      offsetNote: offset.note,
      restore,
    };
  } finally {
    native.close();
    await bench.close();
  }
}

/** Both engines hold the same rows: order-independent aggregates over every column agree. */
async function assertSameRows(page: Page, native: NativeDuckDB): Promise<void> {
  const sql =
    `SELECT count(*)::BIGINT AS n, sum(id)::VARCHAR AS ids, sum(qty)::VARCHAR AS qty, sum(amount)::VARCHAR AS amount, ` +
    `sum(length(label))::BIGINT AS label, count(flag)::BIGINT AS flags, min(day)::VARCHAR AS day, max(ts)::VARCHAR AS ts, ` +
    `sum(CASE WHEN "__row_id" % 1000 = 0 THEN id ELSE 0 END)::VARCHAR AS ordered FROM ${TABLE}`;
  const wasm = await call(page, 'queryRows', { sql });
  const wasmRow = Object.fromEntries(wasm.columns.map((c, i) => [c, String(wasm.rows[0][i])]));
  const [nativeRow] = await native.rows(sql);
  const nat = Object.fromEntries(Object.entries(nativeRow).map(([k, v]) => [k, String(v)]));
  if (JSON.stringify(wasmRow) !== JSON.stringify(nat)) {
    throw new Error(`DuckDB-WASM and native DuckDB do not hold the same rows:\n  wasm   ${JSON.stringify(wasmRow)}\n  native ${JSON.stringify(nat)}`);
  }
}

/**
 * Whether the extension can cut parts with OFFSET itself (the `partStrategy` export option:
 * an extension that knows it refuses an unknown value), else whether the worker rewrite
 * can emulate it (for builds from before the option).
 */
async function detectOffsetStrategy(page: Page, offscreen: Offscreen): Promise<{ mode: SessionResult['offsetMode']; note: string }> {
  await call(page, 'queryRows', { sql: 'CREATE OR REPLACE TABLE bench_probe AS SELECT range::BIGINT AS "__row_id", range AS v FROM range(3)' });
  try {
    const options = { partStrategy: 'no-such-strategy', rowsPerPart: 2 } as unknown as ExportOptions;
    const knowsOption = await call(page, 'exportSnapshot', { table: 'bench_probe', snapshotId: 'bench-probe', sourceName: 'probe', options }).then(
      async () => {
        await call(page, 'deleteSnapshot', { snapshotId: 'bench-probe' });
        return false;
      },
      (error: unknown) => error instanceof Error && error.name === 'InvalidOptionError',
    );
    if (knowsOption) return { mode: 'option', note: "the extension's own partStrategy: 'offset'" };
    // Emulation: rewrite the exporter's part query in DuckDB's worker; check it recognises it.
    const before = await setOffsetRewrite(offscreen.worker, true);
    await call(page, 'exportSnapshot', { table: 'bench_probe', snapshotId: 'bench-probe', sourceName: 'probe', options: { rowsPerPart: 2 } });
    const after = await setOffsetRewrite(offscreen.worker, false);
    await call(page, 'deleteSnapshot', { snapshotId: 'bench-probe' });
    if (after - before === 2) {
      return {
        mode: 'emulated',
        note: "the extension has no partStrategy option: the exporter's part query (WHERE __row_id range) is rewritten to ORDER BY __row_id LIMIT … OFFSET … inside DuckDB's worker; everything else is the real exporter",
      };
    }
    return { mode: 'unavailable', note: `the exporter's part query was not recognised (${after - before} of 2 rewritten): not measured` };
  } finally {
    await call(page, 'dropTable', { table: 'bench_probe' });
  }
}

async function timedExport(
  page: Page,
  offscreen: Offscreen,
  pid: number,
  snapshotId: string,
  strategy: PartStrategy,
  offsetMode: SessionResult['offsetMode'],
  config: BenchConfig,
): Promise<{ run: ExportRun; snapshotId: string; manifest: SnapshotManifest }> {
  await takeProgress(page);
  await takeWorkerLog(offscreen.worker);
  await takeCodecLog(offscreen.page);
  const duckdbHeapBefore = await duckdbHeapBytes(offscreen.worker);
  const emulate = strategy === 'offset' && offsetMode === 'emulated';
  const rewritesBefore = emulate ? await setOffsetRewrite(offscreen.worker, true) : 0;
  await collectGarbage(offscreen);
  const options = { rowsPerPart: config.rowsPerPart, rowGroupSize: config.rowGroupSize, ...(strategy === 'offset' && offsetMode === 'option' ? { partStrategy: 'offset' } : {}) } as ExportOptions;
  const peak = new PeakRss(pid);
  const cpuBefore = threadCpu(pid);
  const exported = await timedCall(page, 'exportSnapshot', { table: TABLE, snapshotId, sourceName: `${TABLE}.csv`, options }).finally(() => peak.stop());
  const memory = peak.stop();
  const cpu = cpuBetween(cpuBefore, threadCpu(pid));
  const manifest = exported.value.manifest;
  if (emulate) {
    const rewrites = (await setOffsetRewrite(offscreen.worker, false)) - rewritesBefore;
    if (rewrites !== manifest.parts.length) throw new Error(`OFFSET emulation rewrote ${rewrites} of ${manifest.parts.length} part queries`);
  }
  const duckdbHeapAfter = await duckdbHeapBytes(offscreen.worker);
  const breakdown = exportBreakdown(await takeProgress(page), await takeWorkerLog(offscreen.worker), await takeCodecLog(offscreen.page), exported.start, exported.end);
  return {
    snapshotId,
    manifest,
    run: {
      strategy,
      ms: exported.ms,
      elapsedMs: exported.value.elapsedMs,
      bytes: manifest.parts.reduce((sum, p) => sum + p.bytes, 0),
      parts: manifest.parts.length,
      breakdown,
      cpu,
      memory: {
        rssBefore: memory.before,
        rssPeak: memory.peak,
        extraPeak: memory.peak - memory.before,
        exactPeak: memory.exact,
        duckdbHeapBefore,
        duckdbHeapAfter,
      },
      ...(strategy === 'offset' ? { offsetMode: offsetMode === 'option' ? 'option' : 'emulated' } : {}),
    },
  };
}

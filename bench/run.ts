/**
 * `npm run bench` (full) and `npm run bench:quick` (smaller sizes, a smoke run).
 *
 * Builds the extension once into bench/.dist, generates the data from a seed, and measures
 * the real extension in headless Chromium side by side with baselines measured in the same
 * run: native DuckDB (one thread) on the same files and rows, the naive OFFSET strategy,
 * a bare OPFS walk, raw OPFS writes. Prints a markdown table and writes
 * bench/results/latest.json (and latest-quick.json for quick runs). See bench/README.md.
 *
 * Options: --quick, --seed=N, --only=engine,panel,opfs,transfer,library,query,handles,writer (sections, for development),
 * --panel-sizes=10000 (the panel's sizes instead of the mode's), --transfer-mib=160 (the
 * size moved through the panel), --panel-profile (one more cold refresh profiled: the
 * panel thread's CPU by function, and the profile in bench/results).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveStatic } from '../tests/support/static-server';
import { configFor, rowsLabel, type BenchConfig } from './config';
import { DATA_DIR, benchCsv } from './data';
import { runEngineSession, type SessionResult } from './engine-session';
import { buildExtension } from './extension';
import { describeMachine, loadNow, machineLine } from './machine';
import { openNative } from './native';
import { runPanelBench, type PanelResult } from './panel-bench';
import { runRawWrites, type RawWriteResult } from './opfs-write';
import { runTransferBench, type TransferResult } from './transfer-bench';
import { runLibraryBench, type LibraryResult } from './library-bench';
import { runQueryBench, type QueryResult } from './query-bench';
import { runHandlesBench, type HandlesResult } from './handles-bench';
import { runWriterBench, type WriterResult } from './writer-bench';
import { Results, markdownTable } from './report';
import { breakdownTable, collectFigures } from './figures';

const RESULTS_DIR = resolve(import.meta.dirname, 'results');

function parseArgs(argv: string[]): { mode: 'quick' | 'full'; seed: number; only: Set<string> | null; panelSizes: number[] | null; transferMiB: number | null; panelProfile: boolean; runs: number | null } {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const only = get('only');
  const panelSizes = get('panel-sizes');
  return {
    mode: argv.includes('--quick') ? 'quick' : 'full',
    seed: Number(get('seed') ?? 20260101),
    only: only ? new Set(only.split(',')) : null,
    panelSizes: panelSizes ? panelSizes.split(',').map(Number) : null,
    transferMiB: get('transfer-mib') ? Number(get('transfer-mib')) : null,
    panelProfile: argv.includes('--panel-profile'),
    runs: get('runs') === undefined ? null : positiveInteger('runs', get('runs')),
  };
}

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} wants a whole number of at least 1, not "${text}".`);
  return value;
}

/**
 * Runs a browser session again, once, if the browser went away under it (on a shared
 * machine another job may take it down); any other failure is a real one.
 */
async function retryIfBrowserDied<T>(log: (line: string) => void, session: () => Promise<T>): Promise<T> {
  try {
    return await session();
  } catch (error) {
    const text = `${(error as Error)?.name} ${(error as Error)?.message}`;
    if (!/Target closed|Connection closed|browser has disconnected|Session closed/i.test(text)) throw error;
    log(`  the browser went away (${text.slice(0, 120)}); running this session once more`);
    return session();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  // Sampled before the run does anything: sampled with the figures, at the end, it mostly measured the run itself.
  const loadAtStart = loadNow();
  const args = parseArgs(process.argv.slice(2));
  const config: BenchConfig = { ...configFor(args.mode, args.seed), ...(args.panelSizes ? { panelSizes: args.panelSizes } : {}), ...(args.transferMiB ? { transferMiB: args.transferMiB } : {}), ...(args.runs ? { runs: args.runs } : {}), panelProfile: args.panelProfile };
  const wants = (section: string) => args.only === null || args.only.has(section);
  const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  log(`OPFS Snapshot Inspector benchmark, ${config.mode} mode, seed ${config.seed}; 1-minute load average ${loadAtStart}`);

  const buildMs = await buildExtension();
  log(`built the extension into bench/.dist in ${(buildMs / 1000).toFixed(1)} s`);

  const work = mkdtempSync(join(tmpdir(), 'opfs-bench-work-'));
  mkdirSync(DATA_DIR, { recursive: true });
  const dataServer = await serveStatic(DATA_DIR);
  let chromiumVersion = 'unknown';
  let duckdbWasmVersion = 'unknown';
  const sessions: SessionResult[] = [];
  let panel: PanelResult | undefined;
  let raw: RawWriteResult | undefined;
  let transfer: TransferResult | undefined;
  let library: LibraryResult | undefined;
  let query: QueryResult | undefined;
  let handles: HandlesResult | undefined;
  let writer: WriterResult | undefined;
  try {
    const native = await openNative();
    const duckdbNativeVersion = native.version;
    native.close();

    if (wants('opfs')) {
      log('raw OPFS writes');
      raw = await retryIfBrowserDied(log, () => runRawWrites(config, log, (version) => (chromiumVersion = version)));
    }
    if (wants('engine')) {
      const small = await benchCsv(config.rowsSmall, config.seed);
      const large = await benchCsv(config.rowsLarge, config.seed);
      log(`data: ${rowsLabel(config.rowsSmall)} rows = ${(small.bytes / 1e6).toFixed(0)} MB CSV, ${rowsLabel(config.rowsLarge)} rows = ${(large.bytes / 1e6).toFixed(0)} MB CSV (${DATA_DIR})`);
      for (const [rows, csv, first] of [[config.rowsSmall, small, true], [config.rowsLarge, large, false]] as const) {
        log(`engine session, ${rowsLabel(rows)} rows`);
        const session = await retryIfBrowserDied(log, () => runEngineSession({ config, rows, csv, dataUrl: dataServer.url, withImport: first, withRestore: first, workDir: work, log }));
        sessions.push(session);
        chromiumVersion = session.chromiumVersion;
        duckdbWasmVersion = session.duckdbVersion;
      }
    }
    if (wants('panel')) {
      log(`panel sessions: ${config.panelSizes.map((n) => n.toLocaleString('en-US')).join(' and ')} files in the inspected page's OPFS`);
      try {
        panel = await retryIfBrowserDied(log, () => runPanelBench(config, log, (version) => (chromiumVersion = version)));
      } catch (error) {
        // The other sections' figures are still written: a failure here costs only the panel's.
        log(`panel section failed, its figures are left out: ${String(error)}`);
      }
    }

    if (wants('transfer')) {
      log(`transfers through the panel: ${config.transferMiB} MiB up and down`);
      transfer = await retryIfBrowserDied(log, () => runTransferBench(config, log, (version) => (chromiumVersion = version)));
    }

    if (wants('library')) {
      log(`the exporter as a library in an app's page vs the engine, ${rowsLabel(config.rowsSmall)} rows`);
      library = await retryIfBrowserDied(log, () => runLibraryBench(config, log, (version) => (chromiumVersion = version)));
    }

    if (wants('query')) {
      log(`SQL and diff over snapshots vs native DuckDB on the same Parquet files, ${rowsLabel(config.rowsSmall)} rows`);
      query = await retryIfBrowserDied(log, () => runQueryBench(config, log, (version) => (chromiumVersion = version)));
    }

    if (wants('handles')) {
      log('asking which files are held open: what the probe costs the app');
      handles = await retryIfBrowserDied(log, () => runHandlesBench(config, log, (version) => (chromiumVersion = version)));
    }

    if (wants('writer')) {
      log(`Parquet writer settings on one ${rowsLabel(config.rowsPerPart)}-row part of the bench table (Node)`);
      writer = await runWriterBench(config, log);
    }

    const machine = describeMachine(chromiumVersion, duckdbWasmVersion, duckdbNativeVersion, loadAtStart);
    const results = new Results(machine, config.mode, config.seed);
    collectFigures(results, config, sessions, panel, raw, transfer, library, query, handles, writer);

    // A run of some sections only keeps the full run's file: it is written beside it, named after its sections.
    const sections = (args.only === null ? '' : `-${[...args.only].sort().join('-')}`) + (args.panelSizes ? `-${args.panelSizes.join('-')}` : '') + (args.transferMiB ? `-${args.transferMiB}mib` : '');
    const path = join(RESULTS_DIR, `${config.mode === 'full' ? 'latest' : 'latest-quick'}${sections}.json`);
    const totalSeconds = (performance.now() - started) / 1000;
    results.write(path, {
      generatedAt: new Date().toISOString(),
      totalSeconds: Math.round(totalSeconds),
      config,
      breakdowns: Object.fromEntries(sessions.map((s) => [s.label, { export: s.export.breakdownRange, exportOffset: s.export.breakdownOffset, restore: s.restore?.breakdown ?? null }])),
    });
    console.log(`\n## Results (${config.mode} mode, ${new Date().toISOString().slice(0, 10)})\n`);
    console.log(`Machine: ${machineLine(machine)}\n`);
    console.log(markdownTable(results.figures));
    const breakdowns = sessions;
    if (breakdowns.length > 0) {
      console.log('\n### Where the export time goes (median of the timed runs)\n');
      console.log(breakdownTable(sessions));
    }
    console.log(`\nWrote ${path} in ${totalSeconds.toFixed(0)} s total.`);
  } finally {
    await dataServer.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

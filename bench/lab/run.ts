/**
 * `npx tsx bench/lab/run.ts [--rows=1000000] [--seed=N] [--runs=3]`: prototypes of a faster
 * exporter, measured against the real one (src/offscreen/exporter.ts, imported unchanged)
 * and native DuckDB on the same table, in headless Chromium. Not part of `npm run bench`
 * (which measures only the extension itself); its findings are recorded in bench/README.md.
 * Writes bench/results/lab-latest.json.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { build } from 'vite';
import puppeteer, { type Page } from 'puppeteer-core';
import { DATA_DIR, benchCsv } from '../data';
import { NAME_SHIM } from '../extension';
import { QUIET_FLAGS, findChromium } from '../../scripts/chromium';
import { describeMachine, machineLine } from '../machine';
import { PeakRss, rssBytes } from '../memory';
import { nativeCopyToParquet, nativeTypedTable, openNative } from '../native';
import { summarize, type Sample } from '../stats';

const LAB_DIR = import.meta.dirname;
const LAB_DIST = resolve(LAB_DIR, '..', '.lab-dist');
const RESULTS = resolve(LAB_DIR, '..', 'results', 'lab-latest.json');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.csv': 'text/csv' };

/** Serves the lab build and the data folder, with the wasm MIME type (for streaming compilation). */
async function serve(): Promise<{ url: string; close(): Promise<void> }> {
  const roots: Record<string, string> = { '/data/': DATA_DIR, '/': LAB_DIST };
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const prefix = Object.keys(roots).find((p) => pathname.startsWith(p))!;
    const base = resolve(roots[prefix]!);
    const path = normalize(join(base, pathname.slice(prefix.length) || 'index.html'));
    if (!path.startsWith(base + sep) || !existsSync(path) || !statSync(path).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': statSync(path).size });
    createReadStream(path).pipe(response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((done) => server.close(() => done())) };
}

interface Lab {
  setup(csvUrl: string): Promise<{ rows: number; startMs: number; loadMs: number }>;
  exportReal(id: string, rowsPerPart: number, rowGroupSize: number): Promise<{ ms: number; encodeMs: number; bytes: number }>;
  exportPipelined(id: string, rowsPerPart: number, rowGroupSize: number, writer: string, settings?: string): Promise<{ ms: number; encodeMs: number; waitMs: number; bytes: number }>;
  exportWorkers(id: string, rowsPerPart: number, rowGroupSize: number, poolSize: number, settings?: string): Promise<{ ms: number; encodeMs: number; waitMs: number; bytes: number }>;
  encodedPart(rowsPerPart: number, rowGroupSize: number, settings: string): Promise<string>;
  encodeSettings(rowsPerPart: number, rowGroupSize: number, parts: number, settings: string[], runs: number): Promise<Record<string, { encodeMs: number[]; toWasmMs: number[]; bytes: number }>>;
}

const SETTINGS = ['current', 'stats-chunk', 'stats-none', 'batch-8k', 'batch-64k', 'page-8MiB', 'v2', 'dict-lowcard', 'dict-on', 'stats-chunk+batch-8k', 'snappy', 'lz4raw', 'uncompressed'];

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const rows = arg('rows', 1_000_000);
  const seed = arg('seed', 20260101);
  const runs = arg('runs', 3);
  const rowsPerPart = 250_000;
  const rowGroupSize = 100_000;
  const started = performance.now();
  const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

  await build({
    configFile: false,
    root: LAB_DIR,
    base: './',
    logLevel: 'error',
    build: { outDir: LAB_DIST, emptyOutDir: true, target: 'es2022', rollupOptions: { input: join(LAB_DIR, 'index.html') } },
    worker: { format: 'es' },
  });
  const csv = await benchCsv(rows, seed);
  const server = await serve();
  const userDataDir = mkdtempSync(join(tmpdir(), 'opfs-lab-profile-'));
  const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, pipe: true, userDataDir, args: QUIET_FLAGS, protocolTimeout: 900_000 });
  const native = await openNative();
  try {
    const page: Page = await browser.newPage();
    await page.evaluateOnNewDocument(NAME_SHIM);
    page.on('pageerror', (error) => log(`page error: ${String(error)}`));
    await page.goto(`${server.url}/index.html`);
    await page.waitForSelector('body[data-ready="true"]');
    const lab = <K extends keyof Lab>(method: K, ...args: Parameters<Lab[K]>) =>
      page.evaluate((method, args) => ((window as unknown as { lab: Record<string, (...a: unknown[]) => unknown> }).lab[method]!(...args)), method, args as unknown[]) as ReturnType<Lab[K]>;
    const setup = await lab('setup', `${server.url}/data/${csv.name}`);
    await nativeTypedTable(native, csv.path, 'bench_t');
    log(`lab: ${setup.rows.toLocaleString('en-US')} rows loaded (engine start ${setup.startMs.toFixed(0)} ms, load ${setup.loadMs.toFixed(0)} ms)`);

    // 1. Writer settings, on the first parts' Arrow IPC.
    const parts = Math.min(4, Math.ceil(rows / rowsPerPart));
    const settings = await lab('encodeSettings', rowsPerPart, rowGroupSize, parts, SETTINGS, runs);
    const current = summarize(settings.current!.encodeMs).median;
    const settingRows = Object.entries(settings).map(([name, r]) => ({ name, encode: summarize(r.encodeMs), toWasm: summarize(r.toWasmMs), bytes: r.bytes, vsCurrent: summarize(r.encodeMs).median / current }));
    for (const r of settingRows) log(`  encode ${parts} parts with ${r.name}: ${r.encode.median.toFixed(0)} ms (${r.vsCurrent.toFixed(2)}× current), ${(r.bytes / 1e6).toFixed(1)} MB; IPC into wasm ${r.toWasm.median.toFixed(0)} ms`);
    const currentBytes = settings.current!.bytes;
    const best = settingRows
      .filter((r) => !['snappy', 'lz4raw', 'uncompressed'].some((c) => r.name.includes(c)) && r.bytes <= currentBytes * 1.1)
      .sort((a, b) => a.encode.median - b.encode.median)[0]!.name;
    log(`  fastest ZSTD setting within 10% of the current size: ${best}`);
    // An independent reader must read what that setting writes, with the same values.
    const partPath = join(userDataDir, 'best-part.parquet');
    writeFileSync(partPath, Buffer.from(await lab('encodedPart', rowsPerPart, rowGroupSize, best), 'base64'));
    const [readBack] = await native.rows(`SELECT count(*)::BIGINT AS n, sum(id)::VARCHAR AS ids, sum(amount)::VARCHAR AS amount, sum(length(label))::BIGINT AS label, count(flag)::BIGINT AS flags FROM read_parquet('${partPath}')`);
    const [expected] = await native.rows(`SELECT count(*)::BIGINT AS n, sum(id)::VARCHAR AS ids, sum(amount)::VARCHAR AS amount, sum(length(label))::BIGINT AS label, count(flag)::BIGINT AS flags FROM bench_t WHERE "__row_id" < ${rowsPerPart}`);
    const compatible = JSON.stringify(readBack) === JSON.stringify(expected);
    log(`  native DuckDB reads a part written with ${best}: ${compatible ? 'same rows and values' : `DIFFERENT: ${JSON.stringify(readBack)} vs ${JSON.stringify(expected)}`}`);

    // 2. Whole exports, interleaved run by run with native COPY.
    const variants: [string, (i: number) => Promise<{ ms: number }>][] = [
      ['native COPY TO parquet (1 thread)', async () => ({ ms: await nativeCopyToParquet(native, 'bench_t', join(userDataDir, 'native.parquet'), rowGroupSize) })],
      ['real exporter (src/offscreen/exporter.ts)', (i) => lab('exportReal', `real-${i}`, rowsPerPart, rowGroupSize)],
      ['pipelined, createWritable', (i) => lab('exportPipelined', `pipe-${i}`, rowsPerPart, rowGroupSize, 'createWritable')],
      ['pipelined, sync access handle worker', (i) => lab('exportPipelined', `sync-${i}`, rowsPerPart, rowGroupSize, 'syncHandle')],
      [`pipelined, sync access handle worker, ${best}`, (i) => lab('exportPipelined', `best-${i}`, rowsPerPart, rowGroupSize, 'syncHandle', best)],
      ['1 encode+write worker (sync access handle)', (i) => lab('exportWorkers', `w1-${i}`, rowsPerPart, rowGroupSize, 1)],
      ['2 encode+write workers (sync access handle)', (i) => lab('exportWorkers', `w2-${i}`, rowsPerPart, rowGroupSize, 2)],
      [`2 encode+write workers, ${best}`, (i) => lab('exportWorkers', `w2b-${i}`, rowsPerPart, rowGroupSize, 2, best)],
    ];
    // The lab page's renderer process: of this browser's renderers, the one holding DuckDB (largest).
    const cdp = await browser.target().createCDPSession();
    const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    const pid = info.processInfo.filter((p) => p.type === 'renderer').map((p) => p.id).sort((a, b) => rssBytes(b) - rssBytes(a))[0]!;
    const extraPeak: Record<string, number> = Object.fromEntries(variants.map(([name]) => [name, 0]));
    const times: Record<string, number[]> = Object.fromEntries(variants.map(([name]) => [name, []]));
    const details: Record<string, unknown[]> = Object.fromEntries(variants.map(([name]) => [name, []]));
    for (let i = 0; i <= runs; i++) {
      for (const [name, run] of variants) {
        const peak = name.startsWith('native') ? undefined : new PeakRss(pid);
        const result = await run(i);
        if (peak) extraPeak[name] = Math.max(extraPeak[name]!, peak.stop().peak - peak.before);
        if (i > 0) {
          times[name]!.push(result.ms);
          details[name]!.push(result);
        }
      }
      log(`  export ${i === 0 ? 'warm-up' : `run ${i}`}: ${variants.map(([name]) => `${name.split(' (')[0]} ${times[name]!.at(-1)?.toFixed(0) ?? '-'} ms`).join(', ')}`);
    }
    const real = summarize(times[variants[1]![0]]!).median;
    const nativeMs = summarize(times[variants[0]![0]]!).median;
    const exportRows = variants.map(([name]) => {
      const sample: Sample = summarize(times[name]!);
      return { name, sample, vsReal: sample.median / real, vsNative: sample.median / nativeMs, extraPeakRssMiB: name.startsWith('native') ? null : extraPeak[name]! / 2 ** 20 };
    });

    const machine = describeMachine(await browser.version(), 'see duckdb-wasm package', native.version);
    console.log(`\n## Exporter lab (${rows.toLocaleString('en-US')} rows, parts of ${rowsPerPart.toLocaleString('en-US')}, ${new Date().toISOString().slice(0, 10)})\n\nMachine: ${machineLine(machine)}\n`);
    console.log('| Variant | Median (min–max) | vs real exporter | vs native | extra peak RSS |\n|---|---|---|---|---|');
    for (const r of exportRows) console.log(`| ${r.name} | ${(r.sample.median / 1000).toFixed(2)} s (${(r.sample.min / 1000).toFixed(2)}–${(r.sample.max / 1000).toFixed(2)}) | ${r.vsReal.toFixed(2)}× | ${r.vsNative.toFixed(2)}× | ${r.extraPeakRssMiB === null ? '' : `${r.extraPeakRssMiB.toFixed(0)} MiB`} |`);
    console.log(`\n| Writer setting (${parts} parts) | encode ms | vs current | MB |\n|---|---|---|---|`);
    for (const r of settingRows) console.log(`| ${r.name} | ${r.encode.median.toFixed(0)} (${r.encode.min.toFixed(0)}–${r.encode.max.toFixed(0)}) | ${r.vsCurrent.toFixed(2)}× | ${(r.bytes / 1e6).toFixed(2)} |`);
    mkdirSync(resolve(RESULTS, '..'), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify({ generatedAt: new Date().toISOString(), rows, seed, rowsPerPart, rowGroupSize, machine, exports: exportRows, exportDetails: details, settings: settingRows, best, bestReadsBackNatively: compatible }, null, 2)}\n`);
    console.log(`\nWrote ${RESULTS}`);
  } finally {
    native.close();
    await browser.close();
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

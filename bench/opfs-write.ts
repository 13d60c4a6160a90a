/**
 * Raw OPFS writes: the ceiling for the exporter's write step. The same bytes written
 *   - from an extension page (the extension's origin, where snapshots are written) with
 *     `createWritable`, as one file, and as files of a part's size (what the exporter does);
 *   - from a web page with `createWritable`, and with a sync access handle in a dedicated
 *     worker (extension pages cannot start a worker from a blob, and a sync access handle
 *     exists only in a worker: the fastest path the exporter could take).
 */
import { resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { serveStatic } from '../tests/support/static-server';
import type { BenchConfig } from './config';
import { launchBenchBrowser, openDriverPage, shimPage } from './extension';
import { settleDisk } from './machine';
import { repeat, type Sample } from './stats';

export const PAGES_DIR = resolve(import.meta.dirname, 'pages');

/** Size of one file in the "as parts" variants: one file per part, as the exporter writes (its 250,000-row parts of the bench table are ~7.7 MB). */
export const PART_FILE_MIB = 8;

export interface RawWriteResult {
  mib: number;
  /** Milliseconds per method. */
  extensionOneFile: Sample;
  extensionParts: Sample;
  pageOneFile: Sample;
  pageSyncHandle: Sample;
  /** Sync access handles writing part-sized files as the exporter's codec worker does (created before the clock, no flush). */
  pageSyncHandleParts: Sample;
  /** The same, each file from a buffer allocated and filled just before it (untimed), as parquet-wasm hands over each part. */
  pageSyncHandleFreshParts: Sample;
}

/** Runs in the page: writes `mib` MiB as `files` files with createWritable; returns ms. */
async function createWritableMs(page: Page, mib: number, files: number): Promise<number> {
  return page.evaluate(async (mib, files) => {
    const total = mib * 1024 * 1024;
    const per = Math.floor(total / files);
    const data = new Uint8Array(per);
    const block = new Uint8Array(65536);
    crypto.getRandomValues(block);
    for (let at = 0; at < per; at += block.length) data.set(block.subarray(0, Math.min(block.length, per - at)), at);
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('bench-raw-write', { create: true });
    const started = performance.now();
    for (let f = 0; f < files; f++) {
      const handle = await dir.getFileHandle(`raw-${f}.bin`, { create: true });
      const writable = await handle.createWritable();
      await writable.write(data);
      await writable.close();
    }
    const ms = performance.now() - started;
    await root.removeEntry('bench-raw-write', { recursive: true });
    return ms;
  }, mib, files);
}

async function syncHandleMs(page: Page, mib: number, files?: number, fresh = false): Promise<number> {
  const answer = await page.evaluate(
    (mib, files, fresh) =>
      new Promise<{ ms?: number; error?: string }>((done) => {
        const worker = new Worker('./opfs-write-worker.js');
        worker.onmessage = (event) => {
          worker.terminate();
          done(event.data as { ms?: number; error?: string });
        };
        worker.onerror = (event) => done({ error: event.message });
        worker.postMessage({ mib, name: 'bench-raw-sync.bin', files, fresh });
      }),
    mib,
    files,
    fresh,
  );
  if (answer.error !== undefined || answer.ms === undefined) throw new Error(`sync access handle write failed: ${answer.error}`);
  return answer.ms;
}

export async function runRawWrites(config: BenchConfig, log: (line: string) => void, onVersion: (v: string) => void): Promise<RawWriteResult> {
  const server = await serveStatic(PAGES_DIR);
  const bench = await launchBenchBrowser();
  try {
    onVersion(await bench.browser.version());
    const extensionPage = await openDriverPage(bench);
    const webPage = await bench.browser.newPage();
    await shimPage(webPage);
    await webPage.goto(`${server.url}/index.html`);
    const mib = config.rawWriteMiB;
    const parts = Math.max(1, Math.round(mib / PART_FILE_MIB));
    // Each run from a settled disk, as each of the exporter's runs is (settleDisk).
    const options = { runs: config.runs, warmup: config.warmup, before: async () => settleDisk() };
    const result: RawWriteResult = {
      mib,
      extensionOneFile: await repeat(options, () => createWritableMs(extensionPage, mib, 1)),
      extensionParts: await repeat(options, () => createWritableMs(extensionPage, mib, parts)),
      pageOneFile: await repeat(options, () => createWritableMs(webPage, mib, 1)),
      pageSyncHandle: await repeat(options, () => syncHandleMs(webPage, mib)),
      pageSyncHandleParts: await repeat(options, () => syncHandleMs(webPage, mib, parts)),
      pageSyncHandleFreshParts: await repeat(options, () => syncHandleMs(webPage, mib, parts, true)),
    };
    const rate = (s: Sample) => `${((mib / s.median) * 1000).toFixed(0)} MiB/s`;
    log(
      `  ${mib} MiB: extension createWritable ${rate(result.extensionOneFile)} (as ${parts} files: ${rate(result.extensionParts)}); ` +
        `web page createWritable ${rate(result.pageOneFile)}, sync access handle in a worker ${rate(result.pageSyncHandle)} (as ${parts} files, no flush: ${rate(result.pageSyncHandleParts)}; each from a fresh buffer: ${rate(result.pageSyncHandleFreshParts)})`,
    );
    return result;
  } finally {
    await bench.close();
    await server.close();
  }
}

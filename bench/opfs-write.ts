/**
 * Raw OPFS writes: the ceiling for the exporter's write step. The same bytes written
 *   - from an extension page (the extension's origin, where snapshots are written) with
 *     `createWritable`, as one file, and as files of a part's size (what the exporter does);
 *   - from a web page with `createWritable`, and with a sync access handle in a dedicated
 *     worker (extension pages cannot start a worker from a blob, and a sync access handle
 *     exists only in a worker: the fastest path the exporter could take);
 *   - and as part-sized files once freed memory went back to this VM's host, in the web page
 *     and from Node alone (see {@link PAGES_RETURNED_MS}).
 */
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
  /** `pageSyncHandleParts` again, each run {@link PAGES_RETURNED_MS} after the run before removed its files. */
  pageSyncHandlePartsPaused: Sample;
  /** The operating system alone (Node, no browser): the same part-sized files written right after as many were removed, and {@link PAGES_RETURNED_MS} after. */
  osParts: { recycled: Sample; paused: Sample };
}

/**
 * How long after a removal the next raw writes wait in the "paused" variants. This VM hands
 * memory that stayed free for 2 s back to its host (virtio-balloon free page reporting,
 * negotiated here; Linux's `page_reporting` delay is 2 s), and a page handed back costs a
 * fault in the host when it is used again. New file data needs new page-cache pages: the OS
 * alone wrote 100 MiB as 13 files at 7,019 MiB/s right after removing as many, 937 MiB/s 3 s
 * after (`osParts`, bench/README.md "2026-12-06, evening"). Raw runs that remove their
 * files just before the next reuse that memory; an export's parts need more than was freed
 * just before them.
 */
export const PAGES_RETURNED_MS = 3000;

/** Before each run: a settled disk (see settleDisk), and with `paused` the memory freed by the run before handed back. */
const settledThen = (paused: boolean) => async () => {
  settleDisk();
  if (paused) await new Promise((wake) => setTimeout(wake, PAGES_RETURNED_MS));
};

/** Node writes `mib` MiB as `files` files into a fresh folder (`paused`: {@link PAGES_RETURNED_MS} after removing the last run's); ms per run. */
async function osPartWrites(config: BenchConfig, mib: number, files: number, paused: boolean): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'opfs-bench-os-'));
  const data = Buffer.alloc(Math.floor((mib * 1024 * 1024) / files), 7);
  const names = Array.from({ length: files }, (_, f) => join(dir, `part-${f}.bin`));
  try {
    return await repeat({ runs: config.runs, warmup: config.warmup, before: settledThen(paused) }, async () => {
      const started = performance.now();
      for (const name of names) {
        const fd = openSync(name, 'w');
        writeSync(fd, data, 0, data.length, 0);
        closeSync(fd);
      }
      const ms = performance.now() - started;
      for (const name of names) unlinkSync(name);
      return ms;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    const options = { runs: config.runs, warmup: config.warmup, before: settledThen(false) };
    const result: RawWriteResult = {
      mib,
      extensionOneFile: await repeat(options, () => createWritableMs(extensionPage, mib, 1)),
      extensionParts: await repeat(options, () => createWritableMs(extensionPage, mib, parts)),
      pageOneFile: await repeat(options, () => createWritableMs(webPage, mib, 1)),
      pageSyncHandle: await repeat(options, () => syncHandleMs(webPage, mib)),
      pageSyncHandleParts: await repeat(options, () => syncHandleMs(webPage, mib, parts)),
      pageSyncHandleFreshParts: await repeat(options, () => syncHandleMs(webPage, mib, parts, true)),
      pageSyncHandlePartsPaused: await repeat({ ...options, before: settledThen(true) }, () => syncHandleMs(webPage, mib, parts)),
      osParts: { recycled: await osPartWrites(config, mib, parts, false), paused: await osPartWrites(config, mib, parts, true) },
    };
    const rate = (s: Sample) => `${((mib / s.median) * 1000).toFixed(0)} MiB/s`;
    log(
      `  ${mib} MiB: extension createWritable ${rate(result.extensionOneFile)} (as ${parts} files: ${rate(result.extensionParts)}); ` +
        `web page createWritable ${rate(result.pageOneFile)}, sync access handle in a worker ${rate(result.pageSyncHandle)} (as ${parts} files, no flush: ${rate(result.pageSyncHandleParts)}; each from a fresh buffer: ${rate(result.pageSyncHandleFreshParts)}; ` +
        `${PAGES_RETURNED_MS / 1000} s after the last run's files were removed: ${rate(result.pageSyncHandlePartsPaused)}); ` +
        `the OS alone, as ${parts} files right after removing as many: ${rate(result.osParts.recycled)}, ${PAGES_RETURNED_MS / 1000} s after: ${rate(result.osParts.paused)}`,
    );
    return result;
  } finally {
    await bench.close();
    await server.close();
  }
}

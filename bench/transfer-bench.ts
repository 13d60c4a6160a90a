/**
 * Moving a page's bytes through the real DevTools panel (issue 12): an upload of one file
 * into the inspected page's OPFS and a download of one page file, each paired run by run
 * (A B A B …) with the bare channel they travel on — `chrome.devtools.inspectedWindow.eval`
 * called from the panel frame with the same number of 1 MiB base64 chunks, one after the
 * other, doing nothing with them. The ratio says what the actions add to the channel
 * (encoding, writes, reads, the zip-free Blob, the page's checks).
 *
 * Memory: the peak resident memory of the extension's renderer process (where the panel
 * frame lives) over each upload and download, against its size before. A panel that read
 * the whole file at once would grow by at least the file's size.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'puppeteer-core';
import { openDevToolsPanel } from '../tests/support/devtools-panel';
import { refresh } from '../tests/support/panel';
import { serveStatic } from '../tests/support/static-server';
import type { BenchConfig } from './config';
import { NAME_SHIM, launchBenchBrowser, shimPage } from './extension';
import { PeakRss, extensionRendererPids } from './memory';
import { PAGES_DIR } from './opfs-write';
import { MiB, summarize, type Sample } from './stats';

export interface TransferMemory {
  before: number;
  peak: number;
  processes: number;
}

export interface TransferResult {
  mib: number;
  /** Milliseconds, from the file chosen to the panel's "done". */
  upload: Sample;
  uploadChannel: Sample;
  /** Milliseconds, from the click on Download to the panel's "done" (the file saved). */
  download: Sample;
  downloadChannel: Sample;
  uploadMemory: TransferMemory[];
  downloadMemory: TransferMemory[];
  /** The same process over the bare channel's runs: what moving the bytes costs by itself. */
  uploadChannelMemory: TransferMemory[];
  downloadChannelMemory: TransferMemory[];
}

/** The state and text of the action result after action number `after`. */
async function actionDone(panel: Frame, after: number, timeoutMs: number): Promise<{ action: number; text: string }> {
  const handle = await panel.waitForFunction(
    (after) => {
      const e = document.querySelector('[data-testid="action-result"]');
      const state = e?.getAttribute('data-state');
      return e && Number(e.getAttribute('data-action')) > after && (state === 'done' || state === 'failed') ? { action: Number(e.getAttribute('data-action')), text: `${state}: ${e.textContent ?? ''}` } : null;
    },
    { timeout: timeoutMs, polling: 50 },
    after,
  );
  const result = (await handle.jsonValue()) as { action: number; text: string };
  if (!result.text.startsWith('done:')) throw new Error(`The panel's transfer failed: ${result.text}`);
  return result;
}

/** `chunks` evals of 1 MiB of base64 each way the bytes go, one after the other; milliseconds. */
function channel(panel: Frame, chunks: number, direction: 'up' | 'down'): Promise<number> {
  return panel.evaluate(
    async (chunks, direction) => {
      const bytes = crypto.getRandomValues(new Uint8Array(65536));
      let binary = '';
      for (let i = 0; i < 16; i++) for (const b of bytes) binary += String.fromCharCode(b);
      const chunk = btoa(binary);
      const evaluate = (expression: string) =>
        new Promise<unknown>((resolve, reject) =>
          chrome.devtools.inspectedWindow.eval(expression, (result, failure) => (failure ? reject(new Error(JSON.stringify(failure))) : resolve(result))),
        );
      if (direction === 'down') await evaluate(`globalThis.__benchChunk = ${JSON.stringify(chunk)}; true`);
      const started = performance.now();
      for (let i = 0; i < chunks; i++) {
        const answer = await evaluate(direction === 'up' ? `${JSON.stringify(chunk)}.length` : 'globalThis.__benchChunk');
        if ((direction === 'up' ? answer : String(answer).length) !== chunk.length) throw new Error('The channel lost bytes.');
      }
      return performance.now() - started;
    },
    chunks,
    direction,
  );
}

async function tracked<T>(pids: number[], work: () => Promise<T>): Promise<{ value: T; memory: TransferMemory }> {
  const trackers = pids.map((pid) => new PeakRss(pid));
  try {
    const value = await work();
    const seen = trackers.map((t) => t.stop());
    // The process that grew most (the panel's): its peak over its size before.
    const grown = seen.sort((a, b) => b.peak - b.before - (a.peak - a.before))[0];
    return { value, memory: { before: grown.before, peak: grown.peak, processes: pids.length } };
  } finally {
    for (const t of trackers) t.stop();
  }
}

/** Empties the page's OPFS and, unless `mib` is 0, writes `download.bin` of that size. */
async function writePageFile(page: Page, mib: number): Promise<void> {
  await page.evaluate(async (mib) => {
    const root = await navigator.storage.getDirectory();
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true });
    if (mib === 0) return;
    const writable = await (await root.getFileHandle('download.bin', { create: true })).createWritable();
    const chunk = crypto.getRandomValues(new Uint8Array(65536));
    for (let i = 0; i < mib * 16; i++) await writable.write(chunk);
    await writable.close();
  }, mib);
}

export async function runTransferBench(config: BenchConfig, log: (line: string) => void, onVersion: (v: string) => void): Promise<TransferResult> {
  const mib = config.transferMiB;
  const work = mkdtempSync(join(tmpdir(), 'opfs-bench-transfer-'));
  const server = await serveStatic(PAGES_DIR);
  const bench = await launchBenchBrowser({ devtools: true });
  try {
    onVersion(await bench.browser.version());
    const upload = join(work, 'upload.bin');
    const bytes = Buffer.alloc(mib * MiB);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
    writeFileSync(upload, bytes);
    await bench.cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: work });

    const page = await bench.browser.newPage();
    await shimPage(page);
    const pageUrl = `${server.url}/index.html`;
    await page.goto(pageUrl);
    await writePageFile(page, 0);
    const { devtools, panel } = await openDevToolsPanel(bench.browser, bench.extensionId, pageUrl, { dock: 'undocked', timeoutMs: 60_000 });
    await devtools.setViewport({ width: 1200, height: 800 });
    await panel.evaluate(NAME_SHIM);
    await refresh(panel);
    const pids = await extensionRendererPids(bench.cdp);
    if (pids.length === 0) throw new Error('No extension renderer process found.');
    let action = 0;

    const uploads: number[] = [];
    const uploadChannels: number[] = [];
    const uploadMemory: TransferMemory[] = [];
    const downloads: number[] = [];
    const downloadChannels: number[] = [];
    const downloadMemory: TransferMemory[] = [];
    const uploadChannelMemory: TransferMemory[] = [];
    const downloadChannelMemory: TransferMemory[] = [];
    for (let run = 0; run < config.runs; run++) {
      // Upload: an empty OPFS, the file chosen in the panel's picker.
      await writePageFile(page, 0);
      await refresh(panel);
      const input = await panel.$('input[data-testid="upload-input"]');
      const up = await tracked(pids, async () => {
        const started = performance.now();
        await input!.uploadFile(upload);
        action = (await actionDone(panel, action, 900_000)).action;
        return performance.now() - started;
      });
      uploads.push(up.value);
      uploadMemory.push(up.memory);
      const upChannel = await tracked(pids, () => channel(panel, mib, 'up'));
      uploadChannels.push(upChannel.value);
      uploadChannelMemory.push(upChannel.memory);

      // Download: one page file of the same size, chosen and downloaded.
      await writePageFile(page, mib);
      await refresh(panel);
      await panel.$$eval('[data-testid="file-row"]', (rows) => rows.find((r) => r.getAttribute('data-path') === 'download.bin')?.dispatchEvent(new MouseEvent('click', { bubbles: true })));
      const down = await tracked(pids, async () => {
        const started = performance.now();
        await panel.$eval('[data-testid="action-download"]', (b) => (b as HTMLButtonElement).click());
        action = (await actionDone(panel, action, 900_000)).action;
        return performance.now() - started;
      });
      downloads.push(down.value);
      downloadMemory.push(down.memory);
      const downChannel = await tracked(pids, () => channel(panel, mib, 'down'));
      downloadChannels.push(downChannel.value);
      downloadChannelMemory.push(downChannel.memory);
      rmSync(join(work, 'download.bin'), { force: true });
      const grew = (m: TransferMemory) => ((m.peak - m.before) / MiB).toFixed(0);
      const last = (values: number[]) => `${(values.at(-1)! / 1000).toFixed(1)} s`;
      log(`  run ${run + 1}: upload ${last(uploads)} (channel ${last(uploadChannels)}), download ${last(downloads)} (channel ${last(downloadChannels)}); panel process peak +${grew(up.memory)} / +${grew(down.memory)} MiB (channel +${grew(upChannel.memory)} / +${grew(downChannel.memory)} MiB)`);
    }
    return { mib, upload: summarize(uploads), uploadChannel: summarize(uploadChannels), download: summarize(downloads), downloadChannel: summarize(downloadChannels), uploadMemory, downloadMemory, uploadChannelMemory, downloadChannelMemory };
  } finally {
    await bench.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

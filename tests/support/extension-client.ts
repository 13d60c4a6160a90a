/**
 * Talking to the extension from one of its own pages driven by puppeteer (a tab of the
 * panel page, in Chromium or Firefox): its own messages, exactly as the panel sends them.
 * Used by the tests and the benchmark.
 */
import type { Page } from 'puppeteer-core';
import { CHANNEL, type BackgroundApi, type Reply, type RequestOf, type ResponseOf } from '../../src/protocol';

/** Sends one request through the background; resolves with the raw reply. */
export async function sendRaw<K extends keyof BackgroundApi & string>(page: Page, type: K, request: RequestOf<BackgroundApi, K>): Promise<Reply<ResponseOf<BackgroundApi, K>>> {
  return page.evaluate(
    (channel, type, request) => chrome.runtime.sendMessage({ channel, target: 'background', type, id: `driver-${Math.random()}`, request }),
    CHANNEL,
    type,
    request as never,
  ) as Promise<Reply<ResponseOf<BackgroundApi, K>>>;
}

/** Like {@link sendRaw}, but throws the remote error (with its name). */
export async function call<K extends keyof BackgroundApi & string>(page: Page, type: K, request: RequestOf<BackgroundApi, K>): Promise<ResponseOf<BackgroundApi, K>> {
  const reply = await sendRaw(page, type, request);
  if (!reply || typeof reply !== 'object') throw new Error(`No reply to ${type}: ${JSON.stringify(reply)}`);
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { name: reply.error.name });
  return reply.value;
}

/** Starts recording the progress events the page receives on `window.__progress`. */
export async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __progress: unknown[] };
    w.__progress = [];
    chrome.runtime.onMessage.addListener((message: { event?: string; payload?: unknown }) => {
      if (message?.event === 'progress') w.__progress.push(message.payload);
      return undefined;
    });
  });
}

/** Streams `url` into the extension's OPFS at `path` (folders created), as the panel stages a CSV; resolves with the ms it took. */
export async function stageFromUrl(page: Page, url: string, path: string): Promise<number> {
  return page.evaluate(
    async (url, path) => {
      const started = performance.now();
      const response = await fetch(url);
      if (!response.ok || !response.body) throw new Error(`fetch ${url}: ${response.status}`);
      const segments = path.split('/');
      let dir = await navigator.storage.getDirectory();
      for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder, { create: true });
      const handle = await dir.getFileHandle(segments.at(-1)!, { create: true });
      await response.body.pipeTo(await handle.createWritable());
      return performance.now() - started;
    },
    url,
    path,
  );
}

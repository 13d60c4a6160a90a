/**
 * The real extension, built once into bench/.dist and driven through its own messages
 * from one of its pages (as tests/support/extension-page.ts does), plus the probes the
 * benchmark needs without changing the extension:
 *   - progress events, timestamped where they arrive;
 *   - in DuckDB's worker, a wrapper around its message handler that times every request
 *     (and, for the naive strategy, can rewrite the exporter's part query into
 *     `ORDER BY … LIMIT … OFFSET …`);
 *   - the WASM heap of DuckDB's worker;
 *   - the requests the offscreen document sends the Parquet codec's worker, timed from
 *     send to reply;
 *   - the extension renderer process, for RSS (see memory.ts).
 */
import { QUIET_FLAGS } from '../tests/support/chromium';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import puppeteer, { type Browser, type CDPSession, type Page, type WebWorker } from 'puppeteer-core';
import { findChromium } from '../tests/support/chromium';
import { CHANNEL, type BackgroundApi, type OperationProgress, type Reply, type RequestOf, type ResponseOf } from '../src/protocol';

export const BENCH_DIST = resolve(import.meta.dirname, '.dist');

/**
 * tsx compiles this code with esbuild's keepNames, which wraps named functions in
 * `__name(fn, "name")`. Functions passed to evaluate() carry those calls into the browser,
 * so every context the benchmark evaluates in gets this no-op first.
 */
export const NAME_SHIM = 'globalThis.__name ??= (fn) => fn; true';

/** Installs {@link NAME_SHIM} in a page now and in every document it loads later. */
export async function shimPage(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(NAME_SHIM);
  await page.evaluate(NAME_SHIM);
}

/** Builds the extension into bench/.dist (not dist/, which tests and other work use). */
export async function buildExtension(outDir = BENCH_DIST): Promise<number> {
  const started = performance.now();
  // 'error': the bundler's timing notes are not news here.
  await build({ logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return performance.now() - started;
}


export interface BenchBrowser {
  browser: Browser;
  extensionId: string;
  /** A CDP session on the browser target (SystemInfo, process ids). */
  cdp: CDPSession;
  close(): Promise<void>;
}

export async function launchBenchBrowser(options: { devtools?: boolean; distDir?: string } = {}): Promise<BenchBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'opfs-bench-profile-'));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    devtools: options.devtools ?? false,
    pipe: true,
    enableExtensions: true,
    userDataDir,
    // gc() lets the memory figures start every export from a collected heap; precise memory
    // info makes performance.memory exact (else it is rounded and cached), for the panel's heap figure.
    args: [...QUIET_FLAGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'],
    protocolTimeout: 900_000,
  });
  try {
    const extensionId = await browser.installExtension(options.distDir ?? BENCH_DIST);
    const cdp = await browser.target().createCDPSession();
    return {
      browser,
      extensionId,
      cdp,
      async close() {
        await browser.close().catch(() => undefined);
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** A progress event with the time it arrived in the driver page (epoch ms, sub-ms precision). */
export interface TimedProgress extends OperationProgress {
  at: number;
}

/**
 * Opens a quiet extension page to drive the engine from: the `devtools_page` (outside
 * DevTools it only fails to register a panel), not the panel app, whose rendering of
 * progress would share the offscreen document's renderer process during timings.
 */
export async function openDriverPage(bench: BenchBrowser, distDir = BENCH_DIST): Promise<Page> {
  const manifest = JSON.parse(readFileSync(join(distDir, 'manifest.json'), 'utf8')) as { devtools_page?: string };
  const page = await bench.browser.newPage();
  await shimPage(page);
  await page.goto(`chrome-extension://${bench.extensionId}/${manifest.devtools_page ?? 'panel/panel.html'}`);
  await page.evaluate(() => {
    const w = window as unknown as { __benchProgress: unknown[] };
    w.__benchProgress = [];
    chrome.runtime.onMessage.addListener((message: { event?: string; payload?: object }) => {
      if (message?.event === 'progress') w.__benchProgress.push({ ...message.payload, at: performance.timeOrigin + performance.now() });
      return undefined;
    });
  });
  return page;
}

export { call, stageFromUrl } from '../tests/support/extension-client';

/** Progress events received since the last call (and forgets them). */
export async function takeProgress(page: Page): Promise<TimedProgress[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __benchProgress: TimedProgress[] };
    return w.__benchProgress.splice(0);
  });
}

// ---------------------------------------------------------------------------------------
// The offscreen document and DuckDB's worker.

export interface Offscreen {
  page: Page;
  worker: WebWorker;
}

/** The offscreen document (a `background_page` target) and DuckDB's worker in it. Call after a `ping`. */
export async function findOffscreen(bench: BenchBrowser, timeoutMs = 30_000): Promise<Offscreen> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const target = bench.browser.targets().find((t) => t.type() === 'background_page' && t.url().includes(bench.extensionId));
    const page = target ? await target.asPage() : undefined;
    const worker = page?.workers().find((w) => /duckdb/i.test(w.url()));
    if (page && worker) {
      await page.evaluate(NAME_SHIM);
      await captureCodecRequests(page);
      return { page, worker };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('The offscreen document or its DuckDB worker did not appear (has the engine been pinged?).');
}

/** One request DuckDB's worker served, timed inside the worker (epoch ms). */
export interface WorkerRequest {
  type: string;
  sql?: string;
  start: number;
  end: number;
  bytes: number;
  rewritten?: boolean;
}

/**
 * Installs the timing wrapper in DuckDB's worker, and keeps a reference to the worker's
 * API object (found through the scope of its `onmessage` closure with CDP) so that its
 * WASM heap can be read. Idempotent.
 */
export async function instrumentDuckDBWorker(worker: WebWorker): Promise<void> {
  const client = (worker as unknown as { client: CDPSession }).client;
  await worker.evaluate(NAME_SHIM);
  const installed = await worker.evaluate(() => '__bench' in globalThis);
  if (installed) return;
  // 1. The worker API object: `globalThis.onmessage = async e => { await o.onMessage(e.data) }`.
  const handler = await client.send('Runtime.evaluate', { expression: 'globalThis.onmessage' });
  if (handler.result.objectId) {
    const props = await client.send('Runtime.getProperties', { objectId: handler.result.objectId, ownProperties: true });
    const scopes = props.internalProperties?.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (scopes) {
      const scopeList = await client.send('Runtime.getProperties', { objectId: scopes, ownProperties: true });
      for (const scope of scopeList.result) {
        if (!scope.value?.objectId) continue;
        const variables = await client.send('Runtime.getProperties', { objectId: scope.value.objectId, ownProperties: true });
        for (const variable of variables.result) {
          if (!variable.value?.objectId) continue;
          const found = await client.send('Runtime.callFunctionOn', {
            objectId: variable.value.objectId,
            functionDeclaration: 'function () { if (this && this._bindings && this._bindings.mod) { globalThis.__benchDuckApi = this; return true; } return false; }',
            returnByValue: true,
          });
          if (found.result.value === true) break;
        }
      }
    }
  }
  // 2. Timing (and optional rewriting) of every request.
  await worker.evaluate(() => {
    type Msg = { messageId?: number; requestId?: number; type?: string; data?: unknown };
    const g = globalThis as unknown as {
      onmessage: (event: { data: Msg }) => unknown;
      postMessage: (message: Msg, transfer: Transferable[]) => void;
      __bench: { offset: boolean; rewrites: number; pending: Map<number, Omit<WorkerRequest, 'end' | 'bytes'>>; log: WorkerRequest[] };
    };
    const original = g.onmessage;
    const post = g.postMessage;
    const originalPost = (message: Msg, transfer: Transferable[]) => post.call(g, message, transfer);
    g.__bench = { offset: false, rewrites: 0, pending: new Map(), log: [] };
    const bench = g.__bench;
    const now = () => performance.timeOrigin + performance.now();
    // The exporter's part query (src/engine/exporter.ts): a range of the row id.
    const PART_QUERY = /^SELECT \* EXCLUDE \(("[^"]+")\) FROM (.+) WHERE \1 >= (\d+) AND \1 < (\d+)$/;
    g.onmessage = (event) => {
      const request = event.data;
      if (request && typeof request.messageId === 'number' && typeof request.type === 'string') {
        const data = request.data as unknown[] | undefined;
        let sql = Array.isArray(data) && typeof data[1] === 'string' ? data[1] : undefined;
        let rewritten = false;
        if (sql && bench.offset && request.type === 'RUN_QUERY') {
          const m = PART_QUERY.exec(sql);
          if (m) {
            const [, rowId, table, first, end] = m;
            sql = `SELECT * EXCLUDE (${rowId}) FROM ${table} ORDER BY ${rowId} LIMIT ${Number(end) - Number(first)} OFFSET ${first}`;
            data![1] = sql;
            rewritten = true;
            bench.rewrites++;
          }
        }
        bench.pending.set(request.messageId, { type: request.type, sql: sql?.slice(0, 300), start: now(), rewritten });
      }
      return original.call(g, { data: request });
    };
    g.postMessage = (message, transfer) => {
      const pending = typeof message?.requestId === 'number' ? bench.pending.get(message.requestId) : undefined;
      if (pending) {
        bench.pending.delete(message.requestId!);
        const data = message.data as { byteLength?: unknown } | undefined;
        bench.log.push({ ...pending, end: now(), bytes: typeof data?.byteLength === 'number' ? data.byteLength : 0 });
      }
      originalPost(message, transfer);
    };
  });
}

/** Switches the naive-strategy rewrite on or off; returns how many part queries it rewrote so far. */
export async function setOffsetRewrite(worker: WebWorker, on: boolean): Promise<number> {
  return worker.evaluate((on) => {
    const bench = (globalThis as unknown as { __bench: { offset: boolean; rewrites: number } }).__bench;
    bench.offset = on;
    return bench.rewrites;
  }, on);
}

/** Requests DuckDB's worker served since the last call (and forgets them). */
export async function takeWorkerLog(worker: WebWorker): Promise<WorkerRequest[]> {
  return worker.evaluate(() => (globalThis as unknown as { __bench: { log: WorkerRequest[] } }).__bench.log.splice(0));
}

/** Size of DuckDB's WASM heap (bytes), or null if its module could not be reached. */
export async function duckdbHeapBytes(worker: WebWorker): Promise<number | null> {
  return worker.evaluate(() => {
    const api = (globalThis as unknown as { __benchDuckApi?: { _bindings?: { mod?: { HEAPU8?: Uint8Array } } } }).__benchDuckApi;
    return api?._bindings?.mod?.HEAPU8?.byteLength ?? null;
  });
}

/** One request to the Parquet codec's worker (epoch ms, from sending it to its reply). */
export interface CodecCall {
  /** `encode` (encode and write a part) or `decode` (a part's row groups into Arrow IPC). */
  name: string;
  start: number;
  end: number;
  /** The worker's own account: encoding (or decoding), and writing through its sync access handle. */
  encodeMs: number;
  writeMs: number;
  /** Of `writeMs`, the wait for the part's file to open. */
  openWaitMs: number;
}

/**
 * From now on: times every request the offscreen document sends the Parquet codec's worker
 * (src/engine/parquet-worker-codec.ts), from `postMessage` to the reply with its id. The
 * worker serves one at a time, in order, so this is its busy time plus a message's
 * crossing. Call right after the engine started (the worker starts at the first request).
 */
export async function captureCodecRequests(offscreen: Page): Promise<void> {
  await offscreen.evaluate(() => {
    const g = globalThis as unknown as { __benchCodec?: CodecCall[] };
    if (g.__benchCodec) return;
    const calls: CodecCall[] = [];
    g.__benchCodec = calls;
    const now = () => performance.timeOrigin + performance.now();
    const sent = new Map<number, { name: string; start: number }>();
    const watched = new WeakSet<Worker>();
    const post = Worker.prototype.postMessage as (this: Worker, message: unknown, transfer?: Transferable[]) => void;
    Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: Transferable[]) {
      const request = message as { op?: unknown; id?: unknown } | null;
      if (request && (request.op === 'encode' || request.op === 'decode') && typeof request.id === 'number') {
        if (!watched.has(this)) {
          watched.add(this);
          this.addEventListener('message', (event: MessageEvent<{ id?: number; timings?: { encodeMs: number; writeMs: number; openWaitMs?: number } }>) => {
            // An encode says "encoded" before its reply: only the reply ends the call.
            const call = event.data?.id === undefined || 'encoded' in event.data ? undefined : sent.get(event.data.id);
            if (!call) return;
            sent.delete(event.data.id!);
            calls.push({ ...call, end: now(), encodeMs: event.data.timings?.encodeMs ?? 0, writeMs: event.data.timings?.writeMs ?? 0, openWaitMs: event.data.timings?.openWaitMs ?? 0 });
          });
        }
        sent.set(request.id, { name: request.op, start: now() });
      }
      return post.call(this, message, transfer as Transferable[]);
    } as typeof Worker.prototype.postMessage;
  });
}

/** Codec requests timed since the last call (and forgets them). */
export async function takeCodecLog(offscreen: Page): Promise<CodecCall[]> {
  return offscreen.evaluate(() => ((globalThis as unknown as { __benchCodec?: CodecCall[] }).__benchCodec ?? []).splice(0));
}

/**
 * Collects garbage in the offscreen document and DuckDB's worker (the browser runs with
 * `--expose-gc`), so that RSS measured before an export is not inflated by garbage that
 * the export's own allocations would then merely replace.
 */
/**
 * A full GC in the offscreen document and in every worker it runs (DuckDB's, the codec
 * workers, the part writer): a worker's V8 collects on its own schedule, so without this
 * the previous export's part buffers may or may not still be resident when a run starts.
 */
export async function collectGarbage(offscreen: Offscreen): Promise<void> {
  const gc = () => (globalThis as unknown as { gc?: () => void }).gc?.();
  await offscreen.page.evaluate(gc);
  for (const worker of offscreen.page.workers()) await worker.evaluate(gc).catch(() => undefined);
}

/** Like {@link call}, timed inside the driver page (epoch ms), so it lines up with progress events. */
export async function timedCall<K extends keyof BackgroundApi & string>(
  page: Page,
  type: K,
  request: RequestOf<BackgroundApi, K>,
): Promise<{ value: ResponseOf<BackgroundApi, K>; start: number; end: number; ms: number }> {
  const { reply, start, end } = (await page.evaluate(
    async (channel, type, request) => {
      const start = performance.timeOrigin + performance.now();
      const reply: unknown = await chrome.runtime.sendMessage({ channel, target: 'background', type, id: `bench-${Math.random()}`, request });
      return { reply, start, end: performance.timeOrigin + performance.now() };
    },
    CHANNEL,
    type,
    request as never,
  )) as { reply: Reply<ResponseOf<BackgroundApi, K>> | undefined; start: number; end: number };
  if (!reply || typeof reply !== 'object') throw new Error(`No reply to ${type}: ${JSON.stringify(reply)}`);
  if (!reply.ok) throw Object.assign(new Error(`${type}: ${reply.error.message}`), { name: reply.error.name });
  return { value: reply.value, start, end, ms: end - start };
}

/**
 * What knowing "in use" costs the app (issue 16: a probe that opens a handle must release it
 * at once and never block the app — measure it). In a plain page of its own origin:
 * `files` database-named files, a quarter of them held by an "app" worker with readwrite
 * sync access handles (as DuckDB-WASM and sqlite-wasm hold theirs). Each run, the probe the
 * panel sends (src/inspected-page/handles.ts, the same source text) asks every file; meanwhile
 * a second app worker opens and closes a readwrite handle on one free file as fast as it can,
 * counting the attempts the probe made fail (NoModificationAllowedError). The baseline is the
 * app's own open-and-close of a handle on a free file, timed in the same page and run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeOpfsHandles } from '../src/inspected-page/handles';
import { serveStatic } from '../tests/support/static-server';
import type { BenchConfig } from './config';
import { launchBenchBrowser, shimPage } from './extension';
import { summarize, type Sample } from './stats';

export interface HandlesResult {
  files: number;
  held: number;
  /** Per run: the longest a free file's handle was held by the probe, ms. */
  longestHold: Sample;
  /** Per run: the median hold over the free files, ms. */
  medianHold: Sample;
  /** Per run: the app's own median open-and-close of a readwrite handle on a free file, ms. */
  appOpenClose: Sample;
  /** Per run: the whole probe, worker start to answer, ms. */
  probeWall: Sample;
  /** Over all runs: the racing app worker's attempts, and how many the probe made fail. */
  raceAttempts: number;
  raceFailures: number;
  /** Every run found exactly the held files held. */
  heldFound: boolean;
}

const APP_WORKER = `
const handles = [];
onmessage = async (event) => {
  const root = await navigator.storage.getDirectory();
  const { kind, paths, path, ms } = event.data;
  if (kind === 'hold') {
    for (const p of paths) handles.push(await (await root.getFileHandle(p)).createSyncAccessHandle());
    postMessage('held');
  } else if (kind === 'time') {
    const times = [];
    const file = await root.getFileHandle(path);
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      const handle = await file.createSyncAccessHandle();
      handle.close();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    postMessage(times[25]);
  } else if (kind === 'race') {
    const file = await root.getFileHandle(path);
    let attempts = 0, failures = 0;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      attempts++;
      try { (await file.createSyncAccessHandle()).close(); } catch (error) { if (error.name === 'NoModificationAllowedError') failures++; else throw error; }
    }
    postMessage({ attempts, failures });
  }
};`;

export async function runHandlesBench(config: BenchConfig, log: (line: string) => void, onVersion: (v: string) => void): Promise<HandlesResult> {
  const files = config.mode === 'quick' ? 40 : 200;
  const heldCount = files / 4;
  const runs = config.mode === 'quick' ? 3 : 7;
  const work = mkdtempSync(join(tmpdir(), 'opfs-bench-handles-'));
  writeFileSync(join(work, 'index.html'), '<!doctype html><title>handles</title>');
  writeFileSync(join(work, 'app-worker.js'), APP_WORKER);
  const server = await serveStatic(work);
  const bench = await launchBenchBrowser();
  try {
    onVersion(await bench.browser.version());
    const page = await bench.browser.newPage();
    // The probe is sent as source text, which tsx compiles with esbuild's __name helper.
    await shimPage(page);
    await page.goto(`${server.url}/index.html`);
    const names = Array.from({ length: files }, (_, i) => `db-${i}.sqlite3`);
    await page.evaluate(async (names) => {
      const root = await navigator.storage.getDirectory();
      for (const name of names) {
        const writable = await (await root.getFileHandle(name, { create: true })).createWritable();
        await writable.write(new Uint8Array(8192));
        await writable.close();
      }
    }, names);
    const held = names.slice(0, heldCount);
    const raced = names[files - 1];
    // Two app workers: one holds a quarter of the files for the whole run, one times and races on a free file.
    await page.evaluate(async (held) => {
      const w = window as unknown as { holder: Worker; racer: Worker };
      w.holder = new Worker('./app-worker.js');
      w.racer = new Worker('./app-worker.js');
      await new Promise((resolve) => {
        w.holder.onmessage = resolve;
        w.holder.postMessage({ kind: 'hold', paths: held });
      });
    }, held);
    const longest: number[] = [];
    const median: number[] = [];
    const app: number[] = [];
    const wall: number[] = [];
    let attempts = 0;
    let failures = 0;
    let heldFound = true;
    for (let run = 0; run < runs; run++) {
      app.push(
        await page.evaluate(
          (path) =>
            new Promise<number>((resolve) => {
              const { racer } = window as unknown as { racer: Worker };
              racer.onmessage = (event) => resolve(event.data as number);
              racer.postMessage({ kind: 'time', path });
            }),
          raced,
        ),
      );
      // The racing worker starts first; the probe is the panel's expression, run as the page would run it.
      await page.evaluate((raced) => {
        const w = window as unknown as { racer: Worker; race: Promise<{ attempts: number; failures: number }> };
        w.race = new Promise((resolve) => {
          w.racer.onmessage = (event) => resolve(event.data as { attempts: number; failures: number });
        });
        w.racer.postMessage({ kind: 'race', path: raced, ms: 1500 });
      }, raced);
      const probed = (await page.evaluate(`(async () => {
        const started = performance.now();
        const answer = await (${probeOpfsHandles.toString()})(${JSON.stringify(names)}, 30000);
        return { answer, wallMs: performance.now() - started };
      })()`)) as { answer: unknown; wallMs: number };
      const race = await page.evaluate(() => (window as unknown as { race: Promise<{ attempts: number; failures: number }> }).race);
      const outcome = { ...probed, race };
      const { results, why } = outcome.answer as { results?: [string, string, string, number][]; why?: string };
      if (!results) throw new Error(`The probe did not answer: ${why}`);
      const heldNow = results.filter((r) => r[1] === 'held').map((r) => r[0]);
      // The racing worker may hold its file at the instant the probe asks: that file may read held too.
      if (!held.every((name) => heldNow.includes(name)) || heldNow.some((name) => !held.includes(name) && name !== raced)) heldFound = false;
      const holds = results.filter((r) => r[1] === 'free').map((r) => r[3]);
      longest.push(Math.max(...holds));
      median.push(summarize(holds).median);
      wall.push(outcome.wallMs);
      attempts += outcome.race.attempts;
      failures += outcome.race.failures;
      log(`  run ${run + 1}: probe ${outcome.wallMs.toFixed(0)} ms for ${files} files, longest hold ${Math.max(...holds).toFixed(2)} ms, app open+close ${app.at(-1)!.toFixed(2)} ms, race ${outcome.race.failures}/${outcome.race.attempts} failed`);
    }
    return { files, held: heldCount, longestHold: summarize(longest), medianHold: summarize(median), appOpenClose: summarize(app), probeWall: summarize(wall), raceAttempts: attempts, raceFailures: failures, heldFound };
  } finally {
    await bench.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

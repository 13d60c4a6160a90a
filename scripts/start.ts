/**
 * `npm start`: builds the extension, serves the demo app, and opens Chromium with the
 * extension loaded and DevTools open on the demo page, showing the "OPFS Snapshots" panel.
 *
 * With a display, the browser stays open for you (Ctrl+C to quit). Without one (or with
 * HEADLESS=1) the same flow runs headless: it prints what the panel found, snapshots a
 * sample CSV through the panel, and saves screenshots to artifacts/start/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import type { Frame } from 'puppeteer-core';
import { launchWithExtension } from '../tests/support/chromium';
import { openDevToolsPanel } from '../tests/support/devtools-panel';
import { startDemoServer } from './serve-demo';
import { ensureBrowsers } from './browsers';
import { writeMixedCsv } from '../tests/support/sample-csv';

const SCREENSHOTS = resolve(import.meta.dirname, '..', 'artifacts', 'start');
const SAMPLE_ROWS = 600_000;

const headless = process.env.HEADLESS === '1' || (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY);

async function main(): Promise<void> {
  await ensureBrowsers(['chromium']);
  console.log('Building the extension into dist/ …');
  await build({ logLevel: 'warn' });
  const demo = await startDemoServer(Number(process.env.PORT ?? 0));
  console.log(`Demo app: ${demo.url}/`);
  const chromium = await launchWithExtension({ headless, devtools: true });
  const shutdown = async () => {
    await chromium.close();
    await demo.close();
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(130)));

  const page = await chromium.browser.newPage();
  await page.goto(`${demo.url}/`);
  // Ready once the demo wrote its files and opened its databases (DuckDB-WASM, SQLite).
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  // The demo's own snapshot, saved with the exporter library (its "Save a snapshot" button).
  // A DOM click: puppeteer's own click waits for the button to be seen in a rendered frame,
  // which a page behind the DevTools window may never get (npm start then hung here).
  await page.$eval('#demo-save', (button) => (button as HTMLButtonElement).click());
  // Polled by time: the page sits behind the DevTools window, where it gets no animation frames.
  await page.waitForFunction(() => /^(Saved|The snapshot could not)/.test(document.getElementById('demo-save-status')?.textContent ?? ''), { timeout: 120_000, polling: 100 });
  console.log(`The demo app says: ${await page.$eval('#demo-save-status', (e) => e.textContent ?? '')}`);
  const { devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${demo.url}/`, {
    dock: headless ? 'undocked' : 'bottom',
  });
  if (headless) await devtools.setViewport({ width: 1280, height: 820 });
  await panel.waitForSelector('[data-testid="summary"][data-state="done"], [data-testid="summary"][data-state="failed"]', { timeout: 60_000 });
  console.log(`\nThe panel on the demo page says: ${await textOf(panel, 'summary', '.sentence')}`);
  await printFlagged(panel);

  if (!headless) {
    console.log('\nChromium is open with DevTools on the demo page. Close the browser or press Ctrl+C to quit.');
    await new Promise<void>((done) => chromium.browser.once('disconnected', () => done()));
    await demo.close();
    return;
  }

  mkdirSync(SCREENSHOTS, { recursive: true });
  await devtools.screenshot({ path: join(SCREENSHOTS, '1-page-listing.png') });

  const work = mkdtempSync(join(tmpdir(), 'opfs-inspector-start-'));
  try {
    const csv = join(work, 'orders-sample.csv');
    await writeMixedCsv(csv, SAMPLE_ROWS);
    console.log(`\nLoading ${SAMPLE_ROWS.toLocaleString('en-US')} rows of CSV through the panel …`);
    const input = await panel.waitForSelector('input[data-testid="csv-input"]');
    await input!.uploadFile(csv);
    await panel.waitForSelector('[data-testid="export-status"][data-state="done"], [data-testid="export-status"][data-state="failed"]', { timeout: 300_000 });
    console.log(`The panel says: ${await textOf(panel, 'export-status')}`);
    await panel.click('[data-testid="source-extension"]');
    await panel.waitForSelector('[data-testid="summary"][data-state="done"]', { timeout: 60_000 });
    await printFlagged(panel);
    await devtools.screenshot({ path: join(SCREENSHOTS, '2-extension-snapshot.png') });
    console.log(`\nScreenshots of the panel: ${SCREENSHOTS}/`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    await shutdown();
  }
}

async function textOf(panel: Frame, testId: string, part = ''): Promise<string> {
  const selector = `[data-testid="${testId}"] ${part}`.trim();
  return (await panel.$eval(selector, (e) => e.textContent ?? '')).replace(/\s+/g, ' ').trim();
}

async function printFlagged(panel: Frame): Promise<void> {
  const rows = await panel.$$eval('[data-testid="file-row"]', (elements) =>
    elements.map((e) => ({ status: e.getAttribute('data-status') ?? '', size: Number(e.getAttribute('data-size')), path: e.getAttribute('data-path') ?? '' })),
  );
  for (const row of rows) console.log(`  ${row.status.padEnd(10)} ${String(row.size).padStart(10)} B  ${row.path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

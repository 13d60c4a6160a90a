/**
 * Watching the real panel from inside its frame: every state its summary line goes through
 * (so a test sees "Scanning… N files so far" even when it lasts one frame) and the long
 * tasks of its main thread (PerformanceObserver 'longtask'), for tests that measure how
 * responsive the panel stays.
 */
import type { Frame, Page } from 'puppeteer-core';

export interface SummaryEntry {
  /** performance.now() in the panel frame. */
  t: number;
  /** data-state of the summary: running, done, failed (or idle). */
  state: string;
  text: string;
  /** File rows rendered with `data-status="pending"` (their verdict not known yet). */
  pendingRows: number;
  /** File rows rendered, and the path of the first. */
  rows: number;
  firstPath: string | null;
}

export interface LongTask {
  start: number;
  duration: number;
}

interface Probe {
  log: SummaryEntry[];
  longTasks: LongTask[];
}

/** Installs the summary log and the long-task observer in the panel frame (once per frame). */
export async function installPanelProbes(panel: Frame | Page): Promise<void> {
  await panel.evaluate(() => {
    const w = window as unknown as { __probe?: Probe };
    if (w.__probe) return;
    const probe: Probe = { log: [], longTasks: [] };
    w.__probe = probe;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask' });
    const record = () => {
      const summary = document.querySelector('[data-testid="summary"]');
      const state = summary?.getAttribute('data-state') ?? (summary ? 'idle' : 'none');
      const text = summary?.textContent ?? '';
      const pendingRows = document.querySelectorAll('[data-testid="file-row"][data-status="pending"]').length;
      const rendered = document.querySelectorAll('[data-testid="file-row"]');
      const rows = rendered.length;
      const firstPath = rendered[0]?.getAttribute('data-path') ?? null;
      const last = probe.log[probe.log.length - 1];
      if (!last || last.state !== state || last.text !== text || last.pendingRows !== pendingRows || last.rows !== rows || last.firstPath !== firstPath) {
        probe.log.push({ t: performance.now(), state, text, pendingRows, rows, firstPath });
      }
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-state', 'data-status', 'data-path'] });
  });
}

/** A mark to pass to {@link settledScanAfter} and {@link longTasksSince}. */
export async function probeMark(panel: Frame | Page): Promise<{ logIndex: number; t: number }> {
  return panel.evaluate(() => {
    const probe = (window as unknown as { __probe: Probe }).__probe;
    return { logIndex: probe.log.length, t: performance.now() };
  });
}

/** Summary states recorded since `mark`. */
export async function summaryLogSince(panel: Frame | Page, mark: { logIndex: number }): Promise<SummaryEntry[]> {
  return panel.evaluate((from) => (window as unknown as { __probe: Probe }).__probe.log.slice(from), mark.logIndex);
}

/**
 * Waits until a scan that started after `mark` has settled (a `running` entry, then `done`
 * or `failed`), and answers the settled entry.
 */
export async function settledScanAfter(panel: Frame | Page, mark: { logIndex: number }, timeoutMs = 60_000): Promise<SummaryEntry> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await summaryLogSince(panel, mark);
    const running = log.findIndex((e) => e.state === 'running');
    const settled = running < 0 ? undefined : log.slice(running).find((e) => e.state === 'done' || e.state === 'failed');
    if (settled) return settled;
    if (Date.now() > deadline) throw new Error(`No scan settled within ${timeoutMs} ms; summary states since the mark: ${JSON.stringify(log.slice(-5))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Clicks Refresh (once the current scan, if any, has settled) and answers the new scan's settled summary. */
export async function rescan(panel: Frame | Page, timeoutMs = 60_000): Promise<SummaryEntry> {
  for (let attempt = 0; ; attempt++) {
    // A scan the last click started may not have rendered yet (Preact renders after the event): give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await panel.waitForSelector('[data-testid="refresh"]:not([disabled])', { timeout: timeoutMs });
    const mark = await probeMark(panel);
    const before = await panel.$eval('[data-testid="summary"]', (e) => e.getAttribute('data-scan') ?? '');
    // A DOM click: a mouse click can land elsewhere while DevTools lays itself out.
    const clicked = await panel.$eval('[data-testid="refresh"]', (button) => {
      if ((button as HTMLButtonElement).disabled) return false;
      (button as HTMLButtonElement).click();
      return true;
    });
    // A scan the panel started by itself (a navigation) may have disabled the button between
    // the wait and the click, which then did nothing: click again once that scan is done.
    if (!clicked) continue;
    // Whether this click started one is told by the summary's scan number, not by timing (a
    // second click on a busy machine would start a second scan, which finds the first one's
    // verdicts cached).
    const started = Date.now();
    const scanNow = () => panel.$eval('[data-testid="summary"]', (e) => e.getAttribute('data-scan') ?? '');
    while (Date.now() - started < 10_000 && (await scanNow()) === before) await new Promise((resolve) => setTimeout(resolve, 25));
    if ((await scanNow()) !== before || attempt >= 3) return settledScanAfter(panel, mark, timeoutMs);
  }
}

/** Navigates the inspected page and answers the summary of the scan the panel starts by itself. */
export async function navigateAndScan(page: Page, panel: Frame | Page, url: string, timeoutMs = 60_000): Promise<SummaryEntry> {
  const mark = await probeMark(panel);
  await page.goto(url);
  return settledScanAfter(panel, mark, timeoutMs);
}

export async function longTasksSince(panel: Frame | Page, mark: { t: number }): Promise<LongTask[]> {
  return panel.evaluate((t) => (window as unknown as { __probe: Probe }).__probe.longTasks.filter((task) => task.start >= t), mark.t);
}

/** Starts recording long tasks in another page (the DevTools window itself). */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks?: LongTask[] };
    if (w.__longTasks) return;
    const tasks: LongTask[] = [];
    w.__longTasks = tasks;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask' });
  });
}

export async function recordedLongTasks(page: Page, since: number): Promise<LongTask[]> {
  return page.evaluate((t) => ((window as unknown as { __longTasks?: LongTask[] }).__longTasks ?? []).filter((task) => task.start >= t), since);
}

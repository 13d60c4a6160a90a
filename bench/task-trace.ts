/**
 * How much of a long task the panel's thread spent on the CPU. The Long Tasks API gives a
 * task's wall time only; on a machine with two cores, where the page's walk, the browser
 * process and DevTools all want a core at once, a task can wait for the CPU far longer than
 * it runs. Chrome's trace has both for every task (`ThreadControllerImpl::RunTask`: `dur` is wall time, `tdur`
 * the thread's CPU time), so one traced refresh tells the two apart.
 *
 * The panel runs in the extension's renderer process (Chrome starts it with
 * `--extension-process`), on its main thread.
 * Linux only (the process is found in /proc); elsewhere the figure is left out.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';

export interface TracedTasks {
  /** Tasks of 50 ms or more on the panel's thread, longest first: wall and CPU time, ms. */
  tasks: { wallMs: number; cpuMs: number }[];
  /** The most CPU any one task of the thread used, long or not. */
  maxCpuMs: number;
}

/** A task of the thread's scheduler: its name in the `toplevel` category (older Chromes: RunTask). */
const TASK_EVENTS = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
}

/** The pids of the extension renderer processes (Linux; none elsewhere). */
function extensionProcessPids(): Set<number> {
  const pids = new Set<number>();
  if (process.platform !== 'linux') return pids;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('--type=renderer') && cmdline.includes('--extension-process')) pids.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Runs `work` while Chrome traces its tasks; returns the long tasks of the panel's thread. */
export async function traceTasks<T>(browser: Browser, work: () => Promise<T>): Promise<{ result: T; traced: TracedTasks | null }> {
  const pids = extensionProcessPids();
  if (pids.size === 0) return { result: await work(), traced: null };
  const session = await browser.target().createCDPSession();
  const events: TraceEvent[] = [];
  session.on('Tracing.dataCollected', (event: { value: TraceEvent[] }) => {
    for (const e of event.value) if (pids.has(e.pid)) events.push(e);
  });
  // Only the task events: the trace itself must cost next to nothing.
  await session.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel'] }, transferMode: 'ReportEvents' });
  let result: T;
  try {
    result = await work();
  } finally {
    const complete = new Promise((resolve) => session.once('Tracing.tracingComplete', resolve));
    await session.send('Tracing.end');
    await complete;
    await session.detach();
  }
  // The main thread of the busiest extension process: the panel's (another extension process, if any, idles).
  // On Linux a process's main thread has the process's id (`CrRendererMain` in the trace).
  const mains = [...pids].map((pid) => ({ pid, tid: pid }));
  const tasksOf = (main: { pid: number; tid: number }) => events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && TASK_EVENTS.has(e.name) && e.dur !== undefined);
  const cpuOf = (runs: TraceEvent[]) => runs.reduce((sum, e) => sum + (e.tdur ?? 0), 0);
  const runs = mains.map(tasksOf).sort((a, b) => cpuOf(b) - cpuOf(a))[0];
  if (!runs || runs.length === 0) return { result, traced: null };
  const tasks = runs
    .filter((e) => (e.dur ?? 0) >= 50_000)
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }))
    .sort((a, b) => b.wallMs - a.wallMs);
  const maxCpuMs = runs.reduce((max, e) => Math.max(max, (e.tdur ?? 0) / 1000), 0);
  return { result, traced: { tasks, maxCpuMs } };
}

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
import { processKind } from './machine';

export interface TracedTask {
  wallMs: number;
  cpuMs: number;
  ts: number;
  /** With `detail`: the task's outermost inner events (Layout, a function call, …) by name, CPU ms, most first. */
  inside?: { name: string; cpuMs: number }[];
  /** With `detail`: the layout objects of the task's layouts, dirty of all (how much of the page was laid out again). */
  layouts?: { dirty: number; total: number }[];
}

export interface TracedTasks {
  /** Tasks of 50 ms or more on the panel's thread, longest first: wall and CPU time, ms; start on the trace's clock, µs. */
  tasks: TracedTask[];
  /** The tasks that used the most CPU, most first (what the panel's own work can shorten). */
  busiest: TracedTask[];
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
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { beginData?: { dirtyObjects?: number; totalObjects?: number } };
}

/** The pids of the extension renderer processes (Linux; none elsewhere). */
function extensionProcessPids(): Set<number> {
  const pids = new Set<number>();
  if (process.platform !== 'linux') return pids;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (processKind(readFileSync(`/proc/${entry}/cmdline`, 'utf8')) === 'extensions') pids.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Categories of the events inside a task (style, layout, script, IPC), traced with `detail`. */
const DETAIL_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'v8', 'ipc', 'mojom'];

/**
 * Runs `work` while Chrome traces its tasks; returns the long tasks of the panel's thread.
 * `detail` traces what happens inside each task too (costs more: for finding where time goes, not for figures).
 */
export async function traceTasks<T>(browser: Browser, work: () => Promise<T>, options: { detail?: boolean } = {}): Promise<{ result: T; traced: TracedTasks | null }> {
  const pids = extensionProcessPids();
  if (pids.size === 0) return { result: await work(), traced: null };
  const session = await browser.target().createCDPSession();
  const events: TraceEvent[] = [];
  session.on('Tracing.dataCollected', (event: { value: TraceEvent[] }) => {
    for (const e of event.value) if (pids.has(e.pid)) events.push(e);
  });
  // Only the task events: the trace itself must cost next to nothing.
  const includedCategories = options.detail ? ['toplevel', ...DETAIL_CATEGORIES] : ['toplevel'];
  await session.send('Tracing.start', { traceConfig: { includedCategories }, transferMode: 'ReportEvents' });
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
  const tasksOf = (main: { pid: number; tid: number }) => {
    const all = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && TASK_EVENTS.has(e.name) && e.dur !== undefined);
    // Only the outermost: the detailed trace names one task twice (`RunTask` inside `ThreadControllerImpl::RunTask`).
    all.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    let openUntil = -Infinity;
    return all.filter((e) => {
      if (e.ts < openUntil) return false;
      openUntil = e.ts + (e.dur ?? 0);
      return true;
    });
  };
  const cpuOf = (runs: TraceEvent[]) => runs.reduce((sum, e) => sum + (e.tdur ?? 0), 0);
  const runs = mains.map(tasksOf).sort((a, b) => cpuOf(b) - cpuOf(a))[0];
  if (!runs || runs.length === 0) return { result, traced: null };
  const task = (e: TraceEvent): TracedTask => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000, ts: e.ts });
  const tasks = runs
    .filter((e) => (e.dur ?? 0) >= 50_000)
    .map(task)
    .sort((a, b) => b.wallMs - a.wallMs);
  const busiest = runs
    .map(task)
    .sort((a, b) => b.cpuMs - a.cpuMs)
    .slice(0, 8);
  if (options.detail) {
    const thread = events.filter((e) => e.pid === runs[0].pid && e.tid === runs[0].tid && e.ph === 'X' && !TASK_EVENTS.has(e.name)).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    for (const t of busiest) {
      t.inside = outermost(thread, t.ts, t.ts + t.wallMs * 1000);
      const layouts = events.filter((e) => e.pid === runs[0].pid && e.tid === runs[0].tid && e.name === 'Layout' && e.ts >= t.ts && e.ts < t.ts + t.wallMs * 1000);
      t.layouts = layouts.map((e) => ({ dirty: e.args?.beginData?.dirtyObjects ?? 0, total: e.args?.beginData?.totalObjects ?? 0 }));
    }
  }
  return { result, traced: { tasks, busiest, maxCpuMs: busiest[0]?.cpuMs ?? 0 } };
}

/** The events within [from, to), CPU by name of what each event did itself (its own time less its inner events'), most first. */
function outermost(sorted: TraceEvent[], from: number, to: number): { name: string; cpuMs: number }[] {
  const inside = sorted.filter((e) => e.ts >= from && e.ts < to);
  const cost = (e: TraceEvent) => e.tdur ?? e.dur ?? 0;
  const self = new Map<TraceEvent, number>(inside.map((e) => [e, cost(e)]));
  const open: TraceEvent[] = [];
  for (const e of inside) {
    while (open.length > 0 && e.ts >= open.at(-1)!.ts + (open.at(-1)!.dur ?? 0)) open.pop();
    const parent = open.at(-1);
    if (parent) self.set(parent, self.get(parent)! - cost(e));
    open.push(e);
  }
  const byName = new Map<string, number>();
  for (const [e, us] of self) byName.set(e.name, (byName.get(e.name) ?? 0) + us / 1000);
  return [...byName].map(([name, cpuMs]) => ({ name, cpuMs })).sort((a, b) => b.cpuMs - a.cpuMs);
}

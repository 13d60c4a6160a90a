/**
 * Resident memory of the extension's renderer process (Linux /proc), where the offscreen
 * document, DuckDB's worker and parquet-wasm live. Typed-array and WASM data do not show
 * in the JS heap, so RSS is the honest measure (PLATFORM-NOTES).
 *
 * The process is found without guessing by name: CDP `SystemInfo.getProcessInfo` on the
 * browser session lists this browser's renderer process ids; of those, the one whose
 * command line carries `--extension-process` hosts the extension's pages. Its peak RSS
 * is read as VmHWM after resetting it (`echo 5 > /proc/<pid>/clear_refs`); where that is
 * not allowed, a 20 ms sampler of VmRSS gives the peak instead.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import type { CDPSession } from 'puppeteer-core';
import { clockTicks, processKind, procStat } from './machine';

export async function extensionRendererPids(cdp: CDPSession): Promise<number[]> {
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  return info.processInfo
    .filter((p) => p.type === 'renderer')
    .map((p) => p.id)
    .filter((pid) => {
      try {
        return processKind(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) === 'extensions';
      } catch {
        return false;
      }
    });
}

/**
 * The extension renderer process that hosts the offscreen document. Chromium puts an
 * extension's pages in one process; should it ever use several, the largest is the one
 * holding DuckDB (call after the engine started). `candidates` says how many there were.
 */
export async function offscreenRendererPid(cdp: CDPSession): Promise<{ pid: number; candidates: number }> {
  const pids = await extensionRendererPids(cdp);
  if (pids.length === 0) throw new Error('No extension renderer process found (SystemInfo.getProcessInfo + /proc/<pid>/cmdline).');
  const largest = pids.map((pid) => ({ pid, rss: rssBytes(pid) })).sort((a, b) => b.rss - a.rss)[0];
  return { pid: largest.pid, candidates: pids.length };
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`No ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

export function rssBytes(pid: number): number {
  return statusKiB(pid, 'VmRSS') * 1024;
}

/** Tracks the peak RSS of `pid` over a stretch of work. */
export class PeakRss {
  private sampled = 0;
  private readonly timer: NodeJS.Timeout;
  readonly before: number;
  /** Whether the kernel's own peak (VmHWM) could be reset for this stretch. */
  readonly exact: boolean;

  constructor(private readonly pid: number) {
    let exact = false;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      exact = true;
    } catch {
      // Not allowed (not root, or an old kernel): fall back to sampling.
    }
    this.exact = exact;
    this.before = rssBytes(pid);
    this.sampled = this.before;
    this.timer = setInterval(() => {
      try {
        this.sampled = Math.max(this.sampled, rssBytes(pid));
      } catch {
        // the process went away; stop() reports what was seen
      }
    }, 20);
  }

  private result: { before: number; peak: number; after: number; exact: boolean } | undefined;

  /** Stops tracking (once; later calls return the same); returns the peak RSS seen (bytes) and the RSS before. */
  stop(): { before: number; peak: number; after: number; exact: boolean } {
    if (this.result) return this.result;
    clearInterval(this.timer);
    const after = rssBytes(this.pid);
    const hwm = this.exact ? statusKiB(this.pid, 'VmHWM') * 1024 : 0;
    this.result = { before: this.before, peak: Math.max(hwm, this.sampled, after), after, exact: this.exact };
    return this.result;
  }
}

/** CPU time of each thread of `pid`, by thread id: its name and user + system time in ms (Linux /proc; empty elsewhere). */
export function threadCpu(pid: number): Map<number, { name: string; cpuMs: number }> {
  const threads = new Map<number, { name: string; cpuMs: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    const stat = procStat(`/proc/${pid}/task/${tid}/stat`);
    if (stat) threads.set(Number(tid), { name: stat.name, cpuMs: (stat.cpuTicks * 1000) / clockTicks() });
  }
  return threads;
}

/** The CPU each thread used between two {@link threadCpu} readings, busiest first (threads under 10 ms left out). */
export function cpuBetween(before: Map<number, { name: string; cpuMs: number }>, after: Map<number, { name: string; cpuMs: number }>): { name: string; tid: number; cpuMs: number }[] {
  return [...after]
    .map(([tid, t]) => ({ name: t.name, tid, cpuMs: t.cpuMs - (before.get(tid)?.cpuMs ?? 0) }))
    .filter((t) => t.cpuMs >= 10)
    .sort((a, b) => b.cpuMs - a.cpuMs);
}

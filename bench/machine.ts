/** A description of the machine and software a run measured, stored with every figure. */
import { cpus, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface MachineDescription {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string;
  duckdbWasm: string;
  duckdbNative: string;
  parquetWasm: string;
  /** 1-minute load average when the run started, before it built anything: other work on a shared machine shows here. */
  loadAverageAtStart: number;
  /** 1-minute load average when the run ended: mostly the run's own work. */
  loadAverageAtEnd: number;
}

/** The 1-minute load average, to two decimals. */
export function loadNow(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

const NODE_MODULES = resolve(import.meta.dirname, '..', 'node_modules');

/** Read from node_modules directly: some packages' export maps hide their package.json. */
function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(NODE_MODULES, name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(chromiumVersion: string, duckdbWasmEngine: string, duckdbNativeEngine: string, loadAtStart: number): MachineDescription {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${process.arch}`,
    node: process.version,
    chromium: chromiumVersion,
    duckdbWasm: `@duckdb/duckdb-wasm ${packageVersion('@duckdb/duckdb-wasm')} (DuckDB ${duckdbWasmEngine})`,
    duckdbNative: `@duckdb/node-api ${packageVersion('@duckdb/node-api')} (DuckDB ${duckdbNativeEngine})`,
    parquetWasm: `parquet-wasm ${packageVersion('parquet-wasm')}`,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadNow(),
  };
}

export function machineLine(m: MachineDescription): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; ${m.chromium}; ${m.duckdbWasm}; ${m.duckdbNative}; ${m.parquetWasm}; load average at start ${m.loadAverageAtStart}, at end ${m.loadAverageAtEnd}`;
}

/**
 * Flushes every file system's dirty pages (`sync`) so that the next timed step starts from a
 * settled disk and does not pay for the writes of the step before it. Measured on this
 * machine (a Firecracker VM): 8 MiB written alone took 7–16 ms, but 160 MiB in a row ran at
 * 106 MB/s, and identical 8 MiB sync-access-handle writes in one worker took 2.8–134 ms
 * depending on what had been written just before. Without it, the exporter ran while the
 * kernel wrote back native DuckDB's Parquet file from the step before, and the import while
 * it wrote back the 106 MB CSV just staged into OPFS; native's own steps never did.
 * Best effort: where `sync` is missing the run goes on unsettled.
 */
export function settleDisk(): void {
  try {
    execFileSync('sync', { stdio: 'ignore', timeout: 60_000 });
  } catch {
    // No `sync` (not Linux or macOS): nothing to settle with.
  }
}

/** CAP_SYS_NICE's bit in /proc's capability masks (linux/capability.h). */
const CAP_SYS_NICE = 23n;

/**
 * What lets a process raise its threads' priority (proc(5), setpriority(2)): its effective
 * user, CAP_SYS_NICE among its effective capabilities, and its nice limit (RLIMIT_NICE: r
 * lets it go down to nice 20 − r). Chromium run as root puts its browser process's main
 * threads at nice −8, ahead of every renderer (see bench/README.md). Undefined where /proc
 * does not say (not Linux, the process gone).
 */
function raisingRights(pid: number): string | undefined {
  let status: string;
  let limits: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
    limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return undefined; // no /proc (not Linux), or the process is gone: nothing to say
  }
  const euid = /^Uid:\s*\d+\s+(\d+)/m.exec(status)?.[1];
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const niceLimit = /^Max nice priority\s+(\d+|unlimited)/m.exec(limits)?.[1];
  const capability = effective === undefined ? '?' : ((BigInt(`0x${effective}`) >> CAP_SYS_NICE) & 1n) === 1n ? 'yes' : 'no';
  return `euid ${euid ?? '?'}, CAP_SYS_NICE ${capability}, RLIMIT_NICE ${niceLimit ?? '?'}`;
}

/** What the bench reads of a process or thread in /proc: its name, parent, nice value and CPU time (clock ticks). */
interface ProcStat {
  name: string;
  ppid: number;
  nice: number;
  cpuTicks: number;
}

/** One process's or thread's fields from its /proc stat file (proc(5): after its name, which may hold spaces); undefined once it is gone. */
export function procStat(path: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread ended between listing and reading it
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // utime and stime (fields 14 and 15 of proc(5)), in clock ticks.
  return { name: text.slice(text.indexOf('(') + 1, close), ppid: Number(fields[1]), nice: Number(fields[16]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, asked once; 100 on every Linux we run on). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

type ProcessKind = 'browser' | 'extensions' | 'renderer' | 'gpu' | 'utility' | 'other';

/** What a Chromium child process is, from its command line (`/proc/<pid>/cmdline`; Chromium may rewrite it with spaces for NULs): the extensions' renderer carries `--extension-process`. */
export function processKind(cmdline: string): Exclude<ProcessKind, 'browser'> {
  const type = /--type=([a-z-]+)/.exec(cmdline)?.[1];
  if (type === 'renderer') return cmdline.includes('--extension-process') ? 'extensions' : 'renderer';
  return type === 'gpu-process' ? 'gpu' : type === 'utility' ? 'utility' : 'other';
}

/** The browser's process and its descendants (up to four generations: renderers sit under a zygote, deeper under a sandbox), read from /proc once. */
function browserProcesses(browserPid: number): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const name of procEntries('/proc')) {
    const stat = /^\d+$/.test(name) ? procStat(`/proc/${name}/stat`) : undefined;
    if (stat) stats.set(Number(name), stat);
  }
  const descends = (pid: number) => {
    if (pid === browserPid) return true;
    for (let at = stats.get(pid), generation = 0; at && generation < 4; at = stats.get(at.ppid), generation++) if (at.ppid === browserPid) return true;
    return false;
  };
  for (const pid of [...stats.keys()]) if (!descends(pid)) stats.delete(pid);
  return stats;
}

/** What a process of the browser is, from its command line (read once per process: it does not change). */
function kindReader(browserPid: number): (pid: number) => ProcessKind | undefined {
  const kinds = new Map<number, ProcessKind>();
  return (pid) => {
    if (pid === browserPid) return 'browser';
    if (!kinds.has(pid)) {
      try {
        kinds.set(pid, processKind(readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
      } catch {
        return undefined; // ended meanwhile
      }
    }
    return kinds.get(pid);
  };
}

/**
 * The CPU time each of a browser's processes uses between `start()` and `stop()`, summed over
 * any number of such windows: what holds the machine's cores while the panel's tasks wait for
 * one (see bench/README.md). A process that ends inside a window is not counted. The summary
 * names the busiest first: "browser 8.01 s, renderer 5.77 s, extensions 1.48 s…"; the
 * extensions' renderer hosts the panel, and other renderers (the page, DevTools' own) are
 * told apart only by how busy they are.
 */
export function cpuByProcess(browserPid: number): { start(): void; stop(): void; summary(): string } {
  const kindOf = kindReader(browserPid);
  const ticks = clockTicks();
  const used = new Map<number, number>();
  let started: Map<number, ProcStat> | undefined;
  return {
    start() {
      started = browserProcesses(browserPid);
    },
    stop() {
      if (!started) return;
      for (const [pid, stat] of browserProcesses(browserPid)) {
        kindOf(pid); // read while the process runs: it may end before the summary
        used.set(pid, (used.get(pid) ?? 0) + stat.cpuTicks - (started.get(pid)?.cpuTicks ?? 0));
      }
      started = undefined;
    },
    summary() {
      if (used.size === 0) return 'not read (no /proc)';
      return [...used]
        .filter(([, t]) => t > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([pid, t]) => `${kindOf(pid) ?? 'ended'} ${(t / ticks).toFixed(2)} s`)
        .join(', ');
    },
  };
}

/** The names in a /proc folder; none once its process is gone (or without /proc). */
function procEntries(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/**
 * Samples, every `everyMs` until stopped, the nice values of a browser's threads: every
 * thread of its own process and each renderer's main thread, read from /proc. What the
 * panel's long tasks wait behind depends on them (see bench/README.md). Stopping gives a
 * summary: the lowest and highest value seen per process, and what the browser process may do.
 */
export function samplePriorities(browserPid: number, everyMs = 2000): () => string {
  const browser = new Set<number>();
  const renderers = new Map<number, Set<number>>();
  const rights = raisingRights(browserPid);
  const kindOf = kindReader(browserPid);
  const sample = () => {
    for (const tid of procEntries(`/proc/${browserPid}/task`)) {
      const stat = procStat(`/proc/${browserPid}/task/${tid}/stat`);
      if (stat) browser.add(stat.nice);
    }
    for (const [pid, stat] of browserProcesses(browserPid)) {
      const kind = kindOf(pid);
      if (kind === 'renderer' || kind === 'extensions') renderers.set(pid, (renderers.get(pid) ?? new Set()).add(stat.nice));
    }
  };
  sample();
  // Never what keeps the bench running.
  const timer = setInterval(sample, everyMs).unref();
  const range = (values: Set<number>) => {
    const sorted = [...values].sort((a, b) => a - b).map((v) => String(v).replace('-', '−'));
    return sorted.length > 1 ? `${sorted[0]}…${sorted[sorted.length - 1]}` : (sorted[0] ?? '?');
  };
  return () => {
    clearInterval(timer);
    if (browser.size === 0) return 'not read (no /proc)';
    return `browser process (${rights ?? 'rights not read'}): threads ${range(browser)}; renderers' main threads ${[...renderers].map(([pid, values]) => (kindOf(pid) === 'extensions' ? `${range(values)} (extensions)` : range(values))).join(', ') || 'none found'}`;
  };
}

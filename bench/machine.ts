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
  /** 1-minute load average when the run started: other work on a shared machine shows here. */
  loadAverageAtStart: number;
  /** Whether Chromium could raise its threads' priority (see {@link mayRaisePriority}); absent where unknown. */
  chromiumMayRaisePriority?: boolean;
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

export function describeMachine(chromiumVersion: string, duckdbWasmEngine: string, duckdbNativeEngine: string): MachineDescription {
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
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
    chromiumMayRaisePriority: mayRaisePriority(),
  };
}

export function machineLine(m: MachineDescription): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; ${m.chromium}; ${m.duckdbWasm}; ${m.duckdbNative}; ${m.parquetWasm}; load average at start ${m.loadAverageAtStart}${m.chromiumMayRaisePriority === undefined ? '' : m.chromiumMayRaisePriority ? '; Chromium may raise its priority (CAP_SYS_NICE)' : '; Chromium may not raise its priority'}`;
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

/** CAP_SYS_NICE's bit in /proc's capability masks. */
const CAP_SYS_NICE = 23n;

/**
 * Whether a Chromium started from here may raise its own threads' priority (run as root, it
 * puts its browser process's main threads at nice −8, ahead of every renderer): with
 * CAP_SYS_NICE, or a nice limit (RLIMIT_NICE) above 20. A desktop user's Chromium usually
 * may not. Undefined where /proc does not say (not Linux).
 */
export function mayRaisePriority(): boolean | undefined {
  try {
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const niceLimit = /^Max nice priority\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    if (effective === undefined) return undefined;
    return ((BigInt(`0x${effective}`) >> CAP_SYS_NICE) & 1n) === 1n || niceLimit === 'unlimited' || Number(niceLimit) > 20;
  } catch {
    return undefined;
  }
}

/** One process's fields from /proc/<pid>/stat (after its name, which may hold spaces). */
function procStat(path: string): { ppid: number; nice: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), nice: Number(fields[16]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * Samples, every `everyMs` until stopped, the nice values of a browser's threads: its own
 * process's (all threads) and each renderer's main thread, read from /proc. What the panel's
 * long tasks wait behind depends on them (see bench/README.md). Stopping gives a summary,
 * e.g. "browser −8…0; renderers 0, 0, 5": each value seen at any sample.
 */
export function samplePriorities(browserPid: number, everyMs = 2000): () => string {
  const browser = new Set<number>();
  const renderers = new Map<number, Set<number>>();
  const sample = () => {
    let pids: number[];
    try {
      pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
    } catch {
      return;
    }
    for (const tid of readdirSafe(`/proc/${browserPid}/task`)) {
      const stat = procStat(`/proc/${browserPid}/task/${tid}/stat`);
      if (stat) browser.add(stat.nice);
    }
    for (const pid of pids) {
      const stat = procStat(`/proc/${pid}/stat`);
      if (stat?.ppid !== browserPid && !(stat && procStat(`/proc/${stat.ppid}/stat`)?.ppid === browserPid)) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (!cmdline.includes('--type=renderer')) continue;
      const seen = renderers.get(pid) ?? new Set<number>();
      seen.add(stat.nice);
      renderers.set(pid, seen);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  const range = (values: Set<number>) => {
    const sorted = [...values].sort((a, b) => a - b).map((v) => String(v).replace('-', '−'));
    return sorted.length > 1 ? `${sorted[0]}…${sorted[sorted.length - 1]}` : (sorted[0] ?? '?');
  };
  return () => {
    clearInterval(timer);
    if (browser.size === 0) return 'not read (no /proc)';
    return `browser threads ${range(browser)}; renderers' main threads ${[...renderers.values()].map(range).join(', ') || 'none found'}`;
  };
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

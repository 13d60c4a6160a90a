/** A description of the machine and software a run measured, stored with every figure. */
import { cpus, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  };
}

export function machineLine(m: MachineDescription): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; ${m.chromium}; ${m.duckdbWasm}; ${m.duckdbNative}; ${m.parquetWasm}; load average at start ${m.loadAverageAtStart}`;
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

/** A description of the machine and software a run measured, stored with every figure. */
import { cpus, loadavg, totalmem } from 'node:os';
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

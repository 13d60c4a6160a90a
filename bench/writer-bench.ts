/**
 * Parquet writer settings on the benchmark's data, in Node (no browser): one part of the
 * bench table (`rowsPerPart` rows, written by native DuckDB, read back into Arrow by
 * parquet-wasm) encoded by the engine's own encoder (src/engine/parquet-codec.ts) and by
 * the settings it does not use, each in the same run, against the v1 data pages it used
 * before; then decoded (what a restore does). Sizes are of the encoded part.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as parquetWasm from 'parquet-wasm/node';
import { startParquetWasm } from '../src/engine/parquet-codec';
import type { BenchConfig } from './config';
import { benchCsv, typedTableSql } from './data';
import { repeat, type Sample } from './stats';

export interface WriterVariant {
  name: string;
  encodeMs: Sample;
  decodeMs: Sample;
  bytes: number;
}

export interface WriterResult {
  rows: number;
  /** The engine's own settings first, then the v1 pages it wrote before, then the rest. */
  variants: WriterVariant[];
}

export async function runWriterBench(config: BenchConfig, log: (line: string) => void): Promise<WriterResult> {
  const rows = config.rowsPerPart;
  const csv = await benchCsv(config.rowsSmall, config.seed);
  const work = mkdtempSync(join(tmpdir(), 'opfs-bench-writer-'));
  try {
    const part = join(work, 'part.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`CREATE TABLE loaded AS SELECT row_number() OVER () - 1 AS __row_id, * FROM read_csv('${csv.path}')`);
    await conn.run(typedTableSql('loaded', 'typed'));
    await conn.run(`COPY (SELECT * EXCLUDE (__row_id) FROM typed WHERE __row_id < ${rows}) TO '${part}' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
    const ipc = parquetWasm.readParquet(new Uint8Array(readFileSync(part))).intoIPCStream();

    const engine = await startParquetWasm(new Uint8Array(readFileSync(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm'))));
    const { Compression, Encoding, EnabledStatistics, Table, WriterPropertiesBuilder, WriterVersion, writeParquet } = parquetWasm;
    const v1 = () => new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(config.rowGroupSize).setDictionaryEnabled(false);
    const v2 = () => v1().setWriterVersion(WriterVersion.V2);
    const other = (properties: () => InstanceType<typeof WriterPropertiesBuilder>) => () => writeParquet(Table.fromIPCStream(ipc), properties().build());
    const variants: [string, () => Uint8Array][] = [
      ['the engine: v2 pages, text delta-length', () => engine.encode(ipc, { rowGroupSize: config.rowGroupSize, textColumns: ['label'] })],
      ['v1 pages (what the engine wrote before)', other(v1)],
      ['v1 pages, chunk statistics only', other(() => v1().setStatisticsEnabled(EnabledStatistics.Chunk))],
      ['v1 pages, 8 MiB data pages', other(() => v1().setDataPageSizeLimit(8 * 1024 * 1024))],
      ['v1 pages, dictionary for the text column', other(() => v1().setColumnDictionaryEnabled('label', true))],
      ['v2 pages, every default (text prefix-delta)', other(v2)],
      ['v2 pages, plain encodings', other(() => v2().setEncoding(Encoding.PLAIN))],
    ];
    const result: WriterResult = { rows, variants: [] };
    for (const [name, encode] of variants) {
      let bytes: Uint8Array = new Uint8Array();
      const encodeMs = await repeat(config, async () => {
        const started = performance.now();
        bytes = encode();
        return performance.now() - started;
      });
      const decodeMs = await repeat(config, async () => {
        const started = performance.now();
        engine.decode(bytes);
        return performance.now() - started;
      });
      result.variants.push({ name, encodeMs, decodeMs, bytes: bytes.byteLength });
      log(`  ${name}: encode ${encodeMs.median.toFixed(0)} ms, decode ${decodeMs.median.toFixed(0)} ms, ${(bytes.byteLength / 1e6).toFixed(2)} MB`);
    }
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

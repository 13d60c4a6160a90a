/**
 * The exporter lab (a plain web page, not the extension): the extension's own engine
 * modules from src/offscreen, imported unchanged, plus prototype variants of the export
 * loop, so that an idea can be measured against the real exporter on the same table
 * before anyone changes src/. Driven by bench/lab/run.ts through `window.lab`.
 *
 * Variants:
 *   real        exportTableToParquet from src/offscreen/exporter.ts, as the extension runs it
 *   pipelined   the same steps (part query → encode → write `.tmp` → read back and check →
 *               rename; manifest last), but DuckDB runs the next part's query in its worker
 *               while this part is encoded on the main thread, and a part's write and
 *               check overlap the next part's encoding (at most one write in flight)
 *   +sync       pipelined, writing through a sync access handle in a dedicated worker
 *   workers     pipelined, each part encoded and written (sync access handle) by one of N
 *               dedicated workers with their own parquet-wasm; the main thread queries,
 *               checks and renames. At most N parts in flight, plus the next query result
 *   settings    parquet-wasm writer settings, each timed on the same parts' Arrow IPC
 */
import { Table, writeParquet } from 'parquet-wasm/esm';
import { writerProperties } from './settings';
import { getDuckDB, queryArrowIPC, type DuckDBHost } from '../../src/offscreen/duckdb';
import { getParquetCodec, type ParquetCodec } from '../../src/offscreen/parquet-codec';
import { loadCsvIntoTable } from '../../src/offscreen/csv';
import { exportTableToParquet } from '../../src/offscreen/exporter';
import { tableChecksum, describeColumns } from '../../src/offscreen/tables';
import { checkParquet } from '../../src/parquet/footer';
import { renameFile, writeFile } from '../../src/opfs/fs';
import { manifestFileName, planParts, tempFileName, type PartPlan } from '../../src/snapshot/names';
import { MANIFEST_FORMAT_VERSION, serializeManifest } from '../../src/snapshot/manifest';
import type { SnapshotManifest, SnapshotPartInfo } from '../../src/protocol';

const TABLE = 'bench_t';
const SNAPSHOT_DIR = 'lab-snapshots';

/** The typed bench table, as bench/data.ts builds it (kept in step by hand: a lab, not a test). */
const TYPED_SQL =
  `CREATE OR REPLACE TABLE ${TABLE} AS SELECT "__row_id", id, qty::INTEGER AS qty, price, ` +
  `amount::DECIMAL(12,2) AS amount, label, day, ts, flag FROM bench_csv ORDER BY "__row_id"`;

let duck: DuckDBHost;
let codec: ParquetCodec;

async function snapshotDir(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(SNAPSHOT_DIR, { create: true });
}

async function clearSnapshots(): Promise<void> {
  await (await navigator.storage.getDirectory()).removeEntry(SNAPSHOT_DIR, { recursive: true }).catch(() => undefined);
}

function encodeWith(settings: string, ipc: Uint8Array, rowGroupSize: number): { bytes: Uint8Array; toWasmMs: number; encodeMs: number } {
  const t0 = performance.now();
  const table = Table.fromIPCStream(ipc);
  const t1 = performance.now();
  const bytes = writeParquet(table, writerProperties(settings, rowGroupSize));
  return { bytes, toWasmMs: t1 - t0, encodeMs: performance.now() - t1 };
}

// --- Parts, written and checked as the exporter does -----------------------------------

function partQuery(part: PartPlan): string {
  return `SELECT * EXCLUDE ("__row_id") FROM ${TABLE} WHERE "__row_id" >= ${part.firstRow} AND "__row_id" < ${part.endRow}`;
}

type PartWriter = (dir: FileSystemDirectoryHandle, name: string, bytes: Uint8Array<ArrayBuffer>) => Promise<FileSystemFileHandle>;

const createWritableWriter: PartWriter = (dir, name, bytes) => writeFile(dir, name, bytes);

let syncWorker: Worker | undefined;
let syncQueue: Promise<unknown> = Promise.resolve();

/** Writes through a sync access handle in a dedicated worker (the bytes are transferred). */
const syncHandleWriter: PartWriter = (dir, name, bytes) => {
  syncWorker ??= new Worker(new URL('./write-worker.ts', import.meta.url), { type: 'module' });
  const worker = syncWorker;
  const done = syncQueue.then(
    () =>
      new Promise<FileSystemFileHandle>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<{ ok: boolean; error?: string }>) => {
          if (event.data.ok) resolve(dir.getFileHandle(name));
          else reject(new Error(event.data.error));
        };
        worker.postMessage({ folder: SNAPSHOT_DIR, name, bytes }, [bytes.buffer]);
      }),
  );
  syncQueue = done.catch(() => undefined);
  return done;
};

async function writeCheckRename(dir: FileSystemDirectoryHandle, part: PartPlan, bytes: Uint8Array<ArrayBuffer>, writer: PartWriter): Promise<SnapshotPartInfo> {
  const expectedRows = part.endRow - part.firstRow;
  const byteLength = bytes.byteLength;
  const handle = await writer(dir, tempFileName(part.name), bytes);
  const check = await checkParquet(await handle.getFile());
  if (check.status !== 'ok' || check.bytes !== byteLength || check.rows !== expectedRows) throw new Error(`part ${part.name} did not verify: ${JSON.stringify(check)}`);
  await renameFile(handle, part.name);
  return { name: part.name, rows: expectedRows, bytes: byteLength };
}

async function commit(dir: FileSystemDirectoryHandle, manifest: SnapshotManifest): Promise<void> {
  const text = serializeManifest(manifest);
  const handle = await writeFile(dir, tempFileName(manifestFileName(manifest.snapshotId)), text);
  if ((await (await handle.getFile()).text()) !== text) throw new Error('manifest did not read back');
  await renameFile(handle, manifestFileName(manifest.snapshotId));
}

/**
 * The prototype: same steps and checks as the exporter, overlapped. In flight at most:
 * the next part's query result, this part's Parquet bytes, and the previous part's write.
 */
async function pipelinedExport(snapshotId: string, rowsPerPart: number, rowGroupSize: number, writer: PartWriter, settings: string): Promise<{ encodeMs: number; waitMs: number; bytes: number }> {
  const dir = await snapshotDir();
  const { rowCount, checksum } = await tableChecksum(duck, TABLE);
  const schema = await describeColumns(duck, TABLE);
  const plan = planParts(snapshotId, rowCount, rowsPerPart);
  const parts: SnapshotPartInfo[] = [];
  let encodeMs = 0;
  let waitMs = 0;
  let nextIpc: Promise<Uint8Array> | undefined = queryArrowIPC(duck, partQuery(plan[0]!));
  let writing: Promise<void> = Promise.resolve();
  for (const [i, part] of plan.entries()) {
    const w0 = performance.now();
    const ipc = await nextIpc!;
    waitMs += performance.now() - w0;
    // DuckDB's worker starts on the next part while this thread encodes this one.
    nextIpc = plan[i + 1] ? queryArrowIPC(duck, partQuery(plan[i + 1]!)) : undefined;
    const e0 = performance.now();
    const { bytes } = encodeWith(settings, ipc, rowGroupSize);
    encodeMs += performance.now() - e0;
    const w1 = performance.now();
    await writing;
    waitMs += performance.now() - w1;
    writing = writeCheckRename(dir, part, bytes as Uint8Array<ArrayBuffer>, writer).then((info) => {
      parts[part.index] = info;
    });
  }
  await writing;
  await commit(dir, {
    formatVersion: MANIFEST_FORMAT_VERSION,
    snapshotId,
    sourceName: 'lab',
    rowCount,
    schema,
    parts,
    checksum: { algorithm: 'duckdb-hash-sum-v1', value: checksum },
    compression: 'ZSTD',
    rowGroupSize,
    rowsPerPart,
    createdAt: new Date().toISOString(),
  });
  return { encodeMs, waitMs, bytes: parts.reduce((s, p) => s + p.bytes, 0) };
}

/** A pool of encode-and-write workers (bench/lab/encode-worker.ts). */
class EncoderPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: { bytes: number; encodeMs: number; writeMs: number }) => void; reject: (e: Error) => void }>();

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./encode-worker.ts', import.meta.url), { type: 'module' });
      worker.onmessage = (event: MessageEvent<{ id: number; ok: boolean; error?: string; bytes: number; encodeMs: number; writeMs: number }>) => {
        const job = this.pending.get(event.data.id);
        this.pending.delete(event.data.id);
        this.release(worker);
        if (event.data.ok) job?.resolve(event.data);
        else job?.reject(new Error(event.data.error));
      };
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  /** Waits for a free worker (this is what bounds the parts in flight). */
  acquire(): Promise<Worker> {
    const worker = this.idle.pop();
    return worker ? Promise.resolve(worker) : new Promise((resolve) => this.waiting.push(resolve));
  }

  run(worker: Worker, ipc: Uint8Array, rowGroupSize: number, settings: string, name: string): Promise<{ bytes: number; encodeMs: number; writeMs: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The IPC view may share its buffer with nothing else (queryArrowIPC's result): transfer it.
      const copy = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
      worker.postMessage({ id, ipc: copy, rowGroupSize, settings, folder: SNAPSHOT_DIR, name }, [copy.buffer]);
    });
  }

  terminate(): void {
    for (const worker of this.workers) worker.terminate();
  }
}

const pools = new Map<number, EncoderPool>();

async function workerExport(snapshotId: string, rowsPerPart: number, rowGroupSize: number, poolSize: number, settings: string): Promise<{ encodeMs: number; waitMs: number; bytes: number }> {
  let pool = pools.get(poolSize);
  if (!pool) pools.set(poolSize, (pool = new EncoderPool(poolSize)));
  const dir = await snapshotDir();
  const { rowCount, checksum } = await tableChecksum(duck, TABLE);
  const schema = await describeColumns(duck, TABLE);
  const plan = planParts(snapshotId, rowCount, rowsPerPart);
  const parts: SnapshotPartInfo[] = [];
  let encodeMs = 0;
  let waitMs = 0;
  const inFlight: Promise<void>[] = [];
  let nextIpc: Promise<Uint8Array> | undefined = queryArrowIPC(duck, partQuery(plan[0]!));
  for (const [i, part] of plan.entries()) {
    const w0 = performance.now();
    const ipc = await nextIpc!;
    const worker = await pool.acquire();
    waitMs += performance.now() - w0;
    nextIpc = plan[i + 1] ? queryArrowIPC(duck, partQuery(plan[i + 1]!)) : undefined;
    const tempName = tempFileName(part.name);
    inFlight.push(
      pool.run(worker, ipc, rowGroupSize, settings, tempName).then(async (written) => {
        encodeMs += written.encodeMs;
        const handle = await dir.getFileHandle(tempName);
        const check = await checkParquet(await handle.getFile());
        const expectedRows = part.endRow - part.firstRow;
        if (check.status !== 'ok' || check.bytes !== written.bytes || check.rows !== expectedRows) throw new Error(`part ${part.name} did not verify: ${JSON.stringify(check)}`);
        await renameFile(handle, part.name);
        parts[part.index] = { name: part.name, rows: expectedRows, bytes: written.bytes };
      }),
    );
  }
  await Promise.all(inFlight);
  await commit(dir, {
    formatVersion: MANIFEST_FORMAT_VERSION,
    snapshotId,
    sourceName: 'lab',
    rowCount,
    schema,
    parts,
    checksum: { algorithm: 'duckdb-hash-sum-v1', value: checksum },
    compression: 'ZSTD',
    rowGroupSize,
    rowsPerPart,
    createdAt: new Date().toISOString(),
  });
  return { encodeMs, waitMs, bytes: parts.reduce((s, p) => s + p.bytes, 0) };
}

// --- What run.ts calls ------------------------------------------------------------------

const lab = {
  async setup(csvUrl: string): Promise<{ rows: number; startMs: number; loadMs: number }> {
    const t0 = performance.now();
    [duck, codec] = await Promise.all([getDuckDB(), getParquetCodec()]);
    const t1 = performance.now();
    const staging = await (await navigator.storage.getDirectory()).getDirectoryHandle('lab-staging', { create: true });
    const handle = await staging.getFileHandle('bench.csv', { create: true });
    const response = await fetch(csvUrl);
    if (!response.ok || !response.body) throw new Error(`fetch ${csvUrl}: ${response.status}`);
    await response.body.pipeTo(await handle.createWritable());
    const loaded = await loadCsvIntoTable(duck, handle, 'bench_csv');
    await duck.conn.query(TYPED_SQL);
    await duck.conn.query('DROP TABLE bench_csv');
    await (await navigator.storage.getDirectory()).removeEntry('lab-staging', { recursive: true });
    await clearSnapshots();
    return { rows: loaded.rowCount, startMs: t1 - t0, loadMs: performance.now() - t1 };
  },

  /** The extension's exporter, unchanged; encode time measured by wrapping its codec. */
  async exportReal(snapshotId: string, rowsPerPart: number, rowGroupSize: number): Promise<{ ms: number; encodeMs: number; bytes: number }> {
    let encodeMs = 0;
    const timedCodec: ParquetCodec = {
      encode(ipc, settings) {
        const t = performance.now();
        try {
          return codec.encode(ipc, settings);
        } finally {
          encodeMs += performance.now() - t;
        }
      },
      decode: (parquet) => codec.decode(parquet),
    };
    const dir = await snapshotDir();
    const t0 = performance.now();
    const manifest = await exportTableToParquet({ duck, codec: timedCodec, dir }, { table: TABLE, snapshotId, sourceName: 'lab', options: { rowsPerPart, rowGroupSize } });
    const ms = performance.now() - t0;
    await clearSnapshots();
    return { ms, encodeMs, bytes: manifest.parts.reduce((s, p) => s + p.bytes, 0) };
  },

  async exportPipelined(snapshotId: string, rowsPerPart: number, rowGroupSize: number, writer: 'createWritable' | 'syncHandle', settings = 'current'): Promise<{ ms: number; encodeMs: number; waitMs: number; bytes: number }> {
    const t0 = performance.now();
    const result = await pipelinedExport(snapshotId, rowsPerPart, rowGroupSize, writer === 'syncHandle' ? syncHandleWriter : createWritableWriter, settings);
    const ms = performance.now() - t0;
    await clearSnapshots();
    return { ms, ...result };
  },

  async exportWorkers(snapshotId: string, rowsPerPart: number, rowGroupSize: number, poolSize: number, settings = 'current'): Promise<{ ms: number; encodeMs: number; waitMs: number; bytes: number }> {
    const t0 = performance.now();
    const result = await workerExport(snapshotId, rowsPerPart, rowGroupSize, poolSize, settings);
    const ms = performance.now() - t0;
    await clearSnapshots();
    return { ms, ...result };
  },

  /** One part encoded with `settings`, as base64, for an independent reader to check. */
  async encodedPart(rowsPerPart: number, rowGroupSize: number, settings: string): Promise<string> {
    const [part] = planParts('lab', rowsPerPart, rowsPerPart);
    const { bytes } = encodeWith(settings, await queryArrowIPC(duck, partQuery(part!)), rowGroupSize);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  },

  /** Encodes the first `parts` parts with each setting; per setting, the total ms of each run and the bytes. */
  async encodeSettings(rowsPerPart: number, rowGroupSize: number, parts: number, settings: string[], runs: number): Promise<Record<string, { encodeMs: number[]; toWasmMs: number[]; bytes: number }>> {
    const plan = planParts('lab', parts * rowsPerPart, rowsPerPart);
    const ipcs: Uint8Array[] = [];
    for (const part of plan) ipcs.push((await queryArrowIPC(duck, partQuery(part))).slice());
    const out: Record<string, { encodeMs: number[]; toWasmMs: number[]; bytes: number }> = {};
    for (const name of settings) out[name] = { encodeMs: [], toWasmMs: [], bytes: 0 };
    // Interleaved: each run encodes every setting once, so drift hits all alike. Run 0 warms up.
    for (let run = 0; run <= runs; run++) {
      for (const name of settings) {
        let encodeMs = 0;
        let toWasmMs = 0;
        let bytes = 0;
        for (const ipc of ipcs) {
          const r = encodeWith(name, ipc, rowGroupSize);
          encodeMs += r.encodeMs;
          toWasmMs += r.toWasmMs;
          bytes += r.bytes.byteLength;
        }
        if (run > 0) {
          out[name]!.encodeMs.push(encodeMs);
          out[name]!.toWasmMs.push(toWasmMs);
        }
        out[name]!.bytes = bytes;
      }
    }
    return out;
  },
};

(window as unknown as { lab: typeof lab }).lab = lab;
document.body.dataset.ready = 'true';

/**
 * Where an export's time goes, from the progress events it emits (timestamped where they
 * arrive), the requests DuckDB's worker served (timed inside the worker) and the calls
 * into parquet-wasm (timed on the offscreen document's main thread):
 *
 *   start ─ counting ─ encoding(part 0) ─ writing ─ verifying ─ encoding(part 1) … committing ─ reply
 *
 *   before      request → first event: messaging, lock, listing `snapshots/`, table check
 *   checksum    counting → first part: row count and content checksum, schema
 *   query       DuckDB running the part query and serialising its result as Arrow IPC
 *               (inside the worker)
 *   toWasm      `Table.fromIPCStream`: the IPC bytes copied into parquet-wasm and parsed
 *   encode      `writeParquet`: Parquet encoding and ZSTD
 *   other       the rest of each encoding window: the result crossing from the worker,
 *               copying the Parquet bytes out of WASM memory, event latency
 *   write       writing → verifying: `createWritable`, `write`, `close` of `<part>.tmp`
 *   verify      verifying → next part: read back (size, magic, footer), rename
 *   commit      committing → reply: manifest written, read back, renamed, reply delivered
 *
 * Part queries and codec calls are matched to parts by their order (the exporter does one
 * of each per part, one part at a time), not by timestamps: events are stamped on arrival
 * in another process, a few ms after they were sent.
 */
import type { CodecCall, TimedProgress, WorkerRequest } from './extension';

export const EXPORT_PHASES = ['before', 'checksum', 'query', 'toWasm', 'encode', 'other', 'write', 'verify', 'commit'] as const;
export type ExportPhase = (typeof EXPORT_PHASES)[number];

export interface ExportBreakdown {
  totalMs: number;
  phases: Record<ExportPhase, number>;
  parts: number;
  /** Part queries seen in DuckDB's worker (0 if the worker could not be instrumented). */
  partQueries: number;
  /** Encodes seen in parquet-wasm (0 if it could not be instrumented). */
  encodes: number;
  /** Per part: query ms, in part order (shows OFFSET's growth). */
  queryPerPart: number[];
}

/** The exporter's part query, as written (a row-id range) or as rewritten (OFFSET). */
const PART_QUERY = /WHERE "__row_id" >= \d+ AND "__row_id" < \d+$|ORDER BY "__row_id" LIMIT \d+ OFFSET \d+$/;

const duration = (r: { start: number; end: number }) => r.end - r.start;

export function exportBreakdown(events: TimedProgress[], log: WorkerRequest[], codec: CodecCall[], callStart: number, callEnd: number): ExportBreakdown {
  const phases = Object.fromEntries(EXPORT_PHASES.map((p) => [p, 0])) as Record<ExportPhase, number>;
  const counting = events.find((e) => e.phase === 'counting');
  const committing = events.find((e) => e.phase === 'committing');
  phases.before = (counting?.at ?? callStart) - callStart;
  const encodings = events.filter((e) => e.phase === 'encoding');
  if (counting && encodings[0]) phases.checksum = encodings[0].at - counting.at;
  const partQueries = log.filter((r) => r.type === 'RUN_QUERY' && r.sql !== undefined && PART_QUERY.test(r.sql));
  const toWasm = codec.filter((c) => c.name === 'table_fromIPCStream');
  const encodes = codec.filter((c) => c.name === 'writeParquet');
  const queryPerPart: number[] = [];
  for (const [i, encoding] of encodings.entries()) {
    const writing = events.find((e) => e.phase === 'writing' && e.part === encoding.part && e.at >= encoding.at);
    const verifying = events.find((e) => e.phase === 'verifying' && e.part === encoding.part && e.at >= (writing?.at ?? encoding.at));
    const next = encodings[i + 1]?.at ?? committing?.at ?? callEnd;
    if (!writing || !verifying) continue;
    const query = partQueries[i] ? duration(partQueries[i]) : 0;
    const ipc = toWasm[i] ? duration(toWasm[i]) : 0;
    const encode = encodes[i] ? duration(encodes[i]) : 0;
    queryPerPart.push(query);
    phases.query += query;
    phases.toWasm += ipc;
    phases.encode += encode;
    phases.other += writing.at - encoding.at - query - ipc - encode;
    phases.write += verifying.at - writing.at;
    phases.verify += next - verifying.at;
  }
  if (committing) phases.commit = callEnd - committing.at;
  return { totalMs: callEnd - callStart, phases, parts: encodings.length, partQueries: partQueries.length, encodes: encodes.length, queryPerPart };
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Element-wise median of several breakdowns (each phase on its own). */
export function medianBreakdown(list: ExportBreakdown[]): ExportBreakdown {
  const phases = Object.fromEntries(EXPORT_PHASES.map((k) => [k, median(list.map((b) => b.phases[k]))])) as Record<ExportPhase, number>;
  const parts = list[0].parts;
  return {
    totalMs: median(list.map((b) => b.totalMs)),
    phases,
    parts,
    partQueries: Math.min(...list.map((b) => b.partQueries)),
    encodes: Math.min(...list.map((b) => b.encodes)),
    queryPerPart: Array.from({ length: parts }, (_, i) => median(list.map((b) => b.queryPerPart[i] ?? 0))),
  };
}

export const RESTORE_PHASES = ['decode', 'toIpc', 'insert', 'number', 'checksum', 'other'] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/**
 * Where a restore's time goes:
 *   decode    parquet-wasm `readParquet` (main thread)
 *   toIpc     `Table.intoIPCStream` (main thread)
 *   insert    DuckDB inserting each part's Arrow IPC stream (worker)
 *   number    DuckDB copying each row group into the table being built, its row id added (worker)
 *   checksum  DuckDB count and hash sum (worker)
 *   other     reading the files from OPFS, moving bytes between threads, messaging
 */
export function restoreBreakdown(log: WorkerRequest[], codec: CodecCall[], totalMs: number): Record<RestorePhase, number> & { totalMs: number } {
  const sum = (list: { start: number; end: number }[]) => list.reduce((acc, r) => acc + duration(r), 0);
  const phases = {
    decode: sum(codec.filter((c) => c.name === 'readParquet')),
    toIpc: sum(codec.filter((c) => c.name === 'table_intoIPCStream')),
    insert: sum(log.filter((r) => r.type.startsWith('INSERT_ARROW'))),
    number: sum(log.filter((r) => r.type === 'RUN_QUERY' && /^(CREATE TABLE|INSERT INTO) "__restore_/.test(r.sql ?? ''))),
    checksum: sum(log.filter((r) => r.type === 'RUN_QUERY' && /sum\(hash\(/.test(r.sql ?? ''))),
    other: 0,
  };
  phases.other = totalMs - phases.decode - phases.toIpc - phases.insert - phases.number - phases.checksum;
  return { totalMs, ...phases };
}

export function medianRestoreBreakdown(list: ReturnType<typeof restoreBreakdown>[]): ReturnType<typeof restoreBreakdown> {
  const keys = ['totalMs', ...RESTORE_PHASES] as const;
  return Object.fromEntries(keys.map((k) => [k, median(list.map((b) => b[k]))])) as ReturnType<typeof restoreBreakdown>;
}

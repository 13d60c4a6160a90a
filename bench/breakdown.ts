/**
 * Where an export's time goes, from the progress events it emits (timestamped where they
 * arrive), the requests DuckDB's worker served (timed inside the worker) and the requests
 * the Parquet codec's worker served (timed from the offscreen document, send to reply).
 *
 * The exporter overlaps its stages (src/engine/pipeline.ts): DuckDB queries part i+1 while
 * part i is encoded and written, and part i−1 is read back and verified. So each figure
 * below is the time one stage was busy, summed over the parts; they add up to more than
 * the total, and `overlap` says by how much (busy time of every stage − total: the work
 * done in parallel).
 *
 *   before      request → first event: messaging, lock, listing `snapshots/`, table check
 *   count       counting → first part encoded: schema and row count (and, for a sorted
 *               export, the whole table's checksum)
 *   query       DuckDB running each part query and serialising it as Arrow IPC (its worker)
 *   checksum    DuckDB summing each part's row hashes (its worker)
 *   encode      the codec's worker taking the Arrow IPC in and encoding it (Parquet, ZSTD):
 *               its request's time from send to reply, less the write
 *   write       the codec's worker writing `<part>.tmp` through a sync access handle (timed
 *               by the worker)
 *   wait        writing → first verifying: the store waiting for its part's write to end
 *               (the codec's worker writes while the next part is encoded by the other
 *               one; it holds up the export only where it outlasts that encode)
 *   verify      first verifying → verified: the part read back (size, magic, footer), renamed
 *   commit      committing → reply: manifest written, read back, renamed, reply delivered
 */
import type { CodecCall, TimedProgress, WorkerRequest } from './extension';

export const EXPORT_PHASES = ['before', 'count', 'query', 'checksum', 'encode', 'write', 'wait', 'verify', 'commit', 'overlap'] as const;
export type ExportPhase = (typeof EXPORT_PHASES)[number];

export interface ExportBreakdown {
  totalMs: number;
  phases: Record<ExportPhase, number>;
  parts: number;
  /** Part queries seen in DuckDB's worker (0 if the worker could not be instrumented). */
  partQueries: number;
  /** Encode requests seen going to the codec's worker (0 if they could not be observed). */
  encodes: number;
  /** Per part: query ms, in part order (shows OFFSET's growth). */
  queryPerPart: number[];
  /** Per part, in the order the codec's workers answered: from encoded to written, and of that the wait for the file's open. */
  writePerPart: { writeMs: number; openWaitMs: number }[];
}

/** The exporter's part query (a row-id range, or the OFFSET strategy's), wrapped to leave out the row id. */
const PART_QUERY = /^SELECT \* EXCLUDE \("__row_id"\) FROM \(SELECT \* FROM /;
/** A part's checksum (the same rows, their hashes summed). */
const PART_CHECKSUM = /sum\(hash\(row\(.* FROM \(SELECT \* FROM /s;

const duration = (r: { start: number; end: number }) => r.end - r.start;
const total = (list: { start: number; end: number }[]) => list.reduce((sum, r) => sum + duration(r), 0);

export function exportBreakdown(events: TimedProgress[], log: WorkerRequest[], codec: CodecCall[], callStart: number, callEnd: number): ExportBreakdown {
  const phases = Object.fromEntries(EXPORT_PHASES.map((p) => [p, 0])) as Record<ExportPhase, number>;
  const counting = events.find((e) => e.phase === 'counting');
  const committing = events.find((e) => e.phase === 'committing');
  const encodings = events.filter((e) => e.phase === 'encoding');
  phases.before = (counting?.at ?? callStart) - callStart;
  if (counting && encodings[0]) phases.count = encodings[0].at - counting.at;
  const partQueries = log.filter((r) => r.type === 'RUN_QUERY' && r.sql !== undefined && PART_QUERY.test(r.sql));
  const encodes = codec.filter((c) => c.name === 'encode');
  phases.query = total(partQueries);
  phases.checksum = total(log.filter((r) => r.type === 'RUN_QUERY' && r.sql !== undefined && PART_CHECKSUM.test(r.sql)));
  phases.write = encodes.reduce((sum, c) => sum + c.writeMs, 0);
  phases.encode = total(encodes) - phases.write;
  // The exporter says 'encoding' for its first part only; 'writing' as it takes up a part the
  // codec wrote, and 'verifying' twice: before reading it back and once it is renamed.
  const writings = events.filter((e) => e.phase === 'writing');
  for (const writing of writings) {
    const verifying = events.filter((e) => e.phase === 'verifying' && e.part === writing.part && e.at >= writing.at);
    if (verifying.length === 0) continue;
    phases.wait += verifying[0].at - writing.at;
    phases.verify += verifying[verifying.length - 1].at - verifying[0].at;
  }
  if (committing) phases.commit = callEnd - committing.at;
  const busy = EXPORT_PHASES.filter((p) => p !== 'overlap').reduce((sum, p) => sum + phases[p], 0);
  phases.overlap = busy - (callEnd - callStart);
  return { totalMs: callEnd - callStart, phases, parts: writings.length, partQueries: partQueries.length, encodes: encodes.length, queryPerPart: partQueries.map(duration), writePerPart: encodes.map(({ writeMs, openWaitMs }) => ({ writeMs, openWaitMs })) };
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
    writePerPart: Array.from({ length: Math.min(...list.map((b) => b.writePerPart.length)) }, (_, i) => ({
      writeMs: median(list.map((b) => b.writePerPart[i].writeMs)),
      openWaitMs: median(list.map((b) => b.writePerPart[i].openWaitMs)),
    })),
  };
}

export const RESTORE_PHASES = ['decode', 'insert', 'number', 'checksum', 'other'] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/**
 * Where a restore's time goes (decoding overlaps DuckDB's work on the part before, so the
 * phases may add up to more than the total: then `other` is negative):
 *   decode    the codec's worker decoding each part's row groups into Arrow IPC, their row ids
 *             added (its own account, without the messages' crossing)
 *   insert    DuckDB inserting each row group's Arrow IPC stream (worker)
 *   number    DuckDB copying a row group from a scratch table into the table being built (the
 *             first one, which makes the table with the manifest's types) (worker)
 *   checksum  DuckDB count and hash sum (worker)
 *   other     reading the files from OPFS, moving bytes between threads, messaging
 */
export function restoreBreakdown(log: WorkerRequest[], codec: CodecCall[], totalMs: number): Record<RestorePhase, number> & { totalMs: number } {
  const sum = (list: { start: number; end: number }[]) => list.reduce((acc, r) => acc + duration(r), 0);
  const phases = {
    decode: codec.filter((c) => c.name === 'decode').reduce((acc, c) => acc + c.encodeMs, 0),
    insert: sum(log.filter((r) => r.type.startsWith('INSERT_ARROW'))),
    number: sum(log.filter((r) => r.type === 'RUN_QUERY' && /^(CREATE TABLE|INSERT INTO) "__restore_/.test(r.sql ?? ''))),
    checksum: sum(log.filter((r) => r.type === 'RUN_QUERY' && /sum\(hash\(/.test(r.sql ?? ''))),
    other: 0,
  };
  phases.other = totalMs - phases.decode - phases.insert - phases.number - phases.checksum;
  return { totalMs, ...phases };
}

export function medianRestoreBreakdown(list: ReturnType<typeof restoreBreakdown>[]): ReturnType<typeof restoreBreakdown> {
  const keys = ['totalMs', ...RESTORE_PHASES] as const;
  return Object.fromEntries(keys.map((k) => [k, median(list.map((b) => b[k]))])) as ReturnType<typeof restoreBreakdown>;
}

/**
 * The one protocol between the extension's contexts.
 *
 *   panel ──request──▶ background (service worker) ──forward──▶ offscreen document
 *   panel ◀──reply──── background ◀──────────reply──────────── offscreen document
 *   panel ◀───────────────── events (progress) ─────────────── offscreen document
 *
 * Every request type is declared once in {@link OffscreenApi} as `{ request, response }`;
 * senders (`src/messaging.ts`) and handlers are typed from this map, so the compiler
 * checks that every message has a handler and every reply has the right shape.
 *
 * `chrome.runtime` messages are JSON: nothing here may hold a typed array, Blob or
 * Arrow table. Bulk data moves through the extension's OPFS (CSV staging, snapshots).
 */

import { UserFacingError } from './errors';

/** Who a message is addressed to. Every context drops envelopes that are not for it. */
export type Target = 'background' | 'offscreen' | 'panel';

/** A column of a snapshot, as DuckDB names and types it. */
/** A database's tables, as its own engine reads them (SQLite in the panel, DuckDB in the engine). */
export interface DatabaseContents {
  /** e.g. "SQLite 3.51.0", "DuckDB v1.4.1". */
  readBy: string;
  tables: { name: string; rows: number; columns: { name: string; type: string }[] }[];
  /** What the copy does not show (a WAL not replayed). */
  note?: string;
}

/** The content checksums a manifest may record (src/engine/checksum.ts); an export records the last. */
export const CHECKSUM_ALGORITHMS = ['duckdb-hash-sum-v1', 'duckdb-hash-sum-v2'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface ColumnSchema {
  name: string;
  type: string;
}

/** One Parquet file of a committed snapshot. */
export interface SnapshotPartInfo {
  name: string;
  rows: number;
  bytes: number;
}

/** `<snapshotId>.manifest.json`: written last; no manifest, no snapshot. */
export interface SnapshotManifest {
  /** 1 records checksum version 1; 2, version 2 (src/snapshot/manifest.ts). */
  formatVersion: 1 | 2;
  snapshotId: string;
  sourceName: string;
  rowCount: number;
  schema: ColumnSchema[];
  parts: SnapshotPartInfo[];
  /** Order-sensitive checksum of the source rows, see `src/engine/checksum.ts`. */
  checksum: { algorithm: ChecksumAlgorithm; value: string };
  compression: 'ZSTD';
  rowGroupSize: number;
  rowsPerPart: number;
  createdAt: string;
}

export interface ExportOptions {
  /** A snapshot with more rows than this is split into parts. Default 250,000. */
  rowsPerPart?: number;
  /** Rows per Parquet row group. Default 100,000. */
  rowGroupSize?: number;
  /**
   * How parts are cut: by ranges of the row id (`keyset`, the default: DuckDB skips to
   * the range by zone maps), or by `ORDER BY … LIMIT … OFFSET …` (`offset`, the naive way,
   * which sorts the table for every part). Only the benchmark asks for `offset`.
   */
  partStrategy?: 'keyset' | 'offset';
  /**
   * The table's unique, ordered integer column that numbers its rows (parts are ranges of
   * it). Default: the engine's own row id column (`__row_id`, or `__row_id_<n>` when the
   * data has a column of that name).
   */
  rowIdColumn?: string;
}

/** The text encodings a CSV may come in; UTF-16 is converted to UTF-8 before the import. */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface LoadCsvResult {
  table: string;
  rowCount: number;
  schema: ColumnSchema[];
  /** The column that numbers the rows in file order (`__row_id` unless the data has one). */
  rowIdColumn: string;
  header: {
    /** Whether the first row was taken as column names. */
    firstRowIsHeader: boolean;
    /** The first row's names would also be valid values of their columns: probably data. */
    looksLikeData: boolean;
  };
  /** Columns kept as text (or a wider type) because a value would otherwise change, and why. */
  notes: string[];
  encoding: CsvEncoding;
  elapsedMs: number;
}

export interface ExportResult {
  manifest: SnapshotManifest;
  elapsedMs: number;
}

export interface RestoreResult {
  table: string;
  rowIdColumn: string;
  rowCount: number;
  checksum: string;
  /** Row count and checksum equal the manifest's (the same verdict as `verifySnapshot`). */
  matchesManifest: boolean;
  /** What differs from the manifest, in words (empty when it matches). */
  problems: string[];
  elapsedMs: number;
}

export interface VerifyResult {
  snapshotId: string;
  ok: boolean;
  expected: { rowCount: number; checksum: string };
  actual: { rowCount: number; checksum: string };
  /** Problems found in the files themselves (missing part, bad magic, wrong row count). */
  problems: string[];
  elapsedMs: number;
}

export interface ImportResult {
  load: LoadCsvResult;
  export: ExportResult;
  elapsedMs: number;
}

/** What each kind of long operation answers when it is done. */
export interface OperationResults {
  loadCsv: LoadCsvResult;
  importCsv: ImportResult;
  exportSnapshot: ExportResult;
  restoreSnapshot: RestoreResult;
  verifySnapshot: VerifyResult;
}

export type OperationKind = keyof OperationResults;

export interface OperationRecordOf<K extends OperationKind> {
  operationId: string;
  kind: K;
  /** What it works on, for people: a file name or snapshot id. */
  subject: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  progress: OperationProgress | null;
  /** Set when `state` is 'done'. */
  result: OperationResults[K] | null;
  error: WireError | null;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * What the engine knows of an operation: a panel that was closed (or whose message
 * channel died with the service worker) asks for this to show the true state. Typed per
 * kind: the result of an `importCsv` record is an {@link ImportResult}.
 */
export type OperationRecord = { [K in OperationKind]: OperationRecordOf<K> }[OperationKind];

/** Requests served by the offscreen document (and forwarded to it by the background). */
export interface OffscreenApi {
  /** Starts DuckDB if needed and reports its version. */
  ping: { request: Record<string, never>; response: { duckdbVersion: string } };
  /**
   * Reads a CSV staged in the extension's OPFS into a DuckDB table with a
   * `__row_id` column (BIGINT, 0..n-1 in file order). The staged file is removed afterwards.
   */
  loadCsv: {
    request: { stagedPath: string; table: string; header?: boolean; operationId?: string };
    response: LoadCsvResult;
  };
  /**
   * The panel's one-step import: staged CSV → table → verified snapshot → table dropped.
   * It runs in the engine to the end even if the panel that started it goes away. The
   * snapshot gets `snapshotId`, or `snapshotId-2`, `-3`… when that id is taken.
   */
  importCsv: {
    request: { stagedPath: string; snapshotId: string; sourceName: string; header?: boolean; options?: ExportOptions; operationId?: string };
    response: ImportResult;
  };
  /** Operations running, queued, or finished in the last minutes. */
  getOperations: { request: Record<string, never>; response: OperationRecord[] };
  /**
   * Removes what interrupted exports left in `snapshots/` (files of snapshots without a
   * manifest whose lock nobody holds) and stale staged CSVs. The engine does this when it
   * starts; the panel asks before listing the extension's storage.
   */
  sweepAbandoned: { request: Record<string, never>; response: { removed: string[] } };
  /** Writes a DuckDB table as a verified, chunked Parquet snapshot under OPFS `snapshots/`. */
  exportSnapshot: {
    request: {
      table: string;
      snapshotId: string;
      sourceName: string;
      options?: ExportOptions;
      operationId?: string;
    };
    response: ExportResult;
  };
  /** Asks a running operation to stop; it cleans up like any failure. */
  cancelOperation: { request: { operationId: string }; response: { cancelled: boolean } };
  /** Reads a snapshot's parts back into a DuckDB table. */
  restoreSnapshot: {
    request: { snapshotId: string; table: string; operationId?: string };
    response: RestoreResult;
  };
  /** Restores into a scratch table and compares row count and checksum with the manifest. */
  verifySnapshot: { request: { snapshotId: string; operationId?: string }; response: VerifyResult };
  listSnapshots: { request: Record<string, never>; response: SnapshotManifest[] };
  /**
   * Removes a snapshot's files under its lock, manifest first (so it is never half-committed):
   * exactly `files` when given (each only if it still has the listed size: the ones the
   * user confirmed), else every file of the snapshot.
   */
  deleteSnapshot: {
    request: { snapshotId: string; files?: { name: string; size: number }[] };
    response: { removed: string[]; changed: string[]; missing: string[] };
  };
  /** What the engine holds: whether it runs, its memory, the tables it keeps. Never starts it. */
  engineStatus: { request: Record<string, never>; response: EngineStatus };
  /** Sets DuckDB's memory limit (`null`: its default), for this engine and the next ones. */
  configureEngine: { request: { memoryLimitBytes: number | null }; response: EngineStatus };
  dropTable: { request: { table: string }; response: { dropped: boolean } };
  /**
   * The SQL console: runs one statement; the snapshots it names are loaded as tables of
   * their ids first. `cancelSql` with the same `queryId` interrupts it.
   */
  runSql: { request: { sql: string; queryId: string }; response: SqlResult };
  cancelSql: { request: { queryId: string }; response: { cancelled: boolean } };
  /**
   * Reads a Parquet, CSV or JSON file of the extension's OPFS into a table named after it,
   * or several Parquet files (a snapshot's parts, in order) into one table named `table`.
   * `name` is each file's own name (its `path` may be a staged copy of a page's file).
   */
  openFileInQuery: { request: { files: { path: string; name: string }[]; table?: string; queryId: string }; response: { table: string; format: 'parquet' | 'csv' | 'json'; rows: number; columns: SqlColumn[] } };
  /**
   * Lists the tables of a DuckDB database file of the extension's OPFS (a staged copy of a
   * page's file): attached read-only under a name of its own, described, detached.
   */
  describeDatabaseCopy: { request: { path: string; queryId: string }; response: DatabaseContents };
  /**
   * Copies every table of a DuckDB database file of the extension's OPFS (a staged copy of a
   * page's file) into the engine, in a schema named `schema`: queried as `schema.table`.
   */
  openDatabaseInQuery: { request: { path: string; schema: string; queryId: string }; response: { schema: string; tables: { name: string; rows: number }[] } };
  /** Rows `offset`… of the last query's kept result, as text (the panel's CSV download). */
  sqlResultRows: { request: { offset: number; count: number }; response: { columns: SqlColumn[]; rows: SqlCell[][] } };
  /**
   * Writes the last query's kept result as one Parquet file (ZSTD, by the codec) named
   * `name` in the extension's `staging/` folder, for the panel to download; answers its size.
   */
  sqlResultParquet: { request: { name: string }; response: { bytes: number; rows: number } };
  /** Compares two snapshots (loaded as tables), or tables of files opened in Query, by `key` (`null`: row id). */
  diffSnapshots: { request: { a: DiffSide; b: DiffSide; key: string | null; queryId: string }; response: DiffResult };
  /** The first rows of one group of the last diff. */
  diffRows: { request: { group: 'added' | 'removed' | 'changed'; limit: number }; response: DiffRow[] };
  /** Runs one SQL statement in the engine and returns at most `limit` rows as JSON (previews, tests). */
  queryRows: {
    request: { sql: string; limit?: number };
    response: { columns: string[]; rows: JsonValue[][] };
  };
}

/** A column of a query's result, as DuckDB names and types it. */
export interface SqlColumn {
  name: string;
  type: string;
}

/** A value of a query's result as DuckDB writes it as text; `null` is SQL NULL (not the text 'NULL', not ''). */
export type SqlCell = string | null;

export interface SqlResult {
  columns: SqlColumn[];
  /** The first rows (at most 10,000), in the result's order. */
  rows: SqlCell[][];
  /** Rows of the whole result. */
  totalRows: number;
  /** Whether the result is kept in the engine (a query's is; a SET's or CREATE's is not) for download. */
  kept: boolean;
  /** Snapshots this statement loaded as tables first. */
  loaded: string[];
  /** What the user should know (a snapshot that did not match its manifest). */
  notes: string[];
  elapsedMs: number;
}

export interface DiffResult {
  /** The tables compared (a snapshot's is its id). */
  a: string;
  b: string;
  /** The column rows were matched by; `null`: the row id. */
  key: string | null;
  onlyInA: string[];
  onlyInB: string[];
  typeChanges: { column: string; a: string; b: string }[];
  /** The columns compared (both sides have them; not the key). */
  compared: string[];
  added: number;
  removed: number;
  changed: number;
  /** Per compared column: rows in both whose value differs. */
  changedByColumn: Record<string, number>;
  elapsedMs: number;
}

/** One side of a diff: a committed snapshot of the extension's storage, or the table a file opened in Query became. */
export type DiffSide = { snapshot: string } | { table: string };

export interface DiffRow {
  key: string;
  cells: { a: SqlCell; b: SqlCell; changed: boolean }[];
}

/** A table the engine holds (a restore the user keeps, a table made in the SQL console). */
export interface EngineTable {
  name: string;
  /** The schema, when not `main` (a database opened in Query keeps its tables in a schema named after it). */
  schema?: string;
  rows: number;
  columns: number;
}

export interface EngineStatus {
  running: boolean;
  duckdbVersion: string | null;
  /** When the running instance started: the engine stops itself when idle with no table kept. */
  startedAt: string | null;
  memory: { limitBytes: number; usedBytes: number } | null;
  tables: EngineTable[];
}

/** Requests the background answers itself; everything in {@link OffscreenApi} is forwarded. */
export interface BackgroundOwnApi {
  /** Sets the action badge (the panel's health check reports problem counts). */
  setBadge: { request: { text: string; title: string }; response: Record<string, never> };
}

export type BackgroundApi = OffscreenApi & BackgroundOwnApi;

/** Events pushed to whoever listens (the panel, tests). */
export interface EventMap {
  progress: OperationProgress;
}

export type OperationPhase = 'loading' | 'counting' | 'encoding' | 'writing' | 'verifying' | 'committing' | 'restoring';

export interface OperationProgress {
  operationId: string;
  phase: OperationPhase;
  rowsDone: number;
  rowsTotal: number;
  part?: number;
  parts?: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An error as it crosses a context boundary. */
export interface WireError {
  name: string;
  message: string;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: WireError };

export interface RequestEnvelope<Api, K extends keyof Api = keyof Api> {
  channel: typeof CHANNEL;
  target: Target;
  type: K;
  id: string;
  request: Api[K] extends { request: infer R } ? R : never;
}

export interface EventEnvelope<K extends keyof EventMap = keyof EventMap> {
  channel: typeof CHANNEL;
  target: 'panel';
  event: K;
  payload: EventMap[K];
}

/** Marks our messages, so that nothing else on `chrome.runtime` is mistaken for one. */
export const CHANNEL = 'opfs-snapshot-inspector/1';

export type RequestOf<Api, K extends keyof Api> = Api[K] extends { request: infer R } ? R : never;
export type ResponseOf<Api, K extends keyof Api> = Api[K] extends { response: infer R } ? R : never;

/** How long a caller waits for each request before giving up (ms). */
export const REQUEST_TIMEOUT_MS: { [K in keyof BackgroundApi]: number } = {
  ping: 60_000,
  loadCsv: 30 * 60_000,
  importCsv: 60 * 60_000,
  getOperations: 15_000,
  sweepAbandoned: 60_000,
  exportSnapshot: 30 * 60_000,
  cancelOperation: 10_000,
  restoreSnapshot: 30 * 60_000,
  verifySnapshot: 30 * 60_000,
  listSnapshots: 30_000,
  deleteSnapshot: 60_000,
  engineStatus: 15_000,
  configureEngine: 60_000,
  dropTable: 30_000,
  queryRows: 60_000,
  runSql: 60 * 60_000,
  cancelSql: 10_000,
  sqlResultRows: 60_000,
  sqlResultParquet: 10 * 60_000,
  openFileInQuery: 30 * 60_000,
  describeDatabaseCopy: 10 * 60_000,
  openDatabaseInQuery: 30 * 60_000,
  diffSnapshots: 60 * 60_000,
  diffRows: 60_000,
  setBadge: 5_000,
};

/** True for any envelope of ours addressed to `target`. */
export function isRequestFor(message: unknown, target: Target): message is RequestEnvelope<Record<string, unknown>, string> {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Partial<RequestEnvelope<Record<string, unknown>, string>>;
  return m.channel === CHANNEL && m.target === target && typeof m.type === 'string' && typeof m.id === 'string';
}

export function isEvent(message: unknown): message is EventEnvelope {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Partial<EventEnvelope>;
  return m.channel === CHANNEL && m.target === 'panel' && typeof m.event === 'string';
}

export function isReply(value: unknown): value is Reply<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { ok?: unknown; error?: unknown };
  if (r.ok === true) return 'value' in r;
  if (r.ok === false) {
    const e = r.error as Partial<WireError> | undefined;
    return typeof e?.name === 'string' && typeof e.message === 'string';
  }
  return false;
}

/** Flattens any thrown value into a {@link WireError}, keeping the cause chain in the message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    let message = error.message;
    let cause = error.cause;
    for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
      // A message that already says what its cause said (in other words) is not repeated.
      const said = cause.message.split('\n')[0].trim();
      if (!message.includes(said) && !(error instanceof UserFacingError && error.explainsCause)) message += ` (cause: ${said})`;
      cause = cause.cause;
    }
    return { name: error.name, message };
  }
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return { name: 'Error', message: error.message };
  }
  return { name: 'Error', message: String(error) };
}

/** The error a caller sees when the other side replied with `{ ok: false }`. */
export class RemoteError extends Error {
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
  }
}

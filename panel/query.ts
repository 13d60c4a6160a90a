/**
 * The Query and Diff views: their state (signals) and what they do (engine requests). The
 * engine loads the snapshots a statement names as tables of their ids; the panel only
 * says what to run and shows what comes back.
 */
import { signal, type Signal } from '@preact/signals';
import Papa from 'papaparse';
import { backgroundClient, onEvent } from '../src/messaging';
import type { DiffResult, DiffRow, DiffSide, EngineTable, SnapshotManifest, SqlColumn, SqlResult } from '../src/protocol';
import { quoteIdent, quoteLiteral } from '../src/sql';
import { tableStem } from '../src/query-files';
import { STAGING_DIR } from '../src/snapshot/names';
import { withStagingLock } from '../src/snapshot/locks';
import { getDirectory, opfsRoot, removeIfExists } from '../src/opfs/fs';
import { formatBytes } from '../src/format';
import { saveBlob, type DownloadFile } from './download';
import { sources, type OpfsSource, type SourceKind } from './sources';
import { withPageCopies } from './staged-copies';

export type PanelTab = 'files' | 'query' | 'diff';

/** Statements kept in the history (for the panel's life). */
export const HISTORY_LENGTH = 20;

export type QueryRun =
  | { kind: 'idle' }
  | { kind: 'running'; seq: number; queryId: string; sql: string; progress: string | null }
  | { kind: 'done'; seq: number; sql: string; result: SqlResult }
  | { kind: 'failed'; seq: number; sql: string; error: string; cancelled: boolean };

export type DiffGroup = 'added' | 'removed' | 'changed';

export type DiffRun =
  | { kind: 'idle' }
  | { kind: 'running'; seq: number; queryId: string; progress: string | null }
  | { kind: 'done'; seq: number; result: DiffResult; group: DiffGroup; rows: DiffRow[] }
  | { kind: 'failed'; seq: number; error: string; cancelled: boolean };

export interface OpenedFile {
  path: string;
  table: string;
  columns: SqlColumn[];
}

export interface QueryState {
  tab: Signal<PanelTab>;
  sql: Signal<string>;
  history: Signal<string[]>;
  run: Signal<QueryRun>;
  /** What can be queried: the extension's committed snapshots and the engine's tables. */
  snapshots: Signal<SnapshotManifest[]>;
  tables: Signal<EngineTable[]>;
  catalogError: Signal<string | null>;
  download: Signal<string | null>;
  /** Files opened in Query this session: the tables they became (a diff can compare them). */
  openedFiles: Signal<OpenedFile[]>;
  diffA: Signal<string>;
  diffB: Signal<string>;
  diffKey: Signal<string>;
  diff: Signal<DiffRun>;
}

export function createQueryState(): QueryState {
  return {
    tab: signal('files'),
    sql: signal(''),
    history: signal([]),
    run: signal({ kind: 'idle' }),
    snapshots: signal([]),
    tables: signal([]),
    catalogError: signal(null),
    download: signal(null),
    openedFiles: signal([]),
    diffA: signal(''),
    diffB: signal(''),
    diffKey: signal(''),
    diff: signal({ kind: 'idle' }),
  };
}

/** Rows fetched per request when a result is downloaded. */
const DOWNLOAD_CHUNK_ROWS = 10_000;
/** Rows of a diff group shown. */
const DIFF_ROWS_SHOWN = 1000;

const message = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error));
const wasCancelled = (error: unknown) => error instanceof Error && error.name === 'CancelledError';

/** `pageStorage` gives the inspected page's storage where its files are read (see Controller.storageOf). */
export function createQueryController(state: QueryState, client = backgroundClient(), pageStorage: () => OpfsSource = () => sources.page) {
  /** Numbers each run and diff (`data-run` on its result), so that a result is told from the one before. */
  let seq = 0;
  /** Progress events of the engine for the running query or diff (loading a snapshot). */
  onEvent('progress', (p) => {
    const run = state.run.value;
    const label = `Loading a snapshot: ${p.rowsDone.toLocaleString('en-US')}${p.rowsTotal ? ` of ${p.rowsTotal.toLocaleString('en-US')}` : ''} rows${p.parts ? `, part ${(p.part ?? 0) + 1} of ${p.parts}` : ''}…`;
    if (run.kind === 'running' && run.queryId === p.operationId) state.run.value = { ...run, progress: label };
    const diff = state.diff.value;
    if (diff.kind === 'running' && diff.queryId === p.operationId) state.diff.value = { ...diff, progress: label };
  });

  async function refreshCatalog(): Promise<void> {
    try {
      const [snapshots, status] = await Promise.all([client.call('listSnapshots', {}), client.call('engineStatus', {})]);
      state.snapshots.value = snapshots;
      state.tables.value = status.tables.filter((t) => !t.name.startsWith('__'));
      state.catalogError.value = null;
      if (!state.diffA.value && snapshots.length > 1) state.diffA.value = snapshots[1].snapshotId;
      if (!state.diffB.value && snapshots.length > 0) state.diffB.value = snapshots[0].snapshotId;
    } catch (error) {
      state.catalogError.value = `The snapshots could not be listed: ${message(error)}`;
    }
  }

  function showTab(tab: PanelTab): void {
    state.tab.value = tab;
    if (tab !== 'files') void refreshCatalog();
  }

  async function run(sql = state.sql.value): Promise<void> {
    if (state.run.value.kind === 'running' || sql.trim() === '') return;
    state.sql.value = sql;
    state.history.value = [sql, ...state.history.value.filter((s) => s !== sql)].slice(0, HISTORY_LENGTH);
    const queryId = crypto.randomUUID();
    const run = ++seq;
    state.download.value = null;
    state.run.value = { kind: 'running', seq: run, queryId, sql, progress: null };
    try {
      const result = await client.call('runSql', { sql, queryId });
      state.run.value = { kind: 'done', seq: run, sql, result };
    } catch (error) {
      state.run.value = { kind: 'failed', seq: run, sql, error: message(error), cancelled: wasCancelled(error) };
    }
    void refreshCatalog();
  }

  async function cancel(): Promise<void> {
    const running = state.run.value.kind === 'running' ? state.run.value : state.diff.value.kind === 'running' ? state.diff.value : null;
    if (running) await client.call('cancelSql', { queryId: running.queryId });
  }

  /** Shows a snapshot of the extension's storage in Query, its first rows run at once. */
  function openSnapshot(snapshotId: string): void {
    showTab('query');
    void run(`SELECT * FROM ${quoteIdent(snapshotId)} LIMIT 1000`);
  }

  /**
   * Opens a Parquet, CSV or JSON file of either storage in Query, or a snapshot's Parquet
   * parts (`files`, in order) as one table named `as.table`: a page's files are first copied
   * into the extension's staging folder by ranged reads (never one message), read into the
   * table, and the copies removed; then its first rows are shown. `as.label` names what was
   * opened for people and for the diff (the file's path, or the snapshot's folder and id).
   */
  async function openFiles(source: SourceKind, files: readonly DownloadFile[], as: { table?: string; label?: string } = {}): Promise<void> {
    if (state.run.value.kind === 'running' || files.length === 0) return;
    showTab('query');
    const label = as.label ?? files[0].path;
    const queryId = crypto.randomUUID();
    const runSeq = ++seq;
    const sql = `-- ${label}`;
    const progress = (text: string) => (state.run.value = { kind: 'running', seq: runSeq, queryId, sql, progress: text });
    const nameOf = (file: DownloadFile) => file.path.slice(file.path.lastIndexOf('/') + 1);
    progress(`Opening ${label}…`);
    try {
      let opened: { table: string; columns: SqlColumn[] };
      if (source === 'extension') {
        opened = await client.call('openFileInQuery', { files: files.map((f) => ({ path: f.path, name: nameOf(f) })), table: as.table, queryId });
      } else {
        opened = await withPageCopies(
          pageStorage(),
          files,
          `query-${queryId}`,
          (file, i, bytes) => progress(`Copying ${nameOf(file)}${files.length > 1 ? ` (${i + 1} of ${files.length})` : ''} from the page: ${formatBytes(bytes)} of ${formatBytes(file.size)}…`),
          (paths) => {
            progress(`Reading ${label} into the engine…`);
            return client.call('openFileInQuery', { files: files.map((f, i) => ({ path: paths[i], name: nameOf(f) })), table: as.table, queryId });
          },
        );
      }
      state.openedFiles.value = [...state.openedFiles.value.filter((f) => f.path !== label), { path: label, table: opened.table, columns: opened.columns }];
      state.run.value = { kind: 'idle' };
      await run(`SELECT * FROM ${quoteIdent(opened.table)} LIMIT 1000`);
    } catch (error) {
      state.run.value = { kind: 'failed', seq: runSeq, sql, error: message(error), cancelled: wasCancelled(error) };
    }
  }

  /**
   * A DuckDB database file of either storage, opened in Query: its tables copied into the
   * engine (from a staged copy of a page's file, which the app may hold), in a schema named
   * after the file; then the first table's first rows, or the list of its tables.
   */
  async function openDatabase(source: SourceKind, file: DownloadFile): Promise<void> {
    if (state.run.value.kind === 'running') return;
    showTab('query');
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const queryId = crypto.randomUUID();
    const runSeq = ++seq;
    const sql = `-- ${file.path}`;
    const progress = (text: string) => (state.run.value = { kind: 'running', seq: runSeq, queryId, sql, progress: text });
    progress(`Opening ${file.path}…`);
    try {
      const copy = (path: string) => {
        progress(`Reading the tables of ${name} into the engine…`);
        return client.call('openDatabaseInQuery', { path, schema: tableStem(name), queryId });
      };
      const opened =
        source === 'extension' ? await copy(file.path) : await withPageCopies(pageStorage(), [file], `query-${queryId}`, (_file, _i, bytes) => progress(`Copying ${name} from the page: ${formatBytes(bytes)} of ${formatBytes(file.size)}…`), ([path]) => copy(path));
      state.run.value = { kind: 'idle' };
      const [first] = opened.tables;
      await run(
        first
          ? `SELECT * FROM ${quoteIdent(opened.schema)}.${quoteIdent(first.name)} LIMIT 1000`
          : `SELECT table_name FROM information_schema.tables WHERE table_schema = ${quoteLiteral(opened.schema)}`,
      );
    } catch (error) {
      state.run.value = { kind: 'failed', seq: runSeq, sql, error: message(error), cancelled: wasCancelled(error) };
    }
  }

  /** One file of either storage, opened in Query. */
  function openFile(source: SourceKind, file: DownloadFile): Promise<void> {
    return openFiles(source, [file]);
  }

  /** Downloads the whole kept result as CSV, fetched from the engine a chunk at a time. */
  async function downloadCsv(): Promise<void> {
    const done = state.run.value;
    if (done.kind !== 'done' || !done.result.kept) return;
    const total = done.result.totalRows;
    const parts: Blob[] = [];
    try {
      for (let offset = 0; offset === 0 || offset < total; offset += DOWNLOAD_CHUNK_ROWS) {
        state.download.value = `Preparing the CSV: ${Math.min(offset, total).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows…`;
        const { columns, rows } = await client.call('sqlResultRows', { offset, count: DOWNLOAD_CHUNK_ROWS });
        // NULL is an empty field (as DuckDB's own CSV writer writes it), an empty string a quoted one: a reader tells them apart.
        const text = Papa.unparse({ fields: columns.map((c) => c.name), data: rows }, { header: offset === 0, newline: '\r\n', quotes: (value: unknown) => value === '' });
        parts.push(new Blob([offset === 0 ? text : `\r\n${text}`]));
        if (rows.length === 0) break;
      }
      saveBlob(new Blob(parts, { type: 'text/csv' }), 'query-result.csv');
      state.download.value = `Downloaded ${total.toLocaleString('en-US')} rows as query-result.csv.`;
    } catch (error) {
      state.download.value = `The result could not be downloaded: ${message(error)}`;
    }
  }

  /** A choice of the diff's selects: a snapshot's id, or the path of a file opened in Query. */
  function diffSide(choice: string): DiffSide {
    const file = state.openedFiles.value.find((f) => f.path === choice);
    return state.snapshots.value.some((m) => m.snapshotId === choice) || !file ? { snapshot: choice } : { table: file.table };
  }

  /** The columns of a choice of the diff's selects. */
  function columnsOf(choice: string): string[] {
    const snapshot = state.snapshots.value.find((m) => m.snapshotId === choice);
    if (snapshot) return snapshot.schema.map((c) => c.name);
    return (state.openedFiles.value.find((f) => f.path === choice)?.columns ?? []).map((c) => c.name).filter((c) => !/^__row_id(_\d+)?$/.test(c));
  }

  /**
   * Downloads the whole kept result as one Parquet file: the engine writes it into the
   * extension's staging folder (under this panel's staging lock, so that no sweep takes it),
   * the panel saves it and removes it.
   */
  async function downloadParquet(): Promise<void> {
    const done = state.run.value;
    if (done.kind !== 'done' || !done.result.kept) return;
    const name = `query-result-${crypto.randomUUID()}.parquet`;
    state.download.value = `Encoding ${done.result.totalRows.toLocaleString('en-US')} rows as Parquet…`;
    try {
      await withStagingLock(name, async () => {
        const staging = await getDirectory(await opfsRoot(), STAGING_DIR, { create: true });
        try {
          await client.call('sqlResultParquet', { name });
          const file = await (await staging.getFileHandle(name)).getFile();
          // A copy: the staged file goes next, and the download reads its Blob later.
          saveBlob(new Blob([await file.arrayBuffer()], { type: 'application/vnd.apache.parquet' }), 'query-result.parquet');
          state.download.value = `Downloaded ${done.result.totalRows.toLocaleString('en-US')} rows as query-result.parquet (${formatBytes(file.size)}).`;
        } finally {
          await removeIfExists(staging, name).catch((error: unknown) => console.warn(`could not remove ${name}`, error));
        }
      });
    } catch (error) {
      state.download.value = `The result could not be downloaded: ${message(error)}`;
    }
  }

  async function runDiff(): Promise<void> {
    const a = state.diffA.value;
    const b = state.diffB.value;
    if (!a || !b || state.diff.value.kind === 'running') return;
    const queryId = crypto.randomUUID();
    const run = ++seq;
    state.diff.value = { kind: 'running', seq: run, queryId, progress: null };
    try {
      const result = await client.call('diffSnapshots', { a: diffSide(a), b: diffSide(b), key: state.diffKey.value || null, queryId });
      const group: DiffGroup = result.changed > 0 ? 'changed' : result.added > 0 ? 'added' : 'removed';
      const rows = await client.call('diffRows', { group, limit: DIFF_ROWS_SHOWN });
      state.diff.value = { kind: 'done', seq: run, result, group, rows };
    } catch (error) {
      state.diff.value = { kind: 'failed', seq: run, error: message(error), cancelled: wasCancelled(error) };
    }
    void refreshCatalog();
  }

  async function showDiffGroup(group: DiffGroup): Promise<void> {
    const diff = state.diff.value;
    if (diff.kind !== 'done') return;
    try {
      const rows = await client.call('diffRows', { group, limit: DIFF_ROWS_SHOWN });
      state.diff.value = { ...diff, group, rows };
    } catch (error) {
      state.diff.value = { kind: 'failed', seq: diff.seq, error: message(error), cancelled: false };
    }
  }

  function setSql(sql: string): void {
    state.sql.value = sql;
  }

  /** Puts a table's name into the statement (a whole first statement when there is none). */
  function insertTable(name: string, schema?: string): void {
    const table = schema === undefined ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
    state.sql.value = state.sql.value.trim() === '' ? `SELECT * FROM ${table} LIMIT 1000` : `${state.sql.value}${table}`;
  }

  function chooseDiff(choice: { a?: string; b?: string; key?: string }): void {
    if (choice.a !== undefined) state.diffA.value = choice.a;
    if (choice.b !== undefined) state.diffB.value = choice.b;
    if (choice.key !== undefined) state.diffKey.value = choice.key;
  }

  return { refreshCatalog, showTab, run, cancel, openSnapshot, openFile, openFiles, openDatabase, columnsOf, downloadCsv, downloadParquet, runDiff, showDiffGroup, setSql, insertTable, chooseDiff };
}

export type QueryController = ReturnType<typeof createQueryController>;

/**
 * The panel's state: one store of Preact signals, changed only through {@link reduce}.
 * Long operations are state machines: idle | running(progress) | done(result) | failed(error).
 */
import { batch, computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import type { PurgeEntry, PurgeResult, PurgeTarget } from '../src/opfs/scan-types';
import { formatBytes } from '../src/format';
import type { ScanSummary, SnapshotGroup } from '../src/opfs/classify';
import type { CsvEncoding, EngineStatus, SnapshotManifest, VerifyResult } from '../src/protocol';
import type { SourceKind } from './sources';
import type { ListedFile, Listing, SortKey } from './listing';
import type { FileDetails } from './details';
import { parentOf } from './folders';
import { NO_SELECTION, type Selection } from './selection';

export type Operation<T> =
  | { kind: 'idle' }
  /** `operationId`: the engine's operation, which Cancel stops (where it can be cancelled). */
  | { kind: 'running'; label: string; fraction: number | null; operationId?: string }
  | { kind: 'done'; result: T }
  | { kind: 'failed'; error: string };

export type PurgeCategory = 'empty' | 'corrupt' | 'temp' | 'orphan' | 'incomplete';

export interface PurgeRequest {
  source: SourceKind;
  category: PurgeCategory;
  files: PurgeTarget[];
  /** The origin the files were listed from (the page's), acted on only there. */
  origin?: string;
}

/** What a purge did, for the result line (per source). */
export interface PurgeSummary {
  category: PurgeCategory;
  removed: number;
  locked: string[];
  /** Files that changed since they were listed, and were therefore kept. */
  changed: string[];
  /** Files that were already gone (another window or the page removed them). */
  missing: number;
  failed: { path: string; error: string }[];
  bytesFreed: number;
  /**
   * Set when the page went away mid-purge: how many files were confirmed, and how many of
   * them the listing read right after still shows (null if it could not be read).
   */
  interrupted?: { requested: number; stillThere: number | null };
}

/** One CSV import as the panel shows it. */
export interface ImportEntry {
  /** The engine operation's id (also the staged file's name). */
  id: string;
  fileName: string;
  /** The file the user chose, kept for "import again" while the panel is open. */
  file: File | null;
  firstRowIsHeader: boolean;
  /** Snapshot this import replaces once it is verified (an "import again"). */
  replaces: string | null;
  state: Operation<ImportSummary>;
}

/** What a finished import produced, for its status line. */
export interface ImportSummary {
  fileName: string;
  manifest: SnapshotManifest;
  rows: number;
  parts: number;
  bytes: number;
  elapsedMs: number;
  columns: string[];
  firstRowIsHeader: boolean;
  headerLooksLikeData: boolean;
  notes: string[];
  encoding: CsvEncoding;
  /** The snapshot this import replaced, once removed. */
  replaced: string | null;
}

/** A question the user must answer before something is deleted: lists exactly what goes. */
export interface ConfirmRequest {
  title: string;
  /** One line under the title. */
  detail: string;
  items: { path: string; size: number }[];
  okLabel: string;
  /** What to do on OK (the controller's action). */
  onConfirm: () => void;
}

/** A question answered with a name or a path (rename, move, new folder). */
export interface PromptRequest {
  title: string;
  /** The `data-testid` of the input (`rename-input`, `move-input`, `new-folder-input`). */
  inputTestId: string;
  value: string;
  /** Characters selected at first (a file's name without its extension). */
  selectUntil?: number;
  /** Values offered as the user types (the folders there are). */
  suggestions?: string[];
  okLabel: string;
  /** Does what was asked; resolves to a sentence when the answer cannot be taken (the dialog stays), else null. */
  submit: (value: string) => Promise<string | null>;
}

export type ConflictChoice = 'replace' | 'keep-both' | 'skip';

/** A name an upload finds taken: what to do with it (and, when `all`, with the conflicts after it). */
export interface ConflictRequest {
  path: string;
  /** Conflicts known to follow this one in the same upload. */
  later: number;
  answer: (choice: ConflictChoice | 'cancel', all: boolean) => void;
}

export type { SortKey } from './listing';

export type Notice = { kind: 'info' | 'error'; text: string };

/**
 * Live mode of a source: off, on (the storage's FileSystemObserver records changes and the
 * panel applies them), or unavailable where the storage has no FileSystemObserver (with why).
 */
export type LiveState = { kind: 'off' } | { kind: 'on' } | { kind: 'unavailable'; reason: string };

export type Action =
  | { type: 'source'; source: SourceKind }
  /** `behind`: the listing shown stays until this one is listed (see {@link Store.behind}). */
  | { type: 'scan-started'; source: SourceKind; listing: Listing; behind?: boolean }
  | { type: 'listing-changed'; source: SourceKind; listing: Listing }
  /** A scan started behind the listing shown has listed every file: it is shown in its place. */
  | { type: 'scan-listed'; source: SourceKind; listing: Listing }
  | { type: 'scan-failed'; source: SourceKind; error: string; serial: number }
  | { type: 'navigated' }
  | { type: 'live'; source: SourceKind; state: LiveState }
  | { type: 'filter'; text: string }
  | { type: 'sort'; key: SortKey }
  | { type: 'select'; path: string | null }
  | { type: 'selection'; selection: Selection }
  | { type: 'file-action'; state: Operation<FileActionResult> }
  | { type: 'folder'; path: string }
  | { type: 'folder-toggle'; path: string }
  | { type: 'details'; details: FileDetails | null }
  /** A purge found these files held open: they show as locked until a purge finds otherwise. */
  | { type: 'locks-found'; source: SourceKind; paths: readonly string[] }
  | { type: 'purge-ask'; request: PurgeRequest }
  | { type: 'purge-cancel' }
  | { type: 'purge-running'; source: SourceKind; fraction: number }
  | { type: 'purge-done'; source: SourceKind; summary: PurgeSummary }
  | { type: 'purge-failed'; source: SourceKind; error: string }
  | { type: 'import-added'; entry: ImportEntry }
  | { type: 'import'; id: string; state: Operation<ImportSummary> }
  | { type: 'import-dismiss'; id: string }
  | { type: 'first-row-is-header'; value: boolean }
  | { type: 'snapshot-action'; state: Operation<SnapshotActionResult> }
  | { type: 'engine'; status: EngineStatus | null }
  | { type: 'confirm'; request: ConfirmRequest | null }
  | { type: 'prompt'; request: PromptRequest | null }
  | { type: 'conflict'; request: ConflictRequest | null }
  | { type: 'upload-stop'; stop: (() => void) | null }
  | { type: 'notice'; notice: Notice | null };

/** What a file action (delete, download, …) did, in one sentence. */
export interface FileActionResult {
  sentence: string;
}

/** What a deletion did, in one sentence and per file. */
export interface DeletionResult extends FileActionResult {
  removed: number;
  bytes: number;
  /** Kept because they were written since they were listed (another size or time). */
  changed: string[];
  /** Skipped because something holds them open or writes them. */
  locked: string[];
  missing: number;
  failed: { path: string; error: string }[];
}

export type SnapshotActionResult =
  | { kind: 'verify'; result: VerifyResult }
  | { kind: 'restore'; snapshotId: string; table: string; rowCount: number; checksumMatches: boolean; problems: string[]; elapsedMs: number }
  | { kind: 'delete'; snapshotId: string; removed: number; changed: string[]; missing: number };

/**
 * A source's listing: none yet, one that grows (walking, checking) or is complete (its
 * `listing.stage`), or a scan that failed. `version` is the listing's version when this
 * state was set: a new state per change is what makes the panel render it.
 */
export type ScanState = { kind: 'idle' } | { kind: 'listing'; listing: Listing; version: number } | { kind: 'failed'; error: string; serial: number };

export interface Store {
  source: Signal<SourceKind>;
  scans: Record<SourceKind, Signal<ScanState>>;
  /**
   * A refresh of a source that walks while the complete listing it will replace stays on
   * screen (its rows, their selection and scroll), shown in its place once every file is
   * listed; until then only its progress is shown, in the summary. Rendering rows that are
   * about to be replaced would cost the walk's own CPU on a busy machine.
   */
  behind: Record<SourceKind, Signal<{ listing: Listing; version: number } | null>>;
  /** Live mode per source (off by default). */
  live: Record<SourceKind, Signal<LiveState>>;
  /** Files a purge found held open, per source, until the next purge or navigation. */
  locked: Record<SourceKind, Signal<ReadonlySet<string>>>;
  filter: Signal<string>;
  /** The folder the list is narrowed to ('' is the root: every file), and the folders open in the tree. */
  folder: Signal<string>;
  expanded: Signal<ReadonlySet<string>>;
  sort: Signal<{ key: SortKey; descending: boolean }>;
  selected: Signal<string | null>;
  /** The files chosen in the list (see selection.ts), for the file actions. */
  selection: Signal<Selection>;
  /** The last file action of this panel (Delete), shown under the actions. */
  fileAction: Signal<Operation<FileActionResult>>;
  /** File actions begun in this panel's life: tells a result from the one shown before it. */
  fileActions: Signal<number>;
  /** What is read of the selected file (footer, first rows). */
  details: Signal<FileDetails | null>;
  purgeDialog: Signal<PurgeRequest | null>;
  /** The last purge of each source. */
  purges: Record<SourceKind, Signal<Operation<PurgeSummary>>>;
  /** The last purge of the source shown. */
  purge: ReadonlySignal<Operation<PurgeSummary>>;
  /** Imports of this panel's life, newest first: running, queued and finished. */
  imports: Signal<ImportEntry[]>;
  /** Whether the next CSV's first row names its columns. */
  firstRowIsHeader: Signal<boolean>;
  snapshotAction: Signal<Operation<SnapshotActionResult>>;
  engine: Signal<EngineStatus | null>;
  confirm: Signal<ConfirmRequest | null>;
  prompt: Signal<PromptRequest | null>;
  conflict: Signal<ConflictRequest | null>;
  /** Stops the upload that runs, if one does. */
  uploadStop: Signal<(() => void) | null>;
  /** A one-line message about something that failed (or happened) outside the operations above. */
  notice: Signal<Notice | null>;
  /** The current source's files after filter and sort (a new value per change of the listing). */
  visibleFiles: ReadonlySignal<{ rows: readonly ListedFile[]; version: number }>;
  /**
   * The selected files that are shown: what the file actions take. A file the filter (or a
   * verdict that changed its status) hides stays selected, but no action takes it unseen.
   */
  chosen: ReadonlySignal<ReadonlySet<string>>;
  /**
   * The current source's listing (growing or complete), if any. The same object as it grows:
   * read {@link Store.view} to render what it holds (a new value per change).
   */
  currentListing: ReadonlySignal<Listing | null>;
  /** What the current source's listing holds now: a new value on every change. */
  view: ReadonlySignal<ListingView | null>;
}

export interface ListingView {
  listing: Listing;
  version: number;
  summary: ScanSummary;
  groups: SnapshotGroup[];
}

/**
 * What the filter box keeps, for a lower-cased needle: `format:<f>` keeps the files whose
 * format starts with f (`format:sqlite` keeps the databases and their logs); anything else
 * keeps files whose status or format starts with it, or whose path holds it. A longer needle
 * never keeps more (typing narrows among the last matches).
 */
export function filterMatch(needle: string): (file: ListedFile) => boolean {
  if (needle.startsWith('format:')) {
    const format = needle.slice('format:'.length).trim();
    return (f) => f.report.format.startsWith(format);
  }
  return (f) => f.report.status.startsWith(needle) || f.report.format.startsWith(needle) || f.lowerPath.includes(needle);
}

export function createStore(initialSource: SourceKind): Store {
  const source = signal<SourceKind>(initialSource);
  const scans = { page: signal<ScanState>({ kind: 'idle' }), extension: signal<ScanState>({ kind: 'idle' }) };
  const purges = { page: signal<Operation<PurgeSummary>>({ kind: 'idle' }), extension: signal<Operation<PurgeSummary>>({ kind: 'idle' }) };
  const filter = signal('');
  const sort = signal<{ key: SortKey; descending: boolean }>({ key: 'status', descending: false });
  const currentListing = computed(() => {
    const state = scans[source.value].value;
    return state.kind === 'listing' ? state.listing : null;
  });
  const view = computed((): ListingView | null => {
    const state = scans[source.value].value;
    return state.kind === 'listing' ? { listing: state.listing, version: state.version, ...state.listing.view() } : null;
  });
  // The listing keeps its sorted order (only what changed is merged back in, in place); the
  // filter narrows its last result while the user types on, so no keystroke sorts 100,000
  // rows and few scan them all. The rows array is the listing's own and changes in place:
  // what is derived from it is kept by the array and its `orderChanges`, not by the array alone.
  const sorted = computed(() => {
    const state = scans[source.value].value;
    if (state.kind !== 'listing') return { rows: [] as readonly ListedFile[], version: 0, order: 0 };
    const { key, descending } = sort.value;
    const rows = state.listing.sorted(key, descending);
    return { rows, version: state.version, order: state.listing.orderChanges };
  });
  const folder = signal('');
  let lastFolder: { rows: readonly ListedFile[]; order: number; folder: string; result: readonly ListedFile[] } | undefined;
  const inFolder = computed(() => {
    const { rows, version, order } = sorted.value;
    const at = folder.value;
    if (at === '') return { rows, version, order };
    if (lastFolder?.rows !== rows || lastFolder.order !== order || lastFolder.folder !== at) {
      const prefix = `${at}/`;
      lastFolder = { rows, order, folder: at, result: rows.filter((f) => f.report.path.startsWith(prefix)) };
    }
    return { rows: lastFolder.result, version, order };
  });
  // The filter matches verdicts and formats too, which change without the order changing
  // (sorted by path, a file checked keeps its place): a result holds for one version only.
  let lastFilter: { rows: readonly ListedFile[]; order: number; version: number; needle: string; result: readonly ListedFile[] } | undefined;
  const visibleFiles = computed(() => {
    const { rows, version, order } = inFolder.value;
    const needle = filter.value.trim().toLowerCase();
    if (!needle) return { rows, version };
    let result: readonly ListedFile[];
    const last = lastFilter?.rows === rows && lastFilter.order === order && lastFilter.version === version ? lastFilter : undefined;
    if (last?.needle === needle) result = last.result;
    else {
      // Typing on only narrows: a longer needle is searched for among the last matches.
      const narrows = last !== undefined && needle.startsWith(last.needle) && needle.startsWith('format:') === last.needle.startsWith('format:');
      result = (narrows ? last.result : rows).filter(filterMatch(needle));
    }
    lastFilter = { rows, order, version, needle, result };
    return { rows: result, version };
  });
  const selection = signal(NO_SELECTION);
  const chosen = computed((): ReadonlySet<string> => {
    const { paths } = selection.value;
    if (paths.size === 0) return paths;
    const visible = new Set<string>();
    for (const row of visibleFiles.value.rows) if (paths.has(row.report.path)) visible.add(row.report.path);
    return visible.size === paths.size ? paths : visible;
  });
  return {
    source,
    scans,
    behind: { page: signal(null), extension: signal(null) },
    live: { page: signal<LiveState>({ kind: 'off' }), extension: signal<LiveState>({ kind: 'off' }) },
    locked: { page: signal<ReadonlySet<string>>(new Set()), extension: signal<ReadonlySet<string>>(new Set()) },
    filter,
    folder,
    expanded: signal(new Set<string>()),
    sort,
    selected: signal(null),
    selection,
    fileAction: signal({ kind: 'idle' }),
    fileActions: signal(0),
    details: signal(null),
    purgeDialog: signal(null),
    purges,
    purge: computed(() => purges[source.value].value),
    imports: signal([]),
    firstRowIsHeader: signal(true),
    snapshotAction: signal({ kind: 'idle' }),
    engine: signal(null),
    confirm: signal(null),
    prompt: signal(null),
    conflict: signal(null),
    uploadStop: signal(null),
    notice: signal(null),
    visibleFiles,
    chosen,
    currentListing,
    view,
  };
}

/** Shows `listing` as the source's listing, in place of the one shown and of any scan behind it. */
function show(store: Store, source: SourceKind, listing: Listing): void {
  store.scans[source].value = { kind: 'listing', listing, version: listing.version };
  store.behind[source].value = null;
}

/** The one place where state changes. */
export function reduce(store: Store, action: Action): void {
  batch(() => {
    switch (action.type) {
      case 'source':
        store.source.value = action.source;
        store.folder.value = '';
        store.selected.value = null;
        store.selection.value = NO_SELECTION;
        store.fileAction.value = { kind: 'idle' };
        break;
      case 'scan-started': {
        const shown = store.scans[action.source].value;
        // Behind a complete listing only: one still growing is replaced at once.
        if (action.behind && shown.kind === 'listing' && shown.listing.stage === 'done') store.behind[action.source].value = { listing: action.listing, version: action.listing.version };
        else show(store, action.source, action.listing);
        break;
      }
      case 'listing-changed': {
        // Only the listing on screen is shown anew: an update of one that a newer scan replaced
        // (a live change, a purge's or a delete's update in place, still running when Refresh
        // was clicked) must not put the older listing back.
        const shown = store.scans[action.source].value;
        if (shown.kind === 'listing' && shown.listing === action.listing) store.scans[action.source].value = { kind: 'listing', listing: action.listing, version: action.listing.version };
        else if (store.behind[action.source].value?.listing === action.listing) store.behind[action.source].value = { listing: action.listing, version: action.listing.version };
        break;
      }
      case 'scan-listed':
        if (store.behind[action.source].value?.listing === action.listing) show(store, action.source, action.listing);
        break;
      case 'scan-failed':
        store.scans[action.source].value = { kind: 'failed', error: action.error, serial: action.serial };
        store.behind[action.source].value = null;
        break;
      case 'navigated':
        store.behind.page.value = null;
        // A new document: what a purge found held open in the old one says nothing now.
        store.locked.page.value = new Set();
        store.purges.page.value = { kind: 'idle' };
        // A question about the document that went is not asked of the new one (which may be another site's storage).
        if (store.purgeDialog.value?.source === 'page') store.purgeDialog.value = null;
        if (store.source.value === 'page') {
          store.confirm.value = null;
          store.prompt.value = null;
          store.folder.value = '';
          store.selected.value = null;
          store.selection.value = NO_SELECTION;
          // The file action's line stays: one still running ends with a result to read, and one
          // the navigation made fail (an upload) may have said so a moment before this arrived.
        }
        break;
      case 'live':
        store.live[action.source].value = action.state;
        break;
      case 'filter':
        store.filter.value = action.text;
        break;
      case 'folder': {
        // The list narrows to the folder; the tree opens down to it; a selection elsewhere goes.
        store.folder.value = action.path;
        const expanded = new Set(store.expanded.value);
        for (let at = action.path; at !== ''; at = parentOf(at)) expanded.add(at);
        store.expanded.value = expanded;
        store.selection.value = NO_SELECTION;
        break;
      }
      case 'folder-toggle': {
        const expanded = new Set(store.expanded.value);
        if (!expanded.delete(action.path)) expanded.add(action.path);
        store.expanded.value = expanded;
        break;
      }
      case 'sort': {
        const current = store.sort.value;
        store.sort.value = { key: action.key, descending: current.key === action.key ? !current.descending : action.key !== 'path' && action.key !== 'status' };
        break;
      }
      case 'select':
        store.selected.value = action.path;
        store.details.value = null;
        break;
      case 'details':
        store.details.value = action.details;
        break;
      case 'selection':
        store.selection.value = action.selection;
        break;
      case 'file-action':
        // A new action begins when one starts running, or ends without having run.
        if (action.state.kind !== 'idle' && store.fileAction.value.kind !== 'running') store.fileActions.value++;
        store.fileAction.value = action.state;
        break;
      case 'purge-ask':
        store.purgeDialog.value = action.request;
        store.purges[action.request.source].value = { kind: 'idle' };
        break;
      case 'purge-cancel':
        store.purgeDialog.value = null;
        break;
      case 'purge-running':
        store.purgeDialog.value = null;
        store.purges[action.source].value = { kind: 'running', label: 'Purging', fraction: action.fraction };
        break;
      case 'purge-done':
        store.purges[action.source].value = { kind: 'done', result: action.summary };
        store.locked[action.source].value = new Set(action.summary.locked);
        break;
      case 'locks-found':
        store.locked[action.source].value = new Set(action.paths);
        break;
      case 'purge-failed':
        store.purges[action.source].value = { kind: 'failed', error: action.error };
        break;
      case 'import-added':
        store.imports.value = [action.entry, ...store.imports.value];
        break;
      case 'import':
        store.imports.value = store.imports.value.map((entry) => (entry.id === action.id ? { ...entry, state: action.state } : entry));
        break;
      case 'import-dismiss':
        store.imports.value = store.imports.value.filter((entry) => entry.id !== action.id);
        break;
      case 'first-row-is-header':
        store.firstRowIsHeader.value = action.value;
        break;
      case 'snapshot-action':
        store.snapshotAction.value = action.state;
        break;
      case 'engine':
        store.engine.value = action.status;
        break;
      case 'confirm':
        store.confirm.value = action.request;
        break;
      case 'prompt':
        store.prompt.value = action.request;
        break;
      case 'conflict':
        store.conflict.value = action.request;
        break;
      case 'upload-stop':
        store.uploadStop.value = action.stop;
        break;
      case 'notice':
        store.notice.value = action.notice;
        break;
    }
  });
}

/** Summarises a purge's per-file results for the result line. */
export function summarizePurge(category: PurgeCategory, result: PurgeResult): PurgeSummary {
  return {
    category,
    removed: result.results.filter((r) => r.outcome === 'removed').length,
    locked: result.results.filter((r) => r.outcome === 'locked').map((r) => r.path),
    changed: result.results.filter((r) => r.outcome === 'changed').map((r) => r.path),
    missing: result.results.filter((r) => r.outcome === 'missing').length,
    failed: result.results.filter((r) => r.outcome === 'failed').map((r) => ({ path: r.path, error: r.error ?? 'unknown error' })),
    bytesFreed: result.bytesFreed,
  };
}

/** What a deletion did, in one sentence for people and in counts for tests. */
export function describeDeletion(all: readonly PurgeEntry[], folders: ReadonlySet<string> = new Set()): DeletionResult {
  const results = all.filter((r) => !folders.has(r.path));
  const folderResults = all.filter((r) => folders.has(r.path));
  const removed = results.filter((r) => r.outcome === 'removed');
  const bytes = removed.reduce((sum, r) => sum + r.bytes, 0);
  const changed = results.filter((r) => r.outcome === 'changed').map((r) => r.path);
  const locked = results.filter((r) => r.outcome === 'locked').map((r) => r.path);
  const missing = results.filter((r) => r.outcome === 'missing').length;
  const failed = results.filter((r) => r.outcome === 'failed').map((r) => ({ path: r.path, error: r.error ?? 'unknown error' }));
  const foldersRemoved = folderResults.filter((r) => r.outcome === 'removed' || r.outcome === 'missing').length;
  const foldersKept = folderResults.filter((r) => r.outcome !== 'removed' && r.outcome !== 'missing').map((r) => r.path);
  const parts = [`Deleted ${counted(removed.length, 'file')} (${formatBytes(bytes)})${folderResults.length > 0 ? ` and ${counted(foldersRemoved, 'folder')}` : ''}.`];
  if (foldersKept.length > 0) parts.push(`Kept ${counted(foldersKept.length, 'folder')} that still hold files: ${foldersKept.slice(0, 3).join(', ')}${foldersKept.length > 3 ? ', …' : ''}.`);
  if (changed.length > 0) parts.push(`Kept ${counted(changed.length, 'file')} written since it was listed (another size or time): ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''}.`);
  if (locked.length > 0) parts.push(`Skipped ${counted(locked.length, 'file')} held open or being written: ${locked.slice(0, 3).join(', ')}${locked.length > 3 ? ', …' : ''}.`);
  if (missing > 0) parts.push(`${counted(missing, 'file')} had already gone.`);
  if (failed.length > 0) parts.push(`${counted(failed.length, 'file')} could not be deleted: ${failed[0].path}: ${failed[0].error}${failed.length > 1 ? ', …' : ''}.`);
  return { sentence: parts.join(' '), removed: removed.length, bytes, changed, locked, missing, failed };
}

/** "1 file", "2 files": counts in words, with the noun agreeing. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

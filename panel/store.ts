/**
 * The panel's state: one store of Preact signals, changed only through {@link reduce}.
 * Long operations are state machines: idle | running(progress) | done(result) | failed(error).
 */
import { batch, computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import type { ScanResult, PurgeResult } from '../src/opfs/page-scan';
import { classifyFiles, groupSnapshots, summarize, type FileReport, type FileStatus, type ScanSummary, type SnapshotGroup } from '../src/opfs/classify';
import type { SnapshotManifest, VerifyResult } from '../src/protocol';
import type { SourceKind } from './sources';

export type Operation<T> =
  | { kind: 'idle' }
  | { kind: 'running'; label: string; fraction: number | null }
  | { kind: 'done'; result: T }
  | { kind: 'failed'; error: string };

export interface Listing {
  scan: ScanResult;
  files: FileReport[];
  groups: SnapshotGroup[];
  summary: ScanSummary;
}

export type PurgeCategory = 'empty' | 'corrupt' | 'temp';

export interface PurgeRequest {
  source: SourceKind;
  category: PurgeCategory;
  files: { path: string; size: number }[];
}

export interface PurgeOutcome {
  category: PurgeCategory;
  removed: number;
  locked: string[];
  /** Files that changed since they were listed, and were therefore kept. */
  changed: string[];
  missing: number;
  failed: { path: string; error: string }[];
  bytesFreed: number;
}

export interface ImportResult {
  fileName: string;
  manifest: SnapshotManifest;
  rows: number;
  parts: number;
  bytes: number;
  elapsedMs: number;
}

export type SortKey = 'path' | 'size' | 'modified' | 'status';

export type Action =
  | { type: 'source'; source: SourceKind }
  | { type: 'scan-started'; source: SourceKind }
  | { type: 'scan-progress'; source: SourceKind; filesSeen: number }
  | { type: 'scan-done'; source: SourceKind; scan: ScanResult; lockedPaths: ReadonlySet<string>; inUsePaths: ReadonlySet<string> }
  | { type: 'scan-failed'; source: SourceKind; error: string }
  | { type: 'filter'; text: string }
  | { type: 'sort'; key: SortKey }
  | { type: 'select'; path: string | null }
  | { type: 'purge-ask'; request: PurgeRequest }
  | { type: 'purge-cancel' }
  | { type: 'purge-running'; fraction: number }
  | { type: 'purge-done'; outcome: PurgeOutcome; lockedPaths: string[] }
  | { type: 'purge-failed'; error: string }
  | { type: 'import'; state: Operation<ImportResult> }
  | { type: 'snapshot-action'; state: Operation<SnapshotActionResult> }
  | { type: 'notice'; text: string | null };

export type SnapshotActionResult =
  | { kind: 'verify'; result: VerifyResult }
  | { kind: 'restore'; snapshotId: string; table: string; rowCount: number; checksumMatches: boolean; elapsedMs: number };

export type ScanState = { kind: 'idle' } | { kind: 'running'; filesSeen: number } | { kind: 'done'; listing: Listing } | { kind: 'failed'; error: string };

export interface Store {
  source: Signal<SourceKind>;
  scans: Record<SourceKind, Signal<ScanState>>;
  /** Files a purge found held open, per source, until the next purge or navigation. */
  locked: Record<SourceKind, Signal<ReadonlySet<string>>>;
  filter: Signal<string>;
  sort: Signal<{ key: SortKey; descending: boolean }>;
  selected: Signal<string | null>;
  purgeDialog: Signal<PurgeRequest | null>;
  purge: Signal<Operation<PurgeOutcome>>;
  importState: Signal<Operation<ImportResult>>;
  snapshotAction: Signal<Operation<SnapshotActionResult>>;
  /** A one-line message about something that failed outside the operations above (e.g. a download). */
  notice: Signal<string | null>;
  /** The current source's files after filter and sort. */
  visibleFiles: ReadonlySignal<FileReport[]>;
  currentListing: ReadonlySignal<Listing | null>;
}

const STATUS_ORDER: Record<FileStatus, number> = { corrupt: 0, empty: 1, incomplete: 2, temp: 3, locked: 4, ok: 5 };

export function createStore(initialSource: SourceKind): Store {
  const source = signal<SourceKind>(initialSource);
  const scans = { page: signal<ScanState>({ kind: 'idle' }), extension: signal<ScanState>({ kind: 'idle' }) };
  const filter = signal('');
  const sort = signal<{ key: SortKey; descending: boolean }>({ key: 'status', descending: false });
  const currentListing = computed(() => {
    const state = scans[source.value].value;
    return state.kind === 'done' ? state.listing : null;
  });
  const visibleFiles = computed(() => {
    const listing = currentListing.value;
    if (!listing) return [];
    const needle = filter.value.trim().toLowerCase();
    const matching = needle
      ? listing.files.filter((f) => f.path.toLowerCase().includes(needle) || f.status === needle)
      : listing.files.slice();
    const { key, descending } = sort.value;
    const compare = comparators[key];
    matching.sort((a, b) => (descending ? -1 : 1) * compare(a, b) || a.path.localeCompare(b.path));
    return matching;
  });
  return {
    source,
    scans,
    locked: { page: signal<ReadonlySet<string>>(new Set()), extension: signal<ReadonlySet<string>>(new Set()) },
    filter,
    sort,
    selected: signal(null),
    purgeDialog: signal(null),
    purge: signal({ kind: 'idle' }),
    importState: signal({ kind: 'idle' }),
    snapshotAction: signal({ kind: 'idle' }),
    notice: signal(null),
    visibleFiles,
    currentListing,
  };
}

const comparators: Record<SortKey, (a: FileReport, b: FileReport) => number> = {
  path: (a, b) => a.path.localeCompare(b.path),
  size: (a, b) => a.size - b.size,
  modified: (a, b) => a.lastModified - b.lastModified,
  status: (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
};

/** Builds what the panel shows from a validated scan. */
export function buildListing(scan: ScanResult, lockedPaths: ReadonlySet<string>, inUsePaths: ReadonlySet<string>): Listing {
  const files = classifyFiles(scan, { lockedPaths, inUsePaths });
  return { scan, files, groups: groupSnapshots(files), summary: summarize(files) };
}

/** The one place where state changes. */
export function reduce(store: Store, action: Action): void {
  batch(() => {
    switch (action.type) {
      case 'source':
        store.source.value = action.source;
        store.selected.value = null;
        break;
      case 'scan-started':
        store.scans[action.source].value = { kind: 'running', filesSeen: 0 };
        break;
      case 'scan-progress':
        store.scans[action.source].value = { kind: 'running', filesSeen: action.filesSeen };
        break;
      case 'scan-done':
        store.scans[action.source].value = { kind: 'done', listing: buildListing(action.scan, action.lockedPaths, action.inUsePaths) };
        break;
      case 'scan-failed':
        store.scans[action.source].value = { kind: 'failed', error: action.error };
        break;
      case 'filter':
        store.filter.value = action.text;
        break;
      case 'sort': {
        const current = store.sort.value;
        store.sort.value = { key: action.key, descending: current.key === action.key ? !current.descending : action.key !== 'path' && action.key !== 'status' };
        break;
      }
      case 'select':
        store.selected.value = action.path;
        break;
      case 'purge-ask':
        store.purgeDialog.value = action.request;
        store.purge.value = { kind: 'idle' };
        break;
      case 'purge-cancel':
        store.purgeDialog.value = null;
        break;
      case 'purge-running':
        store.purgeDialog.value = null;
        store.purge.value = { kind: 'running', label: 'Purging', fraction: action.fraction };
        break;
      case 'purge-done': {
        store.purge.value = { kind: 'done', result: action.outcome };
        const source = store.source.value;
        store.locked[source].value = new Set(action.lockedPaths);
        break;
      }
      case 'purge-failed':
        store.purge.value = { kind: 'failed', error: action.error };
        break;
      case 'import':
        store.importState.value = action.state;
        break;
      case 'snapshot-action':
        store.snapshotAction.value = action.state;
        break;
      case 'notice':
        store.notice.value = action.text;
        break;
    }
  });
}

/** Summarises a purge's per-file results for the result line. */
export function summarizePurge(category: PurgeCategory, result: PurgeResult): PurgeOutcome {
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

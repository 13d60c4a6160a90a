/**
 * What listing and checking an Origin Private File System produces, shared by the code
 * that runs in the inspected page (src/inspected-page/), the validators that read its
 * answers in the panel (page-answers.ts), and the classification (classify.ts). Types and
 * limits only.
 *
 * A scan has two stages. The walk lists every folder and file with its size and time
 * (one `getFile()` per file, no reads); its entries stream to the panel while it runs.
 * The check then reads what a verdict needs — the ends of Parquet files, the text of
 * snapshot manifests — for the files whose verdict is not known already.
 */
import type { HeadProbe } from './formats';

/** The page global that holds each request's state, keyed by request id. */
export const PAGE_GLOBAL = '__opfsSnapshotInspector';

/** Hard limits applied to whatever a page answers, whatever it claims. */
export const SCAN_LIMITS = {
  maxEntries: 250_000,
  maxNameLength: 4096,
  maxPathLength: 32_768,
  maxOriginLength: 2048,
  maxErrors: 10_000,
  maxMessageLength: 1000,
  maxFooterBytes: 64 * 1024 * 1024,
  maxPurgePaths: 250_000,
  /** Paths listed anew per call of the page's statOpfsPaths (which holds the literal: it is sent as source text). */
  maxStatPaths: 10_000,
  /** Manifests and intent records larger than this are not read (ours are a few KiB). */
  maxRecordTextLength: 1024 * 1024,
  /** One JSON text of a poll's entries: a few entries, or one with the largest footer (base64 and quotes). */
  maxEntryChunkLength: 2 * 64 * 1024 * 1024,
} as const;

/** How a walk is bounded. */
export interface WalkOptions {
  /** Stop listing after this many files and folders (the result says `truncated`). */
  maxEntries?: number;
  /** Concurrent `getFile()` calls. */
  concurrency?: number;
  /** Folders nested deeper than this are listed but not walked (the page may nest without end). */
  maxDepth?: number;
  /** The walked folder's own path ('' for the root): entries are reported below it. */
  prefix?: string;
  /**
   * Also read what each file's verdict needs (see {@link checkReadFor}) as soon as the walk
   * has its `getFile()` answer, emitting the check's entry right after the file's: a first
   * scan then reads while it walks. Not when the walked origin is one of `unlessOrigins`
   * (the panel knows verdicts there: a rescan reads only what changed, after the walk).
   */
  check?: CheckOptions & {
    textBytesLimit: number;
    unlessOrigins?: string[];
    /** Concurrent reads while folders are still being listed (`concurrency` after). */
    whileListing?: number;
  };
}

/** How a check is bounded. */
export interface CheckOptions {
  /** Footers (Thrift metadata + 8 tail bytes) larger than this are not read. */
  footerBytesLimit: number;
  /** Concurrent reads. */
  concurrency?: number;
}

/** What the walk found, one entry at a time (JSON arrays: 100,000 of them travel). */
export type WalkEntry =
  /** The origin whose storage this is (the walk's first entry). */
  | ['o', string]
  /** A file: path, size in bytes, last modified (ms since 1970). */
  | ['f', string, number, number]
  /** A folder. */
  | ['d', string]
  /** Something that could not be read: the folder it was in ('' for the storage), and why. */
  | ['e', string, string]
  /** A path asked about that no longer exists (see `statOpfsPaths`). */
  | ['g', string];

/** The walk's summary, once it is done. */
export interface WalkSummary {
  origin: string;
  usage: number | null;
  quota: number | null;
  truncated: boolean;
  elapsedMs: number;
  files: number;
  directories: number;
}

/** One file the check is asked to read, as the walk listed it. */
export interface CheckRequest {
  path: string;
  size: number;
  lastModified: number;
  /** `parquet`: its first and last bytes and footer; `text`: its text (a manifest, an intent record); `head`: what tells its format (see src/opfs/formats.ts). */
  read: 'parquet' | 'text' | 'head';
}

/** What the check read, one entry per requested file (base64 for bytes). */
export type CheckEntry =
  /** Parquet ends: path, head (≤4 bytes), tail (≤8), footer with the 8 tail bytes (or null), why the footer was not read (or null). */
  | ['p', string, string, string, string | null, 'too-large' | null]
  /** The text of a small file. */
  | ['t', string, string]
  /** What tells a format: path, the first bytes (128, or 524 for a possible sahpool slot), up to 100 bytes at 4096 and at 8192 (or null). */
  | ['h', string, string, string | null, string | null]
  /** The file is no longer what was listed: its size and time now (the panel lists it anew). */
  | ['c', string, number, number]
  /** Its bytes could not be read: why. */
  | ['x', string, string];

/** The first and last bytes of a Parquet-named file, enough to check it without reading it. */
export interface ParquetProbe {
  /** First (up to) 4 bytes. */
  head: Uint8Array;
  /** Last (up to) 8 bytes: footer length (u32 LE) and the closing magic. */
  tail: Uint8Array;
  /** The footer plus the 8 tail bytes, when its length fits the file and the limit. */
  footer: Uint8Array | null;
  /** Why `footer` is null although the tail looked like Parquet. */
  footerSkipped?: 'too-large';
}

/** One file found by a scan. `path` is folders and name joined by '/'. */
export interface ScannedFile {
  path: string;
  name: string;
  /** Folder path, '' for the root. */
  folder: string;
  size: number;
  lastModified: number;
  /** For non-empty files named `*.parquet` or `*.parquet.tmp`, once checked. */
  probe?: ParquetProbe;
  /** Instead of `probe` or `text`: why the file's bytes could not be read (the page's `File.slice` failed or lied). */
  probeError?: string;
  /** The text of a small snapshot manifest or intent record (`*.manifest.json`, `*.intent.json`), once checked. */
  text?: string;
  /** For other non-empty files, once checked: the bytes that tell their format. */
  head?: HeadProbe;
}

/** Something the walk could not read (a folder that vanished, a `getFile()` that failed). */
export interface ScanError {
  /** '' for the storage as a whole (e.g. `estimate()`). */
  path: string;
  message: string;
}

/**
 * Which files need reading for a verdict, and what of them: non-empty Parquet files their
 * ends and footer, small manifests and intents their text, every other non-empty file the
 * few bytes that tell its format (a large manifest too: it is judged by name and size).
 */
export function checkReadFor(name: string, size: number): CheckRequest['read'] | undefined {
  if (size === 0) return undefined;
  if (name.endsWith('.parquet') || name.endsWith('.parquet.tmp')) return 'parquet';
  if (size <= SCAN_LIMITS.maxRecordTextLength && (name.endsWith('.manifest.json') || name.endsWith('.intent.json'))) return 'text';
  return 'head';
}

/**
 * A file to purge, as the panel listed it. `size` is the precondition: the file is removed
 * only if its size is still exactly this right before removal.
 */
export interface PurgeTarget {
  /** Folders and name joined by '/'. */
  path: string;
  /** The size in bytes the panel listed (and the user saw); 0 for a folder. */
  size: number;
  /** When the file was last written as the panel listed it (ms): another time means it was rewritten since, even at the same size. */
  lastModified?: number;
  /**
   * A folder, removed only once empty (after the files listed in it): one still holding
   * anything (a file kept, one added since) stays and is reported `changed`.
   */
  directory?: boolean;
  /**
   * The other files its verdict rests on, as the panel listed them: a part's absence (the
   * gap that made its snapshot incomplete), the manifest that said so. The file is removed
   * only while each is still as listed; otherwise it is reported `changed`.
   */
  premises?: Premise[];
}

/** The state of a file as listed: absent (`size` null), or there with this size and time. */
export interface Premise {
  /** Folders and name joined by '/'. */
  path: string;
  size: number | null;
  lastModified?: number;
}

export type PurgeOutcome = 'removed' | 'changed' | 'locked' | 'missing' | 'failed';

/** What happened to one path of a purge. */
export interface PurgeEntry {
  path: string;
  /**
   * removed; changed (its size is no longer the listed one, so it was left alone);
   * locked (an open handle, e.g. a DuckDB sync access handle, holds it, or an exporter
   * holds its snapshot's lock); missing (already gone); failed (anything else, including
   * a path that names a folder, or a target without a valid size).
   */
  outcome: PurgeOutcome;
  /** The file's size when it was found (0 if it was not); for `changed`, its current size. */
  bytes: number;
  /** For `failed`: the error's name and message. */
  error?: string;
}

export interface PurgeResult {
  results: PurgeEntry[];
  /** Sum of `bytes` of removed files (recomputed in the panel, never taken from the page). */
  bytesFreed: number;
}

/** Where a page task failed, and what the page said about itself then (hints for the message). */
export interface PageTaskFailure {
  state: 'failed';
  /** The error, as `Name: message`. */
  error: string;
  /** `storage`: getting the OPFS root failed (no OPFS, or a replaced `getDirectory`); `task`: the work itself. */
  stage?: 'storage' | 'task';
  /** `window.origin` of the page ('null' for opaque origins: file://, data:, sandboxed). */
  origin?: string;
  /** `location.protocol`, e.g. 'file:'. */
  protocol?: string;
  /** `isSecureContext`: OPFS exists only in secure contexts. */
  secureContext?: boolean;
}

/**
 * A page task as seen by polling: running (with the entries it logged since the last
 * poll), done (with its result), failed, or missing (the page has no such request: it
 * reloaded, or the result was already collected).
 */
export type PageTaskState<T, E = never> =
  | { state: 'running'; filesSeen: number; entries: E[]; more?: boolean }
  | { state: 'done'; result: T; entries: E[] }
  | PageTaskFailure
  | { state: 'missing' };

/**
 * What a rename, move or new folder did: `done` (by `method`), `exists` (the name is taken:
 * nothing changed), `changed` (the file's size is not the listed one), `missing`, `locked`
 * (held open), or `failed` with the reason.
 */
export interface EditResult {
  outcome: 'done' | 'exists' | 'changed' | 'missing' | 'locked' | 'failed';
  method?: 'move' | 'copy' | 'none';
  error?: string;
}

/** How far an upload's writes are (see writeOpfsUpload). */
export interface UploadState {
  queued: number;
  written: number;
  error: string | null;
}

/**
 * How an upload ended: named (`done`), its name taken (`exists`), the file it was to
 * replace held open (`locked`) or no longer the one the user chose to replace (`changed`:
 * kept), or `failed`.
 */
export interface UploadOutcome {
  outcome: 'done' | 'exists' | 'locked' | 'changed' | 'failed';
  error?: string;
  /** With `failed`: the name, in the same folder, under which the file it was to replace was kept (it could not go back). */
  kept?: string;
}

/** The file an upload may replace, as the user saw it when they chose to: replaced only while it is still so. */
export interface ReplaceCondition {
  size: number;
  /** Unknown for a file this upload wrote itself a moment before. */
  lastModified?: number;
}

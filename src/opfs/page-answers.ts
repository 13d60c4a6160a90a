/**
 * Validation of what the inspected page answers. The page is untrusted: it may replace
 * `navigator.storage`, the global we poll, or any built-in our code calls there. Every
 * value is checked field by field — types, counts and lengths capped
 * ({@link SCAN_LIMITS}), paths well-formed, base64 decoded — before the panel uses it.
 * Names stay plain strings: rendering them as text is the panel's job. Runs in the panel
 * (and wherever the same page functions run directly, on the extension's own storage).
 */
import {
  SCAN_LIMITS,
  checkReadFor,
  type EditResult,
  type UploadOutcome,
  type UploadState,
  type CheckEntry,
  type CheckRequest,
  type ScannedFile,
  type PageTaskFailure,
  type PageTaskState,
  type ParquetProbe,
  type PurgeEntry,
  type PurgeOutcome,
  type PurgeResult,
  type PurgeTarget,
  type WalkEntry,
  type WalkSummary,
} from './scan-types';
import { AT_BYTES, HEAD_BYTES, SLOT_HEAD_BYTES, type HeadProbe } from './formats';
import { entryNameProblem } from './fs';
import { StringMap } from './string-keyed';

/** What the page answered is not what our code produces: the page is broken or hostile. */
export class InvalidPageAnswerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`The inspected page returned an invalid answer: ${message}`, options);
    this.name = 'InvalidPageAnswerError';
  }
}

function fail(message: string): never {
  throw new InvalidPageAnswerError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) fail(`${what} is not an object.`);
  return value;
}

function array(value: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(`${what} is not an array.`);
  if (value.length > max) fail(`${what} has ${value.length} entries, more than the ${max} this panel handles.`);
  return value;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`${what} is not a non-negative integer.`);
  return value;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} is not a finite number.`);
  return value;
}

function optionalBytesCount(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${what} is not a non-negative number.`);
  return value;
}

function text(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string') fail(`${what} is not a string.`);
  if (value.length > maxLength) fail(`${what} is ${value.length} characters long, more than ${maxLength}.`);
  return value;
}

/** Free text (error messages) is shortened rather than rejected. */
function message(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} is not a string.`);
  return value.length > SCAN_LIMITS.maxMessageLength ? `${value.slice(0, SCAN_LIMITS.maxMessageLength)}…` : value;
}

/** A '/'-separated path of file names below the OPFS root: no empty, '.' or '..' segment. */
export function opfsPath(value: unknown, what: string): string {
  const path = text(value, what, SCAN_LIMITS.maxPathLength);
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) fail(`${what} (${JSON.stringify(path.slice(0, 200))}) is not a valid path.`);
  if (segments.some((segment) => segment.length > SCAN_LIMITS.maxNameLength)) fail(`${what} has a name longer than ${SCAN_LIMITS.maxNameLength} characters.`);
  return path;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Where the few bytes a check keeps of each file go: views into shared blocks, not an
 * ArrayBuffer each. A full garbage collection sweeps every ArrayBuffer on the panel's
 * thread; with three of them per Parquet file (head, tail, footer) kept for the panel's
 * life, that sweep was one task of 80 ms of CPU at 30,000 files (0.4–0.5 s at 100,000).
 */
const BLOCK_BYTES = 256 * 1024;
let block = new ArrayBuffer(0);
let blockUsed = 0;

function keptBytes(length: number): Uint8Array<ArrayBuffer> {
  // A large piece (a big footer) gets its own buffer: a block wastes at most a quarter of itself.
  if (length > BLOCK_BYTES / 4) return new Uint8Array(length);
  if (blockUsed + length > block.byteLength) {
    block = new ArrayBuffer(BLOCK_BYTES);
    blockUsed = 0;
  }
  const out = new Uint8Array(block, blockUsed, length);
  blockUsed += length;
  return out;
}

/**
 * Decoded base64: into a view of a shared block when the bytes are kept with a file's verdict
 * (`kept`), else into a buffer of their own (a read's bytes, whose `buffer` callers hand on).
 */
function bytes(value: unknown, what: string, maxBytes: number, kept = false): Uint8Array<ArrayBuffer> {
  if (typeof value !== 'string') fail(`${what} is not a base64 string.`);
  if (value.length > Math.ceil(maxBytes / 3) * 4) fail(`${what} is larger than ${maxBytes} bytes.`);
  if (!BASE64.test(value)) fail(`${what} is not valid base64.`);
  const binary = atob(value);
  const out = kept ? keptBytes(binary.length) : new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** One entry of a walk (see `walkOpfs`). */
export function parseWalkEntry(value: unknown, what: string): WalkEntry {
  const entry = array(value, what, 4);
  switch (entry[0]) {
    case 'o':
      return ['o', text(entry[1], `${what} origin`, SCAN_LIMITS.maxOriginLength)];
    case 'f':
      return ['f', opfsPath(entry[1], `${what} path`), count(entry[2], `${what} size`), finite(entry[3], `${what} time`)];
    case 'd':
      return ['d', opfsPath(entry[1], `${what} path`)];
    case 'e':
      return ['e', entry[1] === '' ? '' : opfsPath(entry[1], `${what} path`), message(entry[2], `${what} message`)];
    case 'g':
      return ['g', opfsPath(entry[1], `${what} path`)];
    default:
      return fail(`${what} is of no kind the walk emits.`);
  }
}

/** The summary a walk ends with. */
export function parseWalkSummary(value: unknown): WalkSummary {
  const v = record(value, 'The walk result');
  if (typeof v.truncated !== 'boolean') fail('truncated is not a boolean.');
  const files = count(v.files, 'files');
  const directories = count(v.directories, 'directories');
  if (files + directories > SCAN_LIMITS.maxEntries) fail(`it lists ${files + directories} entries, more than ${SCAN_LIMITS.maxEntries}.`);
  return {
    origin: text(v.origin, 'origin', SCAN_LIMITS.maxOriginLength),
    usage: optionalBytesCount(v.usage, 'usage'),
    quota: optionalBytesCount(v.quota, 'quota'),
    truncated: v.truncated,
    elapsedMs: finite(v.elapsedMs, 'elapsedMs'),
    files,
    directories,
  };
}

/**
 * What the check read of one file, decoded and checked against what was asked for, with the
 * size and time it was asked about (when the file's differ, the page reads nothing and
 * answers `changed` with the size and time it `found`). An answer belongs to the file at
 * that size and time only: the file may have been listed anew while it travelled.
 */
export type CheckedFile = { path: string; size: number; lastModified: number } & CheckFinding;

/** What a check found of a file: the bytes its verdict needs, that it changed, or why it could not be read. */
export type CheckFinding =
  | { kind: 'parquet'; probe: ParquetProbe }
  | { kind: 'text'; text: string }
  | { kind: 'head'; head: HeadProbe }
  | { kind: 'changed'; found: { size: number; lastModified: number } }
  | { kind: 'error'; message: string };

/** What a check asked of one file: what {@link parseCheckEntry} checks its entry against. */
type Asked = Pick<CheckRequest, 'size' | 'lastModified' | 'read'>;

/** What a check was asked, by path (the requests themselves: no copy of each). */
export function askedByPath(requests: readonly CheckRequest[]): StringMap<Asked> {
  return new StringMap(requests.map((r) => [r.path, r]));
}

/**
 * One entry of a check (see `checkOpfsFiles`), for a file that was asked for with `size`:
 * its bytes must fit that size (4 head bytes at most, 8 tail bytes, a footer no larger
 * than the file).
 */
export function parseCheckEntry(value: unknown, what: string, requested: Pick<ReadonlyMap<string, Asked>, 'get'>): CheckedFile {
  const entry = array(value, what, 6) as CheckEntry | unknown[];
  const path = text(entry[1], `${what} path`, SCAN_LIMITS.maxPathLength);
  const asked = requested.get(path);
  if (!asked) fail(`${what} is about a file that was not asked for.`);
  const { size, lastModified } = asked;
  switch (entry[0]) {
    case 'p': {
      if (asked.read !== 'parquet') fail(`${what} has Parquet bytes for a file whose ${asked.read} was asked for.`);
      const head = bytes(entry[2], `${what} head`, 4, true);
      const tail = bytes(entry[3], `${what} tail`, 8, true);
      if (head.length !== Math.min(4, asked.size) || tail.length !== Math.min(8, asked.size)) fail(`${what} has magic bytes that do not match its size.`);
      let footer: Uint8Array | null = null;
      if (entry[4] !== null) {
        footer = bytes(entry[4], `${what} footer`, SCAN_LIMITS.maxFooterBytes, true);
        if (footer.length < 8 || footer.length > asked.size) fail(`${what} has a footer that does not fit the file.`);
      }
      const probe: ParquetProbe = { head, tail, footer };
      if (entry[5] !== null) {
        if (entry[5] !== 'too-large') fail(`${what} says its footer was skipped for an unknown reason.`);
        probe.footerSkipped = 'too-large';
      }
      return { kind: 'parquet', path, size, lastModified, probe };
    }
    case 't':
      if (asked.read !== 'text') fail(`${what} has text for a file whose ${asked.read} was asked for.`);
      return { kind: 'text', path, size, lastModified, text: text(entry[2], `${what} text`, SCAN_LIMITS.maxRecordTextLength) };
    case 'h': {
      if (asked.read !== 'head') fail(`${what} has a file's first bytes where its ${asked.read} was asked for.`);
      const head = bytes(entry[2], `${what} head`, SLOT_HEAD_BYTES, true);
      if (head.length !== Math.min(asked.size, HEAD_BYTES) && head.length !== Math.min(asked.size, SLOT_HEAD_BYTES)) fail(`${what} has first bytes that do not match its size.`);
      const at = (value: unknown, offset: number): Uint8Array | null => {
        if (value === null) return null;
        const found = bytes(value, `${what} bytes at ${offset}`, AT_BYTES, true);
        if (found.length !== Math.min(AT_BYTES, asked.size - offset)) fail(`${what} has bytes at ${offset} that do not match its size.`);
        return found;
      };
      return { kind: 'head', path, size, lastModified, head: { head, at4096: at(entry[3], 4096), at8192: at(entry[4], 8192) } };
    }
    case 'c':
      return { kind: 'changed', path, size, lastModified, found: { size: count(entry[2], `${what} size`), lastModified: finite(entry[3], `${what} time`) } };
    case 'x':
      return { kind: 'error', path, size, lastModified, message: message(entry[2], `${what} error`) };
    default:
      return fail(`${what} is of no kind the check emits.`);
  }
}

/** Puts what the check read of a file onto the file as scanned (a change is the caller's to list anew). */
export function recordCheck(file: ScannedFile, checked: CheckFinding): void {
  if (checked.kind === 'parquet') file.probe = checked.probe;
  else if (checked.kind === 'text') file.text = checked.text;
  else if (checked.kind === 'head') file.head = checked.head;
  else if (checked.kind === 'error') file.probeError = checked.message;
}

/** One entry of a walk that also reads (see `walkOpfs`'s `check`), validated. */
export type WalkAnswer = { entry: WalkEntry } | { checked: CheckedFile } | { listed: WalkSummary };

/**
 * A parser for the entries of one walk, in the order the walk emitted them: its entries;
 * the check of a file it listed before, at most once per file and of the kind that file's
 * name and size call for (checkReadFor); and its summary once every file is listed, while
 * reads may still go on.
 */
export function walkAnswerParser(): (value: unknown, what: string) => WalkAnswer {
  // Keyed by every path the walk lists: a StringMap, so that they stay out of V8's string table.
  const readable = new StringMap<Asked>();
  return (value, what) => {
    const tag: unknown = Array.isArray(value) ? value[0] : undefined;
    if (tag === 'p' || tag === 't' || tag === 'h' || tag === 'x') {
      const checked = parseCheckEntry(value, what, readable);
      readable.delete(checked.path);
      return { checked };
    }
    if (tag === 'l') return { listed: parseWalkSummary(array(value, what, 2)[1]) };
    const entry = parseWalkEntry(value, what);
    if (entry[0] === 'f') {
      const read = checkReadFor(entry[1].slice(entry[1].lastIndexOf('/') + 1), entry[2]);
      if (read) readable.set(entry[1], { size: entry[2], lastModified: entry[3], read });
    }
    return { entry };
  };
}

/** What a walk hands over as it goes. */
export interface WalkListener {
  /** Entries as the walk finds them, with the checks of files it listed before (a walk that reads). */
  onEntries(entries: readonly WalkEntry[], checked: readonly CheckedFile[]): void;
  /** Every file is listed (a walk that reads may still be reading). */
  onListed(summary: WalkSummary): void;
}

/** Hands a batch of walk answers to `listener`: entries and checks in their order, then the summary if it came. */
export function deliverWalkAnswers(answers: readonly WalkAnswer[], listener: WalkListener): void {
  const entries: WalkEntry[] = [];
  const checked: CheckedFile[] = [];
  let listed: WalkSummary | null = null;
  for (const answer of answers) {
    if ('entry' in answer) entries.push(answer.entry);
    else if ('checked' in answer) checked.push(answer.checked);
    else listed = answer.listed;
  }
  if (entries.length > 0 || checked.length > 0) listener.onEntries(entries, checked);
  if (listed) listener.onListed(listed);
}

const OUTCOMES: readonly PurgeOutcome[] = ['removed', 'changed', 'locked', 'missing', 'failed'];

/** The purge targets as a map from path to listed size (undefined when only paths were given); the first size of a repeated path counts. */
export function requestedPaths(requested: readonly PurgeTarget[] | readonly string[]): Map<string, number | undefined> {
  const allowed = new Map<string, number | undefined>();
  for (const target of requested) {
    const path = typeof target === 'string' ? target : target.path;
    // A folder has no size to hold its outcome to: it is 'changed' when it was not empty.
    if (!allowed.has(path)) allowed.set(path, typeof target === 'string' || target.directory ? undefined : target.size);
  }
  return allowed;
}

/** Validates one outcome of a purge (see {@link parsePurgeResult}). */
export function parsePurgeEntry(r: unknown, what: string, allowed: ReadonlyMap<string, number | undefined> | undefined): PurgeEntry {
  const entry = record(r, what);
  const path = text(entry.path, `${what}.path`, SCAN_LIMITS.maxPathLength);
  if (allowed && !allowed.has(path)) fail(`${what} reports on a path that was not requested.`);
  const outcome = entry.outcome;
  if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) fail(`${what}.outcome is unknown.`);
  const parsed: PurgeEntry = { path, outcome: outcome as PurgeOutcome, bytes: count(entry.bytes, `${what}.bytes`) };
  const listedSize = allowed?.get(path);
  // (A change may keep the listed size: a file written anew at it, seen by its time.)
  if (listedSize !== undefined && outcome === 'removed' && parsed.bytes !== listedSize) fail(`${what} reports removing a file whose size was not the listed one.`);
  if (outcome === 'failed') parsed.error = message(entry.error ?? '', `${what}.error`);
  return parsed;
}

/**
 * Validates a purge answer. With `requested` (the targets, or just their paths), also
 * rejects outcomes for paths that were not asked for; with targets, a `removed` entry must
 * also have the listed size and a `changed` one a different size (for a repeated path, the
 * first size counts, as in `purgeOpfsFiles`). `bytesFreed` is recomputed from the removed
 * entries. Throws {@link InvalidPageAnswerError}.
 */
export function parsePurgeResult(value: unknown, requested?: readonly PurgeTarget[] | readonly string[]): PurgeResult {
  const v = record(value, 'The purge result');
  const allowed = requested ? requestedPaths(requested) : undefined;
  const seen = new Set<string>();
  const results = array(v.results, 'results', SCAN_LIMITS.maxPurgePaths).map((r, i): PurgeEntry => {
    const parsed = parsePurgeEntry(r, `results[${i}]`, allowed);
    if (seen.has(parsed.path)) fail(`results[${i}] reports on the same path twice.`);
    seen.add(parsed.path);
    return parsed;
  });
  const bytesFreed = results.reduce((sum, r) => (r.outcome === 'removed' ? sum + r.bytes : sum), 0);
  return { results, bytesFreed };
}

const EDIT_OUTCOMES = new Set(['done', 'exists', 'changed', 'missing', 'locked', 'failed']);
const EDIT_METHODS = new Set(['move', 'copy', 'none']);

/** Validates what a rename, move or new folder answered. */
export function parseEditResult(value: unknown): EditResult {
  const v = record(value, 'The result');
  if (typeof v.outcome !== 'string' || !EDIT_OUTCOMES.has(v.outcome)) fail('The result has an unknown outcome.');
  const result: EditResult = { outcome: v.outcome as EditResult['outcome'] };
  if (v.method !== undefined) {
    if (typeof v.method !== 'string' || !EDIT_METHODS.has(v.method)) fail('The result has an unknown method.');
    result.method = v.method as EditResult['method'];
  }
  if (v.outcome === 'failed') result.error = message(v.error ?? '', 'error');
  return result;
}

/** Validates an upload's progress; null when the page has no such upload (it stopped). */
export function parseUploadState(value: unknown): UploadState | null {
  if (value === null) return null;
  const v = record(value, 'The upload state');
  return { queued: count(v.queued, 'queued'), written: count(v.written, 'written'), error: v.error === null ? null : message(v.error, 'error') };
}

const UPLOAD_OUTCOMES = new Set(['done', 'exists', 'locked', 'changed', 'failed']);

/** Validates how an upload ended. */
export function parseUploadOutcome(value: unknown): UploadOutcome {
  const v = record(value, 'The upload result');
  if (typeof v.outcome !== 'string' || !UPLOAD_OUTCOMES.has(v.outcome)) fail('The upload result has an unknown outcome.');
  const result: UploadOutcome = { outcome: v.outcome as UploadOutcome['outcome'] };
  if (v.outcome === 'failed') result.error = message(v.error ?? '', 'error');
  // Only ever listed anew, never acted on: a name that is not one is dropped.
  if (v.outcome === 'failed' && typeof v.kept === 'string' && entryNameProblem(v.kept) === null) result.kept = v.kept;
  return result;
}

/** A ranged read's answer: the bytes, and the file's size and time when they were read. */
export function parseReadResult(value: unknown, expectedLength: number): { bytes: Uint8Array<ArrayBuffer>; size: number; lastModified: number } {
  const v = record(value, 'The read result');
  const data = bytes(v.base64, 'the bytes read', expectedLength);
  return { bytes: data, size: count(v.size, 'size'), lastModified: finite(v.lastModified, 'lastModified') };
}

/**
 * The entries of one JSON text of a poll's answer (see pollPageTask in
 * src/inspected-page/task.ts), not yet checked one by one: a text that is not a JSON array
 * is refused.
 */
export function decodeEntryChunk(chunk: unknown, index: number): unknown[] {
  const what = `entry text ${index}`;
  if (typeof chunk !== 'string') fail(`${what} is not a string.`);
  if (chunk.length > SCAN_LIMITS.maxEntryChunkLength) fail(`${what} has ${chunk.length} characters, more than the ${SCAN_LIMITS.maxEntryChunkLength} this panel handles.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(chunk);
  } catch (error) {
    fail(`${what} is not JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  return array(parsed, what, 100_000);
}

/**
 * Validates a poll of a page task (see `pollPageTask`): running with the entries logged
 * since the last poll, done with its result and the last entries, failed (with hints for
 * the message, dropped when they are not what our code writes), or missing.
 */
export function parsePoll<T, E = never>(value: unknown, parseResult: (result: unknown) => T, parseEntry?: (entry: unknown, what: string) => E): PageTaskState<T, E> {
  if (value === null || value === undefined) return { state: 'missing' };
  const v = record(value, 'The task state');
  const entries = (): E[] => {
    if (!parseEntry) return [];
    // As the page sends them (JSON texts), or already parsed from those by the panel (see decodeInSlices).
    const raw = v.entries !== undefined ? v.entries : v.entryChunks === undefined ? [] : array(v.entryChunks, 'entryChunks', 100_000).flatMap(decodeEntryChunk);
    return array(raw, 'entries', 100_000).map((e, i) => parseEntry(e, `entry ${i}`));
  };
  switch (v.state) {
    case 'running':
      return { state: 'running', filesSeen: count(v.filesSeen, 'filesSeen'), entries: entries(), more: v.more === true };
    case 'done':
      return { state: 'done', result: parseResult(v.result), entries: entries() };
    case 'failed': {
      const failure: PageTaskFailure = { state: 'failed', error: message(v.error, 'error') };
      if (v.stage === 'storage' || v.stage === 'task') failure.stage = v.stage;
      if (typeof v.origin === 'string' && v.origin.length <= SCAN_LIMITS.maxOriginLength) failure.origin = v.origin;
      if (typeof v.protocol === 'string' && /^[a-z][a-z0-9+.-]{0,30}:$/.test(v.protocol)) failure.protocol = v.protocol;
      if (typeof v.secureContext === 'boolean') failure.secureContext = v.secureContext;
      return failure;
    }
    default:
      return fail('the task state is unknown.');
  }
}

/** A FileSystemObserver record, as the page's live watch hands it over. */
export interface OpfsChange {
  type: 'appeared' | 'disappeared' | 'modified' | 'moved' | 'unknown' | 'errored';
  path: string;
  /** For `moved`: where it was. */
  from: string | null;
}

const CHANGE_TYPES = new Set(['appeared', 'disappeared', 'modified', 'moved', 'unknown', 'errored']);

/** What a live watch recorded since the last collection. */
export interface LiveChanges {
  /** 'starting', 'watching', or 'failed' (then `error` says why). */
  state: string;
  changes: OpfsChange[];
  /** More changed than the watch keeps: list everything anew. */
  overflow: boolean;
  error: string | null;
}

/** What the page's live watch recorded since the last collection (see `collectOpfsChanges`); null when it watches nothing. */
export function parseLiveChanges(value: unknown): LiveChanges | null {
  if (value === null || value === undefined) return null;
  const v = record(value, 'The live changes');
  const state = text(v.state, 'state', 40);
  const changes = array(v.changes, 'changes', 10_000).map((c, i): OpfsChange => {
    const change = array(c, `change ${i}`, 3);
    const type = text(change[0], `change ${i} type`, 20);
    if (!CHANGE_TYPES.has(type)) fail(`change ${i} is of an unknown type.`);
    const path = change[1] === '' ? '' : opfsPath(change[1], `change ${i} path`);
    const from = change[2] === null || change[2] === '' ? null : opfsPath(change[2], `change ${i} origin`);
    return { type: type as OpfsChange['type'], path, from };
  });
  if (typeof v.overflow !== 'boolean') fail('overflow is not a boolean.');
  return { state, changes, overflow: v.overflow, error: v.error === undefined || v.error === null ? null : message(v.error, 'error') };
}

/** A Web Lock the page holds or waits for. */
export interface WebLock {
  name: string;
  mode: string;
}

/** What the probe of handles found (see src/inspected-page/handles.ts), validated. */
export interface HandleProbe {
  /** False when the page could not be probed (its CSP forbids blob: workers, no OPFS in workers): `why` says why. */
  probed: boolean;
  why?: string;
  /** Files a handle holds right now. */
  held: Set<string>;
  /** Files that could not be asked (gone meanwhile, or another error), with why. */
  failed: Map<string, string>;
  /** How many files were asked, and the longest a probe held a free file's handle (ms). */
  asked: number;
  longestHoldMs: number;
  locks: { held: WebLock[]; pending: WebLock[] };
}

const MAX_LOCKS = 1000;

/** The answer of `probeOpfsHandles` for `asked`: only paths asked about count, each at most once. */
export function parseHandleProbe(value: unknown, asked: readonly string[]): HandleProbe {
  const answer = record(value, 'the probe of handles');
  const wanted = new Set(asked);
  const lockList = (list: unknown, what: string): WebLock[] =>
    array(list ?? [], what, MAX_LOCKS).map((lock, i) => {
      const fields = record(lock, `${what} ${i}`);
      return { name: text(fields.name, `${what} ${i} name`, SCAN_LIMITS.maxPathLength), mode: text(fields.mode, `${what} ${i} mode`, 32) };
    });
  const lockAnswer = record(answer.locks ?? {}, 'its locks');
  const probe: HandleProbe = {
    probed: answer.probed === true,
    held: new Set(),
    failed: new Map(),
    asked: 0,
    longestHoldMs: 0,
    locks: { held: lockList(lockAnswer.held, 'held lock'), pending: lockList(lockAnswer.pending, 'pending lock') },
  };
  if (!probe.probed) {
    probe.why = message(answer.why ?? 'no reason given', 'why the probe failed');
    return probe;
  }
  const seen = new Set<string>();
  for (const [i, entry] of array(answer.results, 'its results', asked.length).entries()) {
    const [path, outcome, why, holdMs] = array(entry, `result ${i}`, 4);
    const file = opfsPath(path, `result ${i} path`);
    if (!wanted.has(file) || seen.has(file)) fail(`result ${i} is about a file that was not asked for, or twice.`);
    seen.add(file);
    probe.asked++;
    if (outcome === 'held') probe.held.add(file);
    else if (outcome === 'failed') probe.failed.set(file, message(why, `result ${i} error`));
    else if (outcome === 'free') probe.longestHoldMs = Math.max(probe.longestHoldMs, finite(holdMs, `result ${i} time`));
    else fail(`result ${i} has an outcome the probe does not give.`);
  }
  return probe;
}

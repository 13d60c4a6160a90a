/**
 * What the panel shows about each file of an OPFS scan: pure functions of a
 * {@link ScanResult}, so the same rules apply to the inspected page and to the extension.
 *
 * Per file, first on its own (name and bytes):
 *   temp       `*.tmp`, Chrome's `*.crswap`, DuckDB's `tmp_*.parquet`: leftovers of
 *              interrupted writes (a 0-byte `x.parquet.tmp` is temp, not empty).
 *   empty      a 0-byte `*.parquet` (single file or part).
 *   corrupt    a non-empty `*.parquet` without 'PAR1' at both ends, with a footer length
 *              that does not fit, or with a footer that does not parse; a manifest that is
 *              empty, or (when its text is given) invalid or naming another snapshot. A
 *              `*.manifest.json` whose text is JSON but not one of ours (no `formatVersion`
 *              and `snapshotId`) is another app's file: `other`, ok.
 *   ok         anything else, including files that are not snapshot files at all.
 * Then per snapshot group (`<id>.parquet` / `<id>_part_<n>.parquet` / `<id>.manifest.json`
 * in one folder), only for files still ok:
 *   incomplete - part numbers with gaps (parts 0 and 2 without 1);
 *              - the group has no manifest although other snapshots in the same folder
 *                have one (that folder uses manifests, so "no manifest, no snapshot"):
 *                flagged, but kept out of a purge of its status (`keep`), since only the
 *                name says it is ours and the app may keep Parquet files of its own there;
 *              - the manifest's text is given and lists parts that are missing, or parts
 *                whose size (or footer row count) differs, or the group has parts the
 *                manifest does not list;
 *              - a manifest with no Parquet files at all.
 *              In a folder with no manifests at all, only gaps count: other apps' Parquet
 *              files are not flagged for lacking our manifest.
 * Finally, a file in `lockedPaths` (a purge found it held open) or `inUsePaths` (our own
 * running export writes it) has status `locked`; its `health` keeps the verdict above.
 *
 * A file whose verdict needs its bytes (a non-empty Parquet file, a manifest) and that has
 * not been checked yet is `pending`: the listing shows files before their contents are read.
 *
 * The stages are separate so that a listing that grows file by file reuses them: each
 * file's own verdict ({@link classifyAlone}) is computed once, a folder's group rules
 * ({@link judgeFolder}) again whenever a file of that folder changes.
 */
import { parseFooter } from '../parquet/footer';
import type { SnapshotManifest } from '../protocol';
import { formatBytes, formatCount } from '../format';
import { manifestClaim, parseManifest } from '../snapshot/manifest';
import { parseSnapshotFileName } from '../snapshot/names';
import { parseIntent, type SnapshotIntent } from '../snapshot/intent';
import { checkReadFor, type ParquetProbe, type Premise, type PurgeTarget, type ScannedFile } from './scan-types';
import { DATABASE_FORMATS, DUCKDB_TEMP_FILE, detectFormat, type DataFormat, type FormatField, type FormatVerdict } from './formats';
import { StringMap, StringSet } from './string-keyed';

export type FileStatus = 'ok' | 'pending' | 'empty' | 'corrupt' | 'temp' | 'orphan' | 'incomplete' | 'locked';
/** A file's verdict regardless of locks. */
export type FileHealth = Exclude<FileStatus, 'locked'>;
/** What a file's name says it is. */
export type FileRole = 'single' | 'part' | 'manifest' | 'intent' | 'staged' | 'temp' | 'other';

/** From a parsed Parquet footer. */
export interface ParquetSummary {
  rows: number;
  rowGroups: number;
  /** Length of the Thrift footer (without the 8 tail bytes). */
  footerBytes: number;
}

/** One file as the panel lists it. */
export interface FileReport {
  path: string;
  name: string;
  folder: string;
  size: number;
  lastModified: number;
  status: FileStatus;
  health: FileHealth;
  /** Why it has its status, in words for the user. */
  reason: string;
  role: FileRole;
  /** For single files, parts and manifests, intents, and a `.tmp` file of one of them (an export writes its parts under such names). */
  snapshotId?: string;
  /** For parts. */
  partIndex?: number;
  parquet?: ParquetSummary;
  /** For a manifest whose text was read and is valid: what it says. */
  manifest?: SnapshotManifest;
  /** What the file is, by its first bytes (by its name until they are read, and for 0-byte files). */
  format: DataFormat;
  /** What its header says (databases, logs, sahpool slots), for the details pane. */
  formatFields?: FormatField[];
  /** For a WAL, journal or shm file: the database it belongs to, in the same folder. */
  databaseName?: string;
  /** For an opfs-sahpool slot: the name stored in it ('' for a free slot). */
  slotName?: string;
  /**
   * Why a purge of its status leaves it (it may still be deleted on its own, on purpose): a
   * damaged database may hold rows a recovery tool can still read; a Parquet file without a
   * manifest, in a folder whose other snapshots have one, may be the app's own.
   */
  keep?: string;
  /**
   * What its verdict rests on besides the file itself, as listed: a part that is missing,
   * the manifest that lists it, a database a log lacks. A purge removes the file only while
   * each is still so: a missing part written since makes its snapshot whole again.
   */
  premises?: readonly Premise[];
  /** Held open right now by a handle of the page (its DuckDB or SQLite), or found held by a purge. */
  inUse: boolean;
}

export interface ClassifyOptions {
  /** Files a purge could not remove because an open handle holds them. */
  lockedPaths?: ReadonlySet<string>;
  /** Files the extension itself is writing right now (a running export, a CSV being copied). */
  inUsePaths?: ReadonlySet<string>;
  /** Files a handle of the page holds open right now (see src/inspected-page/handles.ts). */
  heldPaths?: ReadonlySet<string>;
  /**
   * Manifest texts by path, for the manifests that were read; others are judged by name and
   * size. Default: the texts the scan read (`ScannedFile.text`).
   */
  manifests?: ReadonlyMap<string, string>;
  /** The extension's folder of CSV copies for imports (only its own storage has one). */
  stagingFolder?: string;
}

/** One snapshot: its Parquet files and manifest in one folder. */
export interface SnapshotGroup {
  id: string;
  folder: string;
  /** `<id>.parquet` first, then parts by index. */
  parts: FileReport[];
  partCount: number;
  /** Part numbers absent between 0 and the highest present. */
  missingParts: number[];
  /** Bytes of the Parquet files (not the manifest). */
  totalBytes: number;
  /** Sum of footer row counts; null when a footer was not read or did not parse. */
  totalRows: number | null;
  manifest: FileReport | null;
  manifestPresent: boolean;
  /** The worst status of its files (see {@link STATUS_SEVERITY}). */
  status: FileStatus;
}

export interface ScanSummary {
  totalFiles: number;
  totalBytes: number;
  counts: Record<FileStatus, number>;
  bytes: Record<FileStatus, number>;
  /** Files that are empty, corrupt, temporary or incomplete (locked files are counted apart). */
  needAttention: number;
  needAttentionBytes: number;
  /** e.g. "74 empty Parquet files, 2 corrupt, 3 temporary — 79 of 120 files need attention". */
  sentence: string;
}

/** Worse is higher. Locked ranks low: it says "cannot act now", not "broken". */
export const STATUS_SEVERITY: Record<FileStatus, number> = { ok: 0, pending: 1, locked: 2, temp: 3, orphan: 4, empty: 5, incomplete: 6, corrupt: 7 };

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // 'PAR1'
const MIN_PARQUET_BYTES = 12;
const rowsText = (n: number): string => `${formatCount(n)} row${n === 1 ? '' : 's'}`;

/** The verdict on a Parquet file from its probe (see {@link ParquetProbe}); mirrors `checkParquet` synchronously. */
export type ProbeCheck = { status: 'ok'; summary?: ParquetSummary; note?: string } | { status: 'corrupt'; reason: string };

/**
 * Checks a non-empty Parquet file from its first and last bytes: the same checks, in the
 * same order and words, as `checkParquet` in src/parquet/footer.ts, which needs the file.
 */
export function checkParquetProbe(size: number, probe: ParquetProbe | undefined): ProbeCheck {
  if (size < MIN_PARQUET_BYTES) return { status: 'corrupt', reason: `only ${size} bytes, too short for Parquet` };
  if (!probe) return { status: 'ok', note: 'contents not checked' };
  const { head, tail, footer } = probe;
  if (!startsWithMagic(head, 0)) return { status: 'corrupt', reason: "no 'PAR1' magic at the start" };
  if (tail.length < 8 || !startsWithMagic(tail, 4)) return { status: 'corrupt', reason: "no 'PAR1' magic at the end (truncated?)" };
  const footerBytes = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  if (footerBytes === 0 || footerBytes > size - MIN_PARQUET_BYTES) {
    return { status: 'corrupt', reason: `footer length ${footerBytes} does not fit in ${size} bytes` };
  }
  if (!footer) {
    return { status: 'ok', note: `footer not read: it is ${formatBytes(footerBytes)}, above the limit` };
  }
  if (footer.length !== footerBytes + 8 || !footer.subarray(footerBytes).every((b, i) => b === tail[i])) {
    return { status: 'corrupt', reason: 'footer bytes do not match the file tail' };
  }
  const parsed = parseFooter(footer, size);
  if ('reason' in parsed) return { status: 'corrupt', reason: parsed.reason };
  return { status: 'ok', summary: { rows: Number(parsed.metadata.num_rows), rowGroups: parsed.metadata.row_groups.length, footerBytes } };
}

function startsWithMagic(bytes: Uint8Array, offset: number): boolean {
  return bytes.length >= offset + 4 && MAGIC.every((b, i) => bytes[offset + i] === b);
}

function tempKind(name: string): string | undefined {
  if (name.endsWith('.tmp')) return `leftover of an interrupted write: ${name.slice(0, -4)} was never committed`;
  if (name.endsWith('.crswap')) return "Chrome's swap file of a write that never closed";
  if (/^tmp_.+\.parquet$/.test(name)) return "DuckDB's temporary COPY output, never renamed";
  if (DUCKDB_TEMP_FILE.test(name)) return 'a DuckDB spill file that no DuckDB holds open (a running one holds its own): its DuckDB is gone';
  return undefined;
}

/** Strings that many reports share (a folder, a reason, a snapshot's id), once each: see {@link shared}. */
const sharedStrings = new StringMap<string>();
const SHARED_STRINGS_MAX = 4096;

/**
 * The one copy kept of `text`. 100,000 reports of a big scan would otherwise each hold a
 * string of its own for what most of them say alike ("valid Parquet: 200 rows in 1 row
 * group", "app/snapshots/t7", "t7"), which is a third of the panel's heap objects at that
 * size. Bounded: when full, the table starts again.
 */
function shared(text: string): string {
  const known = sharedStrings.get(text);
  if (known !== undefined) return known;
  if (sharedStrings.size >= SHARED_STRINGS_MAX) sharedStrings.clear();
  sharedStrings.set(text, text);
  return text;
}

/**
 * Every report is made here, with all its keys in one order and no spreads: V8 then gives
 * the 100,000 reports of a big scan one shape, and classifying them takes milliseconds
 * instead of the ~0.5 s that spreading objects of varying shapes cost.
 */
function makeReport(
  file: { path: string; name: string; folder: string; size: number; lastModified: number },
  role: FileRole,
  health: FileHealth,
  reason: string,
  snapshotId?: string,
  partIndex?: number,
  parquet?: ParquetSummary,
  manifest?: SnapshotManifest,
  format: DataFormat = role === 'manifest' || role === 'intent' ? 'json' : role === 'single' || role === 'part' ? 'parquet' : 'other',
  verdict?: FormatVerdict,
  keep?: string,
): FileReport {
  return {
    path: file.path,
    name: file.name,
    folder: shared(file.folder),
    size: file.size,
    lastModified: file.lastModified,
    status: health,
    health,
    reason: shared(reason),
    role,
    snapshotId: snapshotId === undefined ? undefined : shared(snapshotId),
    partIndex,
    parquet,
    manifest,
    format,
    formatFields: verdict?.fields,
    databaseName: verdict?.databaseName,
    slotName: verdict?.slotName,
    keep,
    inUse: false,
  };
}

/** A copy of `report` with another verdict (the original may be shared by a listing's cache). */
function withVerdict(report: FileReport, health: FileHealth, reason: string, keep = report.keep, premises = report.premises): FileReport {
  const copy = makeReport(report, report.role, health, reason, report.snapshotId, report.partIndex, report.parquet, report.manifest, report.format, undefined, keep);
  copy.formatFields = report.formatFields;
  copy.databaseName = report.databaseName;
  copy.slotName = report.slotName;
  if (premises !== undefined && premises.length > 0) copy.premises = premises;
  return copy;
}

/** What a purge of `report` is told: the file as listed, and what its verdict rests on. */
export function purgeTargetOf(report: FileReport): PurgeTarget {
  return { path: report.path, size: report.size, lastModified: report.lastModified, ...(report.premises ? { premises: report.premises.map((premise) => ({ ...premise })) } : {}) };
}

/** A file as listed, for a verdict that rests on it. */
const asListed = (file: FileReport): Premise => ({ path: file.path, size: file.size, lastModified: file.lastModified });
/** Files that are not there, for a verdict that rests on their absence. */
const absentIn = (folder: string, names: readonly string[]): Premise[] => names.map((name) => ({ path: folder ? `${folder}/${name}` : name, size: null }));


/** Why a verdict that rests on a file's absence stays out of purges where the folder may not have been listed whole. */
const LISTED_IN_PART_KEEP = 'the listing may not hold every file of this folder (it stopped at its limit, or the folder could not be listed whole): what this verdict misses may be there, so it is never purged with the others';

/** `text` as our record of work on snapshot `id`, or null if it is not one. */
function intentIn(text: string, id: string): SnapshotIntent | null {
  try {
    return parseIntent(text, id);
  } catch {
    return null;
  }
}

/** Why the record of unfinished snapshot work stays when temporary files are purged (see `FileReport.keep`). */
const INTENT_KEEP =
  'it is what the exporter uses to undo or finish this work, naming exactly its files: purged alone, the parts it names would stay behind with nothing to say whose they are. The app’s exporter removes it (the library’s sweepInterrupted()), the engine does in the extension’s storage; delete it on its own if neither will';

/** Why a Parquet file flagged for lacking a manifest stays when its status is purged (see `FileReport.keep`). */
const NO_MANIFEST_KEEP = 'a Parquet file without a manifest may be the app’s own rather than a leftover of an export: never purged with the others; delete it on its own if it is a leftover';

/** A file's own verdict when it is none of our snapshot files: its format, and what its bytes say. */
function classifyByFormat(file: ScannedFile): FileReport {
  if (isPending(file)) {
    const { format, databaseName } = detectFormat(file.name, file.size, undefined);
    const report = makeReport(file, 'other', 'pending', 'contents not checked yet', undefined, undefined, undefined, undefined, format);
    report.databaseName = databaseName;
    return report;
  }
  const verdict = detectFormat(file.name, file.size, file.head);
  if (file.probeError !== undefined) {
    return makeReport(file, 'other', 'ok', `contents not checked: reading its bytes failed (${file.probeError})`, undefined, undefined, undefined, undefined, verdict.format, verdict);
  }
  if (!verdict.problem) return makeReport(file, 'other', 'ok', verdict.description, undefined, undefined, undefined, undefined, verdict.format, verdict);
  const keep =
    verdict.problem.health === 'corrupt' && DATABASE_FORMATS.has(verdict.format)
      ? 'a damaged database or log is never purged with the others: a recovery tool (SQLite’s .recover, DuckDB) may still read rows from it; delete it on its own if it is lost'
      : undefined;
  return makeReport(file, 'other', verdict.problem.health, verdict.problem.reason, undefined, undefined, undefined, undefined, verdict.format, verdict, keep);
}

/** Not checked yet: the listing shows it before its bytes are read. */
function isPending(file: ScannedFile): boolean {
  return file.probe === undefined && file.text === undefined && file.head === undefined && file.probeError === undefined && checkReadFor(file.name, file.size) !== undefined;
}

/**
 * Judges one file on its own: its name, size, and (once checked) its bytes or text. A
 * file whose verdict needs its bytes and that is not checked yet is `pending`.
 */
export function classifyAlone(file: ScannedFile, options: ClassifyOptions = {}): FileReport {
  if (options.stagingFolder !== undefined && file.folder === options.stagingFolder) {
    return makeReport(file, 'staged', 'temp', 'a copy of a CSV for an import: removed when its import ends, or as soon as its copy is known to have stopped');
  }
  const role = parseSnapshotFileName(file.name);
  const temp = tempKind(file.name);
  if (temp) return makeReport(file, 'temp', 'temp', temp, role.kind === 'temp' ? role.snapshotId : undefined, undefined, undefined, undefined, file.name.includes('.parquet') ? 'parquet' : 'other');
  if (role.kind === 'intent') {
    const id = role.snapshotId;
    // Our record only if its text says so: an app may keep a `checkout.intent.json` of its own.
    if (file.size === 0) return makeReport(file, 'intent', 'empty', '0 bytes: a record of snapshot work that was never written', id, undefined, undefined, undefined, 'json');
    if (isPending(file)) return makeReport(file, 'intent', 'pending', 'contents not checked yet', id);
    const intent = file.text === undefined ? null : intentIn(file.text, id);
    if (intent === null) {
      return makeReport(file, 'other', 'ok', 'named like the record of an unfinished export or deletion, but not one (or too large to read): another app’s file, left alone', undefined, undefined, undefined, undefined, 'json');
    }
    const work = intent.kind === 'export' ? 'an export' : 'a deletion';
    return makeReport(file, 'intent', 'temp', `the record of ${work} of snapshot ${id} that has not finished: its exporter finishes or undoes it`, id, undefined, undefined, undefined, 'json', undefined, INTENT_KEEP);
  }
  if (role.kind === 'single' || role.kind === 'part') {
    const id = role.snapshotId;
    const index = role.kind === 'part' ? role.index : undefined;
    if (file.size === 0) return makeReport(file, role.kind, 'empty', '0 bytes: nothing was ever written to this Parquet file', id, index);
    if (isPending(file)) return makeReport(file, role.kind, 'pending', 'contents not checked yet', id, index);
    // The page's File.slice failed or lied: nothing is known about the bytes, so nothing is flagged (or offered for purging).
    if (file.probeError !== undefined) return makeReport(file, role.kind, 'ok', `contents not checked: reading its bytes failed (${file.probeError})`, id, index);
    const check = checkParquetProbe(file.size, file.probe);
    if (check.status === 'corrupt') return makeReport(file, role.kind, 'corrupt', `not valid Parquet: ${check.reason}`, id, index);
    if (check.summary) {
      const { rows, rowGroups } = check.summary;
      return makeReport(file, role.kind, 'ok', `valid Parquet: ${rowsText(rows)} in ${rowGroups} row group${rowGroups === 1 ? '' : 's'}`, id, index, check.summary);
    }
    return makeReport(file, role.kind, 'ok', `Parquet magic present; ${check.note ?? 'footer not read'}`, id, index);
  }
  if (role.kind === 'manifest') {
    const id = role.snapshotId;
    if (file.size === 0) return makeReport(file, 'manifest', 'corrupt', 'the manifest is empty (0 bytes)', id);
    const text = options.manifests ? options.manifests.get(file.path) : file.text;
    if (text === undefined) {
      if (!options.manifests && isPending(file)) return makeReport(file, 'manifest', 'pending', 'contents not checked yet', id);
      return makeReport(file, 'manifest', 'ok', 'manifest present', id);
    }
    const claim = manifestClaim(text);
    if (claim.kind === 'foreign') {
      return makeReport(file, 'other', 'ok', 'JSON named like a snapshot manifest, but not one (it has no formatVersion and snapshotId): another app’s file, left alone', undefined, undefined, undefined, undefined, 'json');
    }
    if (claim.kind === 'newer') {
      return makeReport(file, 'manifest', 'ok', `a manifest of format version ${claim.version}, newer than this version reads: not checked`, id);
    }
    try {
      const manifest = parseManifest(text);
      if (manifest.snapshotId !== id) {
        return makeReport(file, 'manifest', 'corrupt', `the manifest describes snapshot "${manifest.snapshotId}", not "${id}"`, id);
      }
      return makeReport(file, 'manifest', 'ok', `manifest of ${manifest.parts.length} part${manifest.parts.length === 1 ? '' : 's'}, ${rowsText(manifest.rowCount)}`, id, undefined, undefined, manifest);
    } catch (error) {
      return makeReport(file, 'manifest', 'corrupt', error instanceof Error ? error.message : String(error), id);
    }
  }
  return classifyByFormat(file);
}

interface GroupMembers {
  id: string;
  folder: string;
  parquet: FileReport[];
  manifest: FileReport | null;
}

/** The snapshot group a file belongs to (folder and snapshot id), if any: the group rules judge only within it. */
export function snapshotGroupKey(file: FileReport): string | undefined {
  if (file.snapshotId === undefined || (file.role !== 'single' && file.role !== 'part' && file.role !== 'manifest')) return undefined;
  return `${file.folder}\u0000${file.snapshotId}`;
}

/** The key of a database's family in `folder`: the database `name` and its WAL, journal and shm files. */
export function databaseGroupKey(folder: string, name: string): string {
  return `${folder}\u0000db\u0000${name}`;
}

/**
 * The group whose rules judge a file together with others: its snapshot, or its database's
 * family (a WAL, journal or shm file, or a database that may have them). Snapshot ids hold no
 * NUL, so the two kinds of key never meet.
 */
export function groupKey(file: FileReport): string | undefined {
  const snapshot = snapshotGroupKey(file);
  if (snapshot !== undefined) return snapshot;
  if (file.databaseName !== undefined) return databaseGroupKey(file.folder, file.databaseName);
  if (file.format === 'sqlite' || file.format === 'duckdb') return databaseGroupKey(file.folder, file.name);
  return undefined;
}

const LOG_WORDS: Partial<Record<DataFormat, string>> = {
  'sqlite-wal': 'SQLite WAL',
  'sqlite-journal': 'SQLite rollback journal',
  'sqlite-shm': 'SQLite WAL index',
  'duckdb-wal': 'DuckDB write-ahead log',
};

/**
 * The rules of databases and their logs, over the files of one folder: a WAL, journal or
 * shm file whose database is not there (`exists` says which paths are listed) is an
 * orphan; a 0-byte database whose WAL or journal holds bytes is not empty (its pages may be
 * there: SQLite replays a WAL when it opens the database).
 */
function judgeDatabases(reports: readonly FileReport[], exists: (path: string) => boolean, verdicts: Map<FileReport, Verdict>, listedInPart: boolean): void {
  const logsOf = new Map<string, FileReport[]>();
  for (const report of reports) {
    if (report.databaseName === undefined) continue;
    const path = report.folder ? `${report.folder}/${report.databaseName}` : report.databaseName;
    if (!exists(path)) {
      if (report.health === 'ok' && !verdicts.has(report)) {
        const reason = `${LOG_WORDS[report.format] ?? 'log'} of ${report.databaseName}, which is not in this folder: without its database no SQLite or DuckDB can use it`;
        verdicts.set(report, ['orphan', reason, listedInPart ? LISTED_IN_PART_KEEP : undefined, absentIn(report.folder, [report.databaseName])]);
      }
      continue;
    }
    const logs = logsOf.get(report.databaseName);
    if (logs) logs.push(report);
    else logsOf.set(report.databaseName, [report]);
  }
  // Only where there are logs: looking a name up puts it into V8's string table (see string-keyed.ts), and most folders have none.
  for (const report of logsOf.size > 0 ? reports : []) {
    if (report.health !== 'empty' || report.databaseName !== undefined) continue;
    const holding = (logsOf.get(report.name) ?? []).filter((log) => log.size > 0 && log.format !== 'sqlite-shm');
    if (holding.length > 0) {
      verdicts.set(report, ['ok', `0 bytes, but ${holding.map((log) => `${log.name} holds ${formatBytes(log.size)}`).join(' and ')}: its pages may be there, replayed when the database is opened`]);
    }
  }
}

function collectGroups(files: readonly FileReport[]): StringMap<GroupMembers> {
  const groups = new StringMap<GroupMembers>();
  for (const file of files) {
    const key = snapshotGroupKey(file);
    if (key === undefined) continue;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { id: file.snapshotId!, folder: file.folder, parquet: [], manifest: null }));
    if (file.role === 'manifest') group.manifest = file;
    else group.parquet.push(file);
  }
  return groups;
}

interface PartGaps {
  missing: number[];
  /** The highest part number is absurdly far above the count: not listed one by one. */
  tooSparse: boolean;
  found: number[];
}

function partGaps(parquet: readonly FileReport[]): PartGaps {
  const found = parquet
    .filter((f) => f.role === 'part')
    .map((f) => f.partIndex!)
    .sort((a, b) => a - b);
  const highest = found.length > 0 ? found[found.length - 1] : -1;
  // Bounded by what exists: a name like x_part_999999999.parquet must not make us count to it.
  if (highest > found.length + 10_000) return { missing: [], tooSparse: true, found };
  const present = new Set(found);
  const missing: number[] = [];
  for (let i = 0; i < highest; i++) if (!present.has(i)) missing.push(i);
  return { missing, tooSparse: false, found };
}

function describeGaps({ missing, tooSparse, found }: PartGaps): string {
  const foundText = found.length > 8 ? `${found.length} parts` : found.join(', ');
  if (tooSparse) return `its part numbers have large gaps (found ${foundText})`;
  const list = missing.length > 5 ? `${missing.slice(0, 5).join(', ')}… (${missing.length} in all)` : missing.join(', ');
  return `part${missing.length === 1 ? '' : 's'} ${list} missing (found ${foundText})`;
}

/**
 * How many of a snapshot's missing parts its files' verdicts name as premises. While any
 * of them is still missing the snapshot is still incomplete; a purge that finds one of them
 * written keeps its file (the snapshot may be whole again), so naming a few is enough.
 */
const MISSING_PREMISES = 4;

/** A verdict from the rules over several files: its health, why, why a purge leaves it, what it rests on. */
type Verdict = [health: FileHealth, reason: string, keep?: string, premises?: readonly Premise[]];

/**
 * The names parts `indexes` of a group may have: ours (`<id>_part_<i>.parquet`), and the
 * zero-padded widths the group's other parts use (an app's `_part_007`).
 */
function partNames(id: string, indexes: readonly number[], parquet: readonly FileReport[]): string[] {
  const widths = new Set([0]);
  for (const file of parquet) {
    const digits = /_part_(0\d+)\.parquet$/.exec(file.name)?.[1];
    if (digits !== undefined) widths.add(digits.length);
  }
  return [...new Set(indexes.flatMap((index) => [...widths].map((width) => `${id}_part_${String(index).padStart(width, '0')}.parquet`)))];
}

/** The group rules of one snapshot: which of its files become `incomplete`, why, and on what. */
function judgeGroup(group: GroupMembers, folderUsesManifests: boolean, verdicts: Map<FileReport, Verdict>, listedInPart: boolean): void {
  const { id, folder, parquet, manifest } = group;
  const markIncomplete = (file: FileReport, reason: string, premises: readonly Premise[], keep?: string) => {
    if (file.health === 'ok' && !verdicts.has(file)) verdicts.set(file, ['incomplete', reason, keep, premises.filter((premise) => premise.path !== file.path)]);
  };
  // A verdict that rests on a file being absent, where the folder may not have been listed whole.
  const markMissing = (file: FileReport, reason: string, premises: readonly Premise[], keep?: string) => markIncomplete(file, reason, premises, listedInPart ? LISTED_IN_PART_KEEP : keep);
  const manifestName = `${id}.manifest.json`;
  const parsed = manifest?.manifest;
  if (manifest && parsed) {
    // What the manifest says, as listed: rewritten since (the app's export finishing), it may say otherwise.
    const byManifest = [asListed(manifest)];
    const listed = new StringMap(parsed.parts.map((p) => [p.name, p]));
    const present = new StringSet(parquet.map((f) => f.name));
    const missing = parsed.parts.filter((p) => !present.has(p.name)).map((p) => p.name);
    for (const file of parquet) {
      const info = listed.get(file.name);
      if (!info) markIncomplete(file, `not listed in ${manifestName}: left over from another export?`, byManifest);
      else if (file.size !== info.bytes) markIncomplete(file, `${formatBytes(file.size)} on disk, but ${manifestName} says ${formatBytes(info.bytes)} (${info.bytes} bytes)`, byManifest);
      else if (file.parquet && file.parquet.rows !== info.rows) markIncomplete(file, `${rowsText(file.parquet.rows)} in its footer, but ${manifestName} says ${rowsText(info.rows)}`, byManifest);
    }
    if (missing.length > 0) {
      const list = missing.length > 3 ? `${missing.slice(0, 3).join(', ')}… (${missing.length} in all)` : missing.join(', ');
      const reason = `${manifestName} lists files that are missing: ${list}`;
      const premises = [...byManifest, ...absentIn(folder, missing.slice(0, MISSING_PREMISES))];
      for (const file of parquet) markMissing(file, reason, premises);
      markMissing(manifest, reason, premises);
    }
    return;
  }
  // No manifest that says what the snapshot holds: the parts listed, as listed, are what the rules below rest on.
  const gaps = partGaps(parquet);
  if (gaps.missing.length > 0 || gaps.tooSparse) {
    const reason = `snapshot ${id} is incomplete: ${describeGaps(gaps)}`;
    // Too sparse to name every missing part: a part written since does not close its gaps.
    const premises = absentIn(folder, partNames(id, gaps.missing.slice(0, MISSING_PREMISES), parquet));
    for (const file of parquet) markMissing(file, reason, premises);
    if (manifest) markMissing(manifest, reason, premises);
  }
  // A complete snapshot has its first part, or is one file.
  if (manifest && parquet.length === 0) markMissing(manifest, `no Parquet files of snapshot ${id} exist`, absentIn(folder, [`${id}.parquet`, ...partNames(id, [0], parquet)]));
  if (!manifest && folderUsesManifests) {
    // Only the folder's other manifests say so: the app may keep Parquet files of its own here.
    for (const file of parquet) markMissing(file, `no ${manifestName}: the export did not finish (other snapshots in this folder have manifests)`, absentIn(folder, [manifestName]), NO_MANIFEST_KEEP);
  }
}

/**
 * Applies the snapshot group rules to the files of one folder (their own verdicts, from
 * {@link classifyAlone}), answering them in the same order: a file that the rules make
 * `incomplete` is a new report, the others are the same objects. Groups are judged each
 * on its own, so the files of some groups may be passed alone, with `usesManifests` saying
 * whether their folder holds any manifest.
 */
export function judgeFolder(
  reports: readonly FileReport[],
  usesManifests = reports.some((f) => f.role === 'manifest'),
  /** Whether a path is listed (a database's logs are judged by whether it exists). Default: whether it is among `reports`. */
  exists?: (path: string) => boolean,
  /** The folder may not have been listed whole (the walk stopped at its limit, or the folder failed partway): what rests on a file's absence is kept out of purges. */
  listedInPart = false,
): FileReport[] {
  const verdicts = new Map<FileReport, Verdict>();
  for (const group of collectGroups(reports).values()) judgeGroup(group, usesManifests, verdicts, listedInPart);
  if (reports.some((report) => report.databaseName !== undefined || report.health === 'empty')) {
    const listed = exists ?? ((paths) => (path: string) => paths.has(path))(new Set(reports.map((report) => report.path)));
    judgeDatabases(reports, listed, verdicts, listedInPart);
  }
  if (verdicts.size === 0) return reports.slice();
  return reports.map((report) => {
    const verdict = verdicts.get(report);
    return verdict === undefined ? report : withVerdict(report, verdict[0], verdict[1], verdict[2], verdict[3]);
  });
}

/**
 * Whether `paths` holds `path`, looked up only when it holds any: a lookup in a Set puts the
 * path into V8's string table (see string-keyed.ts), and locks are applied to every file listed.
 */
function holds(paths: ReadonlySet<string> | undefined, path: string): boolean {
  return paths !== undefined && paths.size > 0 && paths.has(path);
}

/**
 * Marks files held open (by a handle of the page when listed, or found so by a purge) or in
 * use (the extension writes them) as `locked`: no purge offers them.
 */
export function applyLocks(report: FileReport, lockedPaths: ReadonlySet<string> | undefined, inUsePaths: ReadonlySet<string> | undefined, heldPaths?: ReadonlySet<string>): FileReport {
  const held = holds(heldPaths, report.path);
  const lock = held
    ? 'in use: the page holds it open right now (a sync access handle, e.g. its DuckDB or SQLite)'
    : holds(lockedPaths, report.path)
      ? 'locked: an open handle holds it (e.g. the app’s DuckDB); close it and try again'
      : holds(inUsePaths, report.path)
        ? 'in use by a running export'
        : undefined;
  if (!lock) return report;
  const locked = withVerdict(report, report.health, report.health === 'ok' ? `${lock}; ${report.reason}` : `${lock} (${report.health}: ${report.reason})`);
  locked.status = 'locked';
  locked.inUse = held || holds(lockedPaths, report.path);
  return locked;
}

/**
 * `report` while the page has not said yet whether it holds the file open (see
 * Listing.handleCandidates): `pending`, its own verdict kept in `health` and the reason.
 */
export function awaitingHoldAnswer(report: FileReport): FileReport {
  const asking = withVerdict(report, report.health, `${report.reason}; asking the page whether it holds this file open`);
  asking.status = 'pending';
  return asking;
}

/**
 * The folders a walk's errors say were not listed whole: the folder an error names, and the
 * one holding it (an error names a folder that failed, or an entry of its folder left out).
 */
export function foldersListedInPart(errors: readonly { path: string }[]): Set<string> {
  const folders = new Set<string>();
  for (const { path } of errors) {
    folders.add(path);
    folders.add(path.slice(0, Math.max(0, path.lastIndexOf('/'))));
  }
  return folders;
}

/** Classifies every file of a scan; the result is in the scan's order. See the file comment for the rules. */
export function classifyFiles(scan: { files: readonly ScannedFile[]; truncated?: boolean; errors?: readonly { path: string }[] }, options: ClassifyOptions = {}): FileReport[] {
  const inPart = foldersListedInPart(scan.errors ?? []);
  const alone = scan.files.map((file) => classifyAlone(file, options));
  const byFolder = new Map<string, FileReport[]>();
  for (const report of alone) {
    const list = byFolder.get(report.folder);
    if (list) list.push(report);
    else byFolder.set(report.folder, [report]);
  }
  const judged = new Map<string, FileReport>();
  for (const [folder, reports] of byFolder) {
    for (const report of judgeFolder(reports, undefined, undefined, scan.truncated === true || inPart.has(folder))) judged.set(report.path, report);
  }
  return alone.map((report) => applyLocks(judged.get(report.path)!, options.lockedPaths, options.inUsePaths, options.heldPaths));
}

function worst(statuses: readonly FileStatus[]): FileStatus {
  return statuses.reduce<FileStatus>((a, b) => (STATUS_SEVERITY[b] > STATUS_SEVERITY[a] ? b : a), 'ok');
}

/**
 * Groups classified files into snapshots per folder, sorted by folder then id. Temp files
 * belong to no group; nor does a lone `x.parquet` in a folder without manifests (a plain
 * Parquet file, not a snapshot). `folderHasManifests`, when the files of one folder are
 * passed in part, says whether that folder holds any manifest.
 */
export function groupSnapshots(files: readonly FileReport[], folderHasManifests?: boolean): SnapshotGroup[] {
  const foldersWithManifests = new Set(files.filter((f) => f.role === 'manifest').map((f) => f.folder));
  const usesManifests = (folder: string) => folderHasManifests ?? foldersWithManifests.has(folder);
  const members = [...collectGroups(files).values()].filter((g) => g.manifest !== null || usesManifests(g.folder) || g.parquet.some((f) => f.role === 'part'));
  const groups = members.map((group): SnapshotGroup => {
    const parts = [...group.parquet].sort((a, b) => (a.partIndex ?? -1) - (b.partIndex ?? -1));
    const rows = parts.map((p) => p.parquet?.rows);
    return {
      id: group.id,
      folder: group.folder,
      parts,
      partCount: parts.length,
      missingParts: partGaps(parts).missing,
      totalBytes: parts.reduce((sum, p) => sum + p.size, 0),
      totalRows: rows.every((r) => r !== undefined) ? rows.reduce<number>((sum, r) => sum + r, 0) : null,
      manifest: group.manifest,
      manifestPresent: group.manifest !== null,
      status: worst([...parts, ...(group.manifest ? [group.manifest] : [])].map((f) => f.status)),
    };
  });
  return groups.sort((a, b) => (a.folder === b.folder ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.folder < b.folder ? -1 : 1));
}

const PROBLEMS = ['empty', 'corrupt', 'temp', 'orphan', 'incomplete'] as const satisfies readonly FileHealth[];
const PROBLEM_WORDS: Record<(typeof PROBLEMS)[number], [singular: string, plural: string]> = {
  empty: ['empty file', 'empty files'],
  corrupt: ['corrupt', 'corrupt'],
  temp: ['temporary', 'temporary'],
  orphan: ['orphaned log', 'orphaned logs'],
  incomplete: ['incomplete', 'incomplete'],
};

/** A count (or byte total) per status. */
export type StatusCounts = Record<FileStatus, number>;

export function zeroCounts(): StatusCounts {
  return { ok: 0, pending: 0, empty: 0, corrupt: 0, temp: 0, orphan: 0, incomplete: 0, locked: 0 };
}

/** Counts and bytes per status, and one sentence for the top of the panel. */
export function summarize(files: readonly FileReport[]): ScanSummary {
  const counts = zeroCounts();
  const bytes = zeroCounts();
  for (const file of files) {
    counts[file.status]++;
    bytes[file.status] += file.size;
  }
  return summarizeCounts(counts, bytes);
}

/** The summary of files counted per status (a listing keeps these counts as it changes). */
export function summarizeCounts(counts: Readonly<StatusCounts>, bytes: Readonly<StatusCounts>): ScanSummary {
  const statuses = Object.keys(counts) as FileStatus[];
  const totalFiles = statuses.reduce((sum, s) => sum + counts[s], 0);
  const totalBytes = statuses.reduce((sum, s) => sum + bytes[s], 0);
  const needAttention = PROBLEMS.reduce((sum, s) => sum + counts[s], 0);
  const needAttentionBytes = PROBLEMS.reduce((sum, s) => sum + bytes[s], 0);
  const filesWord = (n: number): string => `${formatCount(n)} file${n === 1 ? '' : 's'}`;
  const lockedText = counts.locked > 0 ? `${formatCount(counts.locked)} locked (in use)` : '';
  let sentence: string;
  const pendingText = counts.pending > 0 ? ` (${formatCount(counts.pending)} not checked yet)` : '';
  if (totalFiles === 0) sentence = 'No files';
  else if (needAttention === 0 && counts.locked === 0) sentence = totalFiles === 1 ? 'The only file looks healthy' : `All ${formatCount(totalFiles)} files look healthy`;
  else if (needAttention === 0) sentence = `${lockedText}; the other ${filesWord(totalFiles - counts.locked)} look healthy`;
  else {
    const parts = PROBLEMS.filter((s) => counts[s] > 0).map((s, i) => {
      const n = counts[s];
      const [one, many] = PROBLEM_WORDS[s];
      // Only the first item names the noun ("2 corrupt files, 3 temporary"); empty always does.
      const noun = s === 'empty' || i > 0 ? '' : n === 1 ? ' file' : ' files';
      return `${formatCount(n)} ${n === 1 ? one : many}${noun}`;
    });
    sentence = `${parts.join(', ')} — ${formatCount(needAttention)} of ${filesWord(totalFiles)} ${needAttention === 1 ? 'needs' : 'need'} attention`;
    if (lockedText) sentence += `; ${lockedText}`;
  }
  sentence += pendingText;
  return { totalFiles, totalBytes, counts: { ...counts }, bytes: { ...bytes }, needAttention, needAttentionBytes, sentence };
}

/**
 * One source's listing as it grows: files arrive from the walk (name, size, time), then
 * their checks (bytes, manifest texts) arrive, then the purge, Live mode and the file
 * actions change rows in place. Nothing here costs in proportion to the whole listing per
 * change, so 100,000 files never freeze the panel:
 * - entries from the walk are taken in slices of a few milliseconds ({@link Listing.ingest});
 * - each file's own verdict is computed once when it arrives or changes; the snapshot
 *   group rules run again only for the snapshot groups whose files changed;
 * - counts per status are kept as verdicts change, so the summary costs nothing to derive;
 * - the sorted order is kept: changed files are taken out and merged back in (sorting
 *   everything happens only when the sort key changes).
 *
 * Verdicts are kept per origin for the panel's life, keyed by path, size and time: a
 * rescan of an unchanged storage needs no file read again (see {@link verdictCache}).
 */
import {
  applyLocks,
  awaitingHoldAnswer,
  classifyAlone,
  groupSnapshots,
  databaseGroupKey,
  foldersListedInPart,
  groupKey,
  judgeFolder,
  summarizeCounts,
  zeroCounts,
  type ClassifyOptions,
  type FileReport,
  type FileStatus,
  type ScanSummary,
  type SnapshotGroup,
} from '../src/opfs/classify';
import { checkReadFor, type CheckRequest, type ScanError, type ScannedFile, type WalkEntry, type WalkSummary } from '../src/opfs/scan-types';
import { recordCheck, type CheckedFile, type CheckFinding, type HandleProbe } from '../src/opfs/page-answers';
import { DATABASE_FORMATS, DUCKDB_TEMP_FILE } from '../src/opfs/formats';
import { StringMap, StringSet } from '../src/opfs/string-keyed';
import { forEachInSlices } from './slicing';
import { buildFolderTree, type FolderTree } from './folders';

export type ListingStage = 'walking' | 'checking' | 'done';

/** A listed file as the file list shows it. */
export interface ListedFile {
  /** Its verdict after its folder's group rules and locks. */
  readonly report: FileReport;
  /** For the filter: the path in lower case, computed once. */
  readonly lowerPath: string;
}

/**
 * What a file's check read that is kept with its verdict, for the details pane: a manifest's
 * text, the first bytes of any other non-empty file that is not Parquet, why its bytes could
 * not be read. A Parquet file's bytes are not kept: the details pane reads its footer again
 * when shown.
 */
type KeptRead = { path: string } & Exclude<CheckFinding, { kind: 'parquet' } | { kind: 'changed' }>;

/** What is kept of a check's read of the file at `path` (the listed path's own string: the answer brought a copy of it). */
function keptRead(result: CheckedFile, path: string): KeptRead | undefined {
  switch (result.kind) {
    case 'text':
      return { kind: 'text', path, text: result.text };
    case 'head':
      return { kind: 'head', path, head: result.head };
    case 'error':
      return { kind: 'error', path, message: result.message };
    default:
      return undefined;
  }
}

/**
 * As few objects per file as the panel can have (at 100,000 files, collecting a heap of
 * 1.6 KB per file held the panel's thread for 60–275 ms): its verdicts, and what its
 * check read when that is kept. Its path, size and time are its verdict's.
 */
interface FileRecord extends ListedFile {
  /** Its verdict on its own (classifyAlone). */
  alone: FileReport;
  read: KeptRead | undefined;
  report: FileReport;
  /** In the kept sorted order (at the place its report had then). */
  placed: boolean;
}

export type SortKey = 'path' | 'size' | 'modified' | 'status';

const STATUS_ORDER: Record<FileStatus, number> = { corrupt: 0, empty: 1, incomplete: 2, orphan: 3, temp: 4, locked: 5, pending: 6, ok: 7 };

const byPath = (a: FileReport, b: FileReport) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

const COMPARATORS: Record<SortKey, (a: FileReport, b: FileReport) => number> = {
  path: byPath,
  size: (a, b) => a.size - b.size,
  modified: (a, b) => a.lastModified - b.lastModified,
  status: (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
};

/**
 * What checks found in one origin, by path, as long as the file keeps its size and time:
 * its own verdict, and in a map of their own the reads kept with it (a Parquet file has none).
 */
interface OriginVerdicts {
  readonly alone: StringMap<FileReport>;
  readonly reads: StringMap<KeptRead>;
}

/** Checked verdicts by origin: a rescan reads only new or changed files. */
const verdictCache = new Map<string, OriginVerdicts>();

/** The origins whose verdicts the panel keeps (a walk of another one reads while it walks). */
export function originsWithVerdicts(): string[] {
  return [...verdictCache.keys()];
}

function splitPath(path: string): { folder: string; name: string } {
  const cut = path.lastIndexOf('/');
  return { folder: cut < 0 ? '' : path.slice(0, cut), name: path.slice(cut + 1) };
}

/**
 * Merges `moved` (sorted by `compare`) into `rows` (sorted too) in place, leaving out the
 * records of `rows` that are no longer placed. In place, because a render while 100,000
 * files stream in would otherwise make a new array of every row each time (the panel's
 * costliest work in a profile at that size, and the old generation's churn); and each moved
 * record finds its place by a binary search when few move, instead of every row being compared.
 */
function mergeInPlace(rows: FileRecord[], moved: readonly FileRecord[], compare: (x: FileRecord, y: FileRecord) => number): void {
  let kept = 0;
  for (let i = 0; i < rows.length; i++) {
    const record = rows[i];
    if (record.placed) rows[kept++] = record;
  }
  rows.length = kept;
  for (let j = 0; j < moved.length; j++) rows.push(moved[j]); // grown by push: the array keeps fast elements
  // From the back: rows[0..end] are the kept ones not yet passed, rows[write] the next slot to fill.
  const search = moved.length * 16 < kept;
  let end = kept - 1;
  let write = rows.length - 1;
  for (let j = moved.length - 1; j >= 0; j--) {
    const record = moved[j];
    // The first kept row after `record`: all from it to `end` go behind it.
    let from: number;
    if (search) {
      let lo = 0;
      let hi = end + 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compare(rows[mid], record) > 0) hi = mid;
        else lo = mid + 1;
      }
      from = lo;
    } else {
      from = end + 1;
      while (from > 0 && compare(rows[from - 1], record) > 0) from--;
    }
    for (let k = end; k >= from; k--) rows[write--] = rows[k];
    end = from - 1;
    rows[write--] = record;
  }
}

let scans = 0;

/** A number for each scan the panel starts, listed or failed: the summary shows it as `data-scan`. */
export function nextScanSerial(): number {
  return ++scans;
}

/** Files an app may hold open (databases, their logs, sahpool slots, DuckDB's spill files). */
function mayBeHeld(report: FileReport): boolean {
  return DATABASE_FORMATS.has(report.format) || DUCKDB_TEMP_FILE.test(report.name);
}

/** A snapshot group judged (see Listing.judgeGroup). */
interface JudgedGroup {
  records: FileRecord[];
  reports: FileReport[];
  group: SnapshotGroup | undefined;
}

export class Listing {
  /** Tells this scan's listing from the one before (the summary shows it as `data-scan`). */
  readonly serial = nextScanSerial();
  stage: ListingStage = 'walking';
  origin = '';
  usage: number | null = null;
  quota: number | null = null;
  truncated = false;
  readonly errors: ScanError[] = [];
  /** Folders the walk's errors say were not listed whole (see `foldersListedInPart`). */
  private readonly listedInPart = new Set<string>();
  readonly directories = new Set<string>();
  /** Contents to check (requests made), and checks answered, over this listing's life. */
  toCheck = 0;
  checked = 0;
  /** Bumped on every change the panel should render. */
  version = 0;
  private readonly records = new StringMap<FileRecord>();
  /** The files of each snapshot group (folder and id, see snapshotGroupKey): the group rules judge them together. */
  private readonly groupMembers = new StringMap<Set<FileRecord>>();
  /** The groups of each folder, and how many manifests it holds (the rules differ in folders with manifests). */
  private readonly groupsInFolder = new Map<string, StringSet>();
  private readonly manifestsInFolder = new Map<string, number>();
  /** Groups whose files changed since they were last judged. */
  private readonly dirtyGroups = new StringSet();
  /**
   * While walking: the group rules' verdicts for groups that had stopped changing, computed
   * then and kept aside (a group listed in part must not show as incomplete), so that the
   * walk's end has only the groups that changed since left to judge. Any change to a group
   * drops its entry (see markDirty).
   */
  private readonly prejudged = new StringMap<JudgedGroup>();
  /** Groups changed since the last prejudge, and those changed between the two before it (quiet since: judged next). */
  private changedSincePrejudge = new StringSet();
  private changedBeforeThat = new StringSet();
  private readonly groups = new StringMap<SnapshotGroup>();
  private groupsVersion = 0;
  private sortedGroups: { version: number; groups: SnapshotGroup[] } | undefined;
  /** The files directly in each folder, and their bytes: what the folder tree sums up. */
  private readonly inFolder = new Map<string, { files: number; bytes: number }>();
  /** Bumped when a folder, or a folder's files or bytes, change (a verdict does not): the folder tree is built again only then. */
  private foldersVersion = 0;
  private folderTreeCache: { version: number; tree: FolderTree } | undefined;
  private readonly counts = zeroCounts();
  private readonly bytes = zeroCounts();
  /** Per status, the files a purge of it leaves (`FileReport.keep`). */
  private readonly kept = zeroCounts();
  private lockedPaths: ReadonlySet<string> = new Set();
  private inUsePaths: ReadonlySet<string> = new Set();
  private heldPaths: ReadonlySet<string> = new Set();
  /** Whether the page has said which files it holds open (setLocks): until then they show as pending. */
  get locksAnswered(): boolean {
    return this.answered;
  }
  private answered = false;
  /** What the last probe of handles found (see src/inspected-page/handles.ts), for the summary and the details. */
  handles: HandleProbe | undefined;
  /**
   * The records whose own verdict is pending, and those an app may hold open: kept as
   * verdicts change, so that the walk's end (what to read, what to ask the page about) costs
   * what they are, not a pass over 100,000 files.
   */
  private readonly pendingAlone = new Set<FileRecord>();
  private readonly mayHold = new Set<FileRecord>();
  /** Records whose place in the sorted order may have changed (new, resized, another status, gone). */
  private readonly unsorted = new Set<FileRecord>();
  private order: { key: SortKey; descending: boolean; rows: FileRecord[] } | undefined;
  /** Bumped whenever {@link sorted} changes its array (in place) or makes a new one: what is derived from the rows holds until then. */
  orderChanges = 0;
  private ingesting: Promise<void> = Promise.resolve();
  private derived: { version: number; summary: ScanSummary; groups: SnapshotGroup[] } | undefined;

  constructor(
    private readonly options: ClassifyOptions = {},
    /** Reads every file again: what was checked in this origin before is forgotten. */
    private readonly recheck = false,
  ) {}

  get fileCount(): number {
    return this.records.size;
  }

  /** The report of the file at `path`, if listed. */
  report(path: string): FileReport | undefined {
    return this.records.get(path)?.report;
  }

  /** The file at `path` as scanned (with what its check read and kept), if listed. */
  scanned(path: string): ScannedFile | undefined {
    const record = this.records.get(path);
    if (!record) return undefined;
    const { name, folder, size, lastModified } = record.alone;
    const file: ScannedFile = { path, name, folder, size, lastModified };
    if (record.read) recordCheck(file, record.read);
    return file;
  }

  private tally(folder: string, files: number, bytes: number): void {
    this.foldersVersion++;
    const counted = this.inFolder.get(folder);
    if (counted) {
      counted.files += files;
      counted.bytes += bytes;
      if (counted.files === 0) this.inFolder.delete(folder);
    } else if (files > 0) this.inFolder.set(folder, { files, bytes });
  }

  /** Every folder listed (empty ones too) with the files and bytes below it (see folders.ts). */
  folderTree(): FolderTree {
    if (this.folderTreeCache?.version !== this.foldersVersion) {
      this.folderTreeCache = { version: this.foldersVersion, tree: buildFolderTree(this.directories, this.inFolder) };
    }
    return this.folderTreeCache.tree;
  }

  /** Every listed path. */
  paths(): string[] {
    return [...this.records.keys()];
  }

  /** The reports of the files that have `status` now. */
  withStatus(status: FileStatus): FileReport[] {
    const out: FileReport[] = [];
    for (const { report } of this.records.values()) if (report.status === status) out.push(report);
    return out;
  }

  /** Files an app may hold open (databases, their logs, sahpool slots, DuckDB's spill files): what the probe of handles asks about. */
  handleCandidates(): string[] {
    return Array.from(this.mayHold, (record) => record.alone.path);
  }

  /** What a purge of `status` removes: its files but those it keeps (see `FileReport.keep`). */
  purgeable(status: FileStatus): FileReport[] {
    return this.withStatus(status).filter((report) => report.keep === undefined);
  }

  /**
   * Takes what the walk found in slices of a few milliseconds, after what came before:
   * `ingested()` resolves once all of it is in. The walk hands over thousands of entries at
   * a time; taken at once, they would hold the panel's thread for that long.
   */
  ingest(entries: readonly WalkEntry[]): Promise<void> {
    this.ingesting = this.ingesting.then(async () => {
      await forEachInSlices(entries, (entry) => this.addEntry(entry));
      this.version++;
    });
    return this.ingesting;
  }

  /** Resolves once every entry handed to {@link ingest} and every check handed to {@link applyChecked} is in. */
  ingested(): Promise<void> {
    return this.ingesting;
  }

  /** Adds entries at once (a few: what Live mode or an action listed anew). */
  addWalkEntries(entries: readonly WalkEntry[]): void {
    for (const entry of entries) this.addEntry(entry);
    this.version++;
  }

  /** While walking, only each file's own verdict is computed: a folder listed in part would look incomplete. */
  private addEntry(entry: WalkEntry): void {
    switch (entry[0]) {
      case 'o':
        this.origin = entry[1];
        if (this.recheck) verdictCache.delete(this.origin);
        break;
      case 'd':
        this.directories.add(entry[1]);
        this.foldersVersion++;
        break;
      case 'e':
        this.errors.push({ path: entry[1], message: entry[2] });
        // That folder may not be listed whole: its verdicts that rest on a file's absence are kept out of purges.
        for (const folder of foldersListedInPart([{ path: entry[1] }])) {
          if (this.listedInPart.has(folder)) continue;
          this.listedInPart.add(folder);
          for (const key of this.groupsInFolder.get(folder) ?? []) this.markDirty(key);
        }
        break;
      case 'f':
        this.put(entry[1], entry[2], entry[3]);
        break;
      case 'g':
        this.forget([entry[1]]);
        break;
    }
  }

  /** Lists (or lists anew) one file, taking a known verdict from the cache when it still applies. */
  private put(path: string, size: number, lastModified: number): void {
    const cache = verdictCache.get(this.origin);
    const cached = cache?.alone.get(path);
    let alone: FileReport;
    let read: KeptRead | undefined;
    if (cached && cached.size === size && cached.lastModified === lastModified) {
      alone = cached;
      read = cache?.reads.get(path);
    } else {
      const { folder, name } = splitPath(path);
      alone = classifyAlone({ path, name, folder, size, lastModified }, this.options);
    }
    const { folder, name } = alone;
    const existing = this.records.get(path);
    if (existing) {
      // The same record, changed in place: the sorted order keeps referring to it.
      this.tally(folder, 0, size - existing.alone.size);
      this.setAlone(existing, alone, read);
      this.unsort(existing);
    } else {
      const record: FileRecord = { alone, read, report: alone, lowerPath: path.toLowerCase(), placed: false };
      this.records.set(path, record);
      this.databaseArrivedOrWent(folder, name);
      this.tally(folder, 1, size);
      this.count(alone, 1);
      this.join(record);
      this.unsort(record);
    }
  }

  /**
   * A file's own verdict changed: it moves to its (new) snapshot group, which is judged again;
   * a file of no group shows its own verdict (with its lock) at once.
   */
  private setAlone(record: FileRecord, alone: FileReport, read: KeptRead | undefined): void {
    this.leave(record);
    record.alone = alone;
    record.read = read;
    this.join(record);
  }

  private join(record: FileRecord): void {
    const { alone } = record;
    if (alone.status === 'pending') this.pendingAlone.add(record);
    if (mayBeHeld(alone)) this.mayHold.add(record);
    const key = groupKey(alone);
    if (key === undefined) {
      this.setReport(record, this.withLocks(alone));
      return;
    }
    // Until its group is judged (after the walk, which may not have listed all of it yet), a file shows its own verdict.
    this.setReport(record, this.withLocks(alone));
    let members = this.groupMembers.get(key);
    if (!members) {
      this.groupMembers.set(key, (members = new Set()));
      let keys = this.groupsInFolder.get(alone.folder);
      if (!keys) this.groupsInFolder.set(alone.folder, (keys = new StringSet()));
      keys.add(key);
    }
    members.add(record);
    this.markDirty(key);
    if (alone.role === 'manifest') this.countManifest(alone.folder, 1);
  }

  private leave(record: FileRecord): void {
    this.pendingAlone.delete(record);
    this.mayHold.delete(record);
    const key = groupKey(record.alone);
    if (key === undefined) return;
    this.groupMembers.get(key)?.delete(record);
    this.markDirty(key);
    if (record.alone.role === 'manifest') this.countManifest(record.alone.folder, -1);
  }

  /** Group `key` is to be judged again: what was prejudged of it no longer holds. */
  private markDirty(key: string): void {
    this.dirtyGroups.add(key);
    this.prejudged.delete(key);
    this.changedSincePrejudge.add(key);
  }

  /** A folder's first manifest (or its last) changes the rules for every group in it. */
  private countManifest(folder: string, delta: 1 | -1): void {
    const before = this.manifestsInFolder.get(folder) ?? 0;
    const after = before + delta;
    if (after > 0) this.manifestsInFolder.set(folder, after);
    else this.manifestsInFolder.delete(folder);
    if ((before === 0) !== (after === 0)) for (const key of this.groupsInFolder.get(folder) ?? []) this.markDirty(key);
  }

  /** A file named like a listed log's database came or went: that log's family is judged again. */
  private databaseArrivedOrWent(folder: string, name: string): void {
    const key = databaseGroupKey(folder, name);
    if (this.groupMembers.has(key)) this.markDirty(key);
  }

  private unsort(record: FileRecord): void {
    this.unsorted.add(record);
    record.placed = false;
  }

  /** Whether a file whose report changed from `before` to `after` may now belong elsewhere in the kept order. */
  private movesInOrder(before: FileReport, after: FileReport): boolean {
    switch (this.order?.key) {
      case undefined:
      case 'path':
        return false; // no order kept yet, or one a verdict never changes
      case 'status':
        return before.status !== after.status;
      case 'size':
        return before.size !== after.size;
      case 'modified':
        return before.lastModified !== after.lastModified;
    }
  }

  private count(report: FileReport, sign: 1 | -1): void {
    this.counts[report.status] += sign;
    this.bytes[report.status] += sign * report.size;
    if (report.keep !== undefined) this.kept[report.status] += sign;
  }

  /** How many files a purge of `status` would remove (its files but those it keeps: see `FileReport.keep`). */
  purgeableCount(status: FileStatus): number {
    return this.counts[status] - this.kept[status];
  }

  /** Gives a record a new verdict, keeping the counts and the sorted order right. */
  private setReport(record: FileRecord, report: FileReport): void {
    const before = record.report;
    if (before === report) return;
    this.count(before, -1);
    this.count(report, 1);
    record.report = report;
    if (this.movesInOrder(before, report)) this.unsort(record);
  }

  /**
   * The walk is over: every folder is judged (in slices), and the summary fields are set.
   * The files whose verdict is still pending count as to check (a walk that reads is still
   * reading them; otherwise the check will).
   */
  async finishWalk(summary: WalkSummary): Promise<void> {
    await this.ingested();
    this.origin = summary.origin;
    this.usage = summary.usage;
    this.quota = summary.quota;
    this.truncated = summary.truncated;
    // Stopped at its limit: any folder may hold more than was listed, so every group is judged again knowing it.
    if (this.truncated) for (const key of this.groupMembers.keys()) this.markDirty(key);
    this.stage = 'checking';
    this.toCheck = this.checked + this.needingReads().length;
    await this.judge();
  }

  /** Files whose verdict needs their bytes and is not known. */
  private needingReads(): CheckRequest[] {
    const requests: CheckRequest[] = [];
    for (const { alone: file } of this.pendingAlone) {
      const read = checkReadFor(file.name, file.size);
      if (read) requests.push({ path: file.path, size: file.size, lastModified: file.lastModified, read });
    }
    return requests;
  }

  /** What the check must read: files whose verdict needs their bytes and is not known. */
  checkRequests(): CheckRequest[] {
    const requests = this.needingReads();
    // Counted over the listing's life: a second round (files that changed meanwhile) adds to what was checked.
    this.toCheck = this.checked + requests.length;
    return requests;
  }

  /**
   * Applies what the check read, in slices after what came before (a verdict parses a
   * Parquet footer: thousands at once would hold the panel's thread); `ingested()` resolves
   * once it is in. A file that changed since it was listed is listed anew (and checked again later).
   */
  applyChecked(files: readonly CheckedFile[]): Promise<void> {
    this.ingesting = this.ingesting.then(async () => {
      await forEachInSlices(files, (result) => this.applyOne(result));
      this.version++;
    });
    return this.ingesting;
  }

  private applyOne(result: CheckedFile): void {
    this.checked++;
    const record = this.records.get(result.path);
    if (!record) return;
    const { path, name, folder, size, lastModified } = record.alone;
    // Listed anew (Live, an action, a scan walking behind) since it was asked: the answer is about a file that is no longer there, whose own check is to come.
    if (result.size !== size || result.lastModified !== lastModified) return;
    if (result.kind === 'changed') {
      this.put(path, result.found.size, result.found.lastModified);
      return;
    }
    const file: ScannedFile = { path, name, folder, size, lastModified };
    recordCheck(file, result);
    const read = keptRead(result, path);
    this.setAlone(record, classifyAlone(file, this.options), read);
    let cache = verdictCache.get(this.origin);
    if (!cache) verdictCache.set(this.origin, (cache = { alone: new StringMap(), reads: new StringMap() }));
    cache.alone.set(path, record.alone);
    if (read) cache.reads.set(path, read);
    else cache.reads.delete(path);
  }

  /**
   * Takes out what is at `paths` and everything below them (files a purge removed, a folder
   * that was removed or is listed anew), without a rescan.
   */
  forget(paths: Iterable<string>, options: { keepFolders?: boolean } = {}): void {
    const gone = new StringSet(paths);
    if (gone.size === 0) return;
    const under = (path: string) => {
      for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
        if (gone.has(path.slice(0, cut))) return true;
      }
      return false;
    };
    const remove = (record: FileRecord) => {
      const { path, folder, name, size } = record.alone;
      this.records.delete(path);
      this.databaseArrivedOrWent(folder, name);
      this.tally(folder, -1, -size);
      this.leave(record);
      this.count(record.report, -1);
      this.unsort(record);
    };
    // Few paths (a purge's files): looked up one by one; else one pass over the listing.
    const exact = [...gone].map((path) => this.records.get(path));
    if (gone.size < 64 && exact.every((record) => record !== undefined)) {
      for (const record of exact) remove(record);
    } else {
      for (const [path, record] of this.records) if (gone.has(path) || under(path)) remove(record);
    }
    if (!options.keepFolders) {
      for (const folder of this.directories) if (gone.has(folder) || under(folder)) this.directories.delete(folder);
      this.foldersVersion++;
    }
    this.version++;
  }

  /**
   * Files held open (found by a purge), files in use (the extension writes them), and, when
   * given, files a handle of the page holds (asked at listing time; kept until asked again).
   */
  setLocks(lockedPaths: ReadonlySet<string>, inUsePaths: ReadonlySet<string>, heldPaths: ReadonlySet<string> = this.heldPaths): void {
    const changed = new Set<FileRecord>();
    if (!this.answered) for (const record of this.mayHold) changed.add(record);
    this.answered = true;
    for (const path of [...this.lockedPaths, ...this.inUsePaths, ...this.heldPaths, ...lockedPaths, ...inUsePaths, ...heldPaths]) {
      const record = this.records.get(path);
      if (record) changed.add(record);
    }
    this.lockedPaths = lockedPaths;
    this.inUsePaths = inUsePaths;
    this.heldPaths = heldPaths;
    for (const record of changed) this.setAlone(record, record.alone, record.read);
    this.version++;
  }

  /** What `report` shows given the locks known: a file the page may hold waits for its answer. */
  private withLocks(report: FileReport): FileReport {
    if (!this.answered && mayBeHeld(report)) return awaitingHoldAnswer(report);
    return applyLocks(report, this.lockedPaths, this.inUsePaths, this.heldPaths);
  }

  /** Runs the group rules again for the snapshot groups whose files changed, in slices (not while walking: a group may be listed in part). */
  async judge(): Promise<void> {
    if (this.stage === 'walking' || this.dirtyGroups.size === 0) return;
    const keys = [...this.dirtyGroups];
    this.dirtyGroups.clear();
    this.changedSincePrejudge.clear();
    this.changedBeforeThat.clear();
    await forEachInSlices(keys, (key) => {
      const { records, reports, group } = this.prejudged.get(key) ?? this.judgeGroup(key);
      this.prejudged.delete(key);
      if (records.length === 0) {
        this.groupMembers.delete(key);
        this.groupsInFolder.get(key.slice(0, key.indexOf('\u0000')))?.delete(key);
        if (this.groups.delete(key)) this.groupsVersion++;
        return;
      }
      records.forEach((record, i) => this.setReport(record, reports[i]));
      if (group) this.groups.set(key, group);
      else this.groups.delete(key);
      this.groupsVersion++;
    });
    this.version++;
  }

  /**
   * The group rules for the files of group `key` as they are now: each file's report (with
   * its lock), in the order of `records`, and the snapshot they make, if any.
   */
  private judgeGroup(key: string): JudgedGroup {
    const members = this.groupMembers.get(key);
    const records = members ? [...members] : [];
    if (records.length === 0) return { records, reports: [], group: undefined };
    const folder = records[0].alone.folder;
    const folderHasManifests = this.manifestsInFolder.has(folder);
    const judged = judgeFolder(
      records.map((r) => r.alone),
      folderHasManifests,
      (path) => this.records.has(path),
      this.truncated || this.listedInPart.has(folder),
    );
    const reports = judged.map((report) => this.withLocks(report));
    const [group] = groupSnapshots(reports, folderHasManifests);
    return { records, reports, group };
  }

  /**
   * While walking, after what came before: runs the group rules for the groups that changed
   * before the last call and not since — most likely listed whole — and keeps their
   * verdicts aside for the walk's end (see {@link prejudged}). A group still growing waits
   * for a later call, so that few are judged twice.
   */
  prejudge(): Promise<void> {
    if (this.stage !== 'walking') return this.ingesting;
    this.ingesting = this.ingesting.then(async () => {
      // Costs what changed, not the whole listing: this runs after every slice of a walk.
      const quiet = [...this.changedBeforeThat].filter((key) => !this.changedSincePrejudge.has(key));
      this.changedBeforeThat = this.changedSincePrejudge;
      this.changedSincePrejudge = new StringSet();
      await forEachInSlices(quiet, (key) => {
        // Skipped if it changed between two slices: it is then judged in a later call.
        if (this.stage === 'walking' && !this.changedSincePrejudge.has(key)) this.prejudged.set(key, this.judgeGroup(key));
      });
    });
    return this.ingesting;
  }

  /** The summary and the snapshot groups, as of the current version. */
  view(): { summary: ScanSummary; groups: SnapshotGroup[] } {
    if (this.derived?.version !== this.version) {
      if (this.sortedGroups?.version !== this.groupsVersion) {
        const groups = [...this.groups.values()].sort((a, b) => (a.folder === b.folder ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.folder < b.folder ? -1 : 1));
        this.sortedGroups = { version: this.groupsVersion, groups };
      }
      this.derived = { version: this.version, summary: summarizeCounts(this.counts, this.bytes), groups: this.stage === 'walking' ? [] : this.sortedGroups.groups };
    }
    return this.derived;
  }

  /**
   * Every file in the order asked for (ties by path). The order is kept between calls:
   * files that changed since the last call are taken out and merged back in; everything is
   * sorted only when the key or direction changes. The array is the listing's own, changed
   * in place by the next call: hold it until then only.
   */
  sorted(key: SortKey, descending: boolean): readonly ListedFile[] {
    const primary = COMPARATORS[key];
    const direction = descending ? -1 : 1;
    const compare = (a: FileRecord, b: FileRecord) => direction * primary(a.report, b.report) || byPath(a.report, b.report);
    const order = this.order;
    if (!order || order.key !== key || order.descending !== descending) {
      const rows = [...this.records.values()].sort(compare);
      for (const record of rows) record.placed = true;
      this.order = { key, descending, rows };
      this.unsorted.clear();
      this.orderChanges++;
      return rows;
    }
    if (this.unsorted.size === 0) return order.rows;
    const moved: FileRecord[] = [];
    for (const record of this.unsorted) {
      // Still listed (a record taken out is not; its path may be listed anew by another).
      if (this.records.get(record.alone.path) === record) moved.push(record);
    }
    moved.sort(compare);
    // The kept order without the files taken out (no longer placed), the moved ones merged in where they now belong.
    mergeInPlace(order.rows, moved, compare);
    for (const record of moved) record.placed = true;
    this.unsorted.clear();
    this.orderChanges++;
    return order.rows;
  }
}

/**
 * One source's listing as it grows: files arrive from the walk (name, size, time), then
 * their checks (bytes, manifest texts) arrive, then the purge and the file actions change
 * rows in place. Each file's own verdict is computed once when it arrives or changes; the
 * snapshot group rules run again only for the folders that changed. What the panel renders
 * (reports, summary, snapshot groups) is derived once per change of {@link Listing.version}.
 *
 * Verdicts are kept per origin for the panel's life, keyed by path, size and time: a
 * rescan of an unchanged storage needs no file read again (see {@link verdictCache}).
 */
import { applyLocks, classifyAlone, groupSnapshots, judgeFolder, summarize, type ClassifyOptions, type FileReport, type ScanSummary, type SnapshotGroup } from '../src/opfs/classify';
import { checkReadFor, type CheckRequest, type ScanError, type ScannedFile, type WalkEntry, type WalkSummary } from '../src/opfs/scan-types';
import type { CheckedFile } from '../src/opfs/page-answers';
import { forEachInSlices } from './slicing';

export type ListingStage = 'walking' | 'checking' | 'done';

interface FileRecord {
  file: ScannedFile;
  /** Its verdict on its own (classifyAlone). */
  alone: FileReport;
  /** Its verdict after its folder's group rules and locks: what the panel shows. */
  report: FileReport;
  /** For the filter: the path in lower case, computed once. */
  lowerPath: string;
}

/** What a check found, kept per origin and path as long as the file keeps its size and time. */
interface Verdict {
  size: number;
  lastModified: number;
  checked: Pick<ScannedFile, 'probe' | 'text' | 'probeError'>;
  alone: FileReport;
}

/** Checked verdicts by origin, then path: a rescan reads only new or changed files. */
const verdictCache = new Map<string, Map<string, Verdict>>();

/** Forgets what was checked in `origin` (the storage was cleared, or the user asks for a full check). */
export function forgetVerdicts(origin: string): void {
  verdictCache.delete(origin);
}

function splitPath(path: string): { folder: string; name: string } {
  const cut = path.lastIndexOf('/');
  return { folder: cut < 0 ? '' : path.slice(0, cut), name: path.slice(cut + 1) };
}

export class Listing {
  stage: ListingStage = 'walking';
  origin = '';
  usage: number | null = null;
  quota: number | null = null;
  truncated = false;
  readonly errors: ScanError[] = [];
  readonly directories = new Set<string>();
  /** Files whose contents are to be checked, and how many of them are done. */
  toCheck = 0;
  checked = 0;
  /** Bumped on every change the panel should render. */
  version = 0;
  private readonly records = new Map<string, FileRecord>();
  private readonly dirtyFolders = new Set<string>();
  private lockedPaths: ReadonlySet<string> = new Set();
  private inUsePaths: ReadonlySet<string> = new Set();
  private derived: { version: number; reports: FileReport[]; summary: ScanSummary; groups: SnapshotGroup[] } | undefined;

  constructor(private readonly options: ClassifyOptions = {}) {}

  get fileCount(): number {
    return this.records.size;
  }

  /** The report of the file at `path`, if listed. */
  report(path: string): FileReport | undefined {
    return this.records.get(path)?.report;
  }

  /** The scanned file (with what its check read) at `path`, if listed. */
  scanned(path: string): ScannedFile | undefined {
    return this.records.get(path)?.file;
  }

  /** The lower-case path of a listed file (for filtering). */
  lowerPath(path: string): string {
    return this.records.get(path)?.lowerPath ?? path.toLowerCase();
  }

  /** Adds what the walk found. While walking, only each file's own verdict is computed: a folder listed in part would look incomplete. */
  addWalkEntries(entries: readonly WalkEntry[]): void {
    for (const entry of entries) {
      switch (entry[0]) {
        case 'o':
          this.origin = entry[1];
          break;
        case 'd':
          this.directories.add(entry[1]);
          break;
        case 'e':
          this.errors.push({ path: entry[1], message: entry[2] });
          break;
        case 'f':
          this.put(entry[1], entry[2], entry[3]);
          break;
      }
    }
    this.version++;
  }

  /** Lists (or lists anew) one file, taking a known verdict from the cache when it still applies. */
  private put(path: string, size: number, lastModified: number): void {
    const { folder, name } = splitPath(path);
    const file: ScannedFile = { path, name, folder, size, lastModified };
    const cached = verdictCache.get(this.origin)?.get(path);
    let alone: FileReport;
    if (cached && cached.size === size && cached.lastModified === lastModified) {
      Object.assign(file, cached.checked);
      alone = cached.alone;
    } else {
      alone = classifyAlone(file, this.options);
    }
    const existing = this.records.get(path);
    this.records.set(path, { file, alone, report: alone, lowerPath: existing?.lowerPath ?? path.toLowerCase() });
    if (this.stage !== 'walking') this.dirtyFolders.add(folder);
  }

  /** The walk is over: every folder is judged (in slices), and the summary fields are set. */
  async finishWalk(summary: WalkSummary): Promise<void> {
    this.origin = summary.origin;
    this.usage = summary.usage;
    this.quota = summary.quota;
    this.truncated = summary.truncated;
    this.stage = 'checking';
    for (const record of this.records.values()) this.dirtyFolders.add(record.file.folder);
    await this.judgeDirtyFolders();
  }

  /** What the check must read: files whose verdict needs their bytes and is not known. */
  checkRequests(): CheckRequest[] {
    const requests: CheckRequest[] = [];
    for (const { file, alone } of this.records.values()) {
      if (alone.status !== 'pending') continue;
      const read = checkReadFor(file.name, file.size);
      if (read) requests.push({ path: file.path, size: file.size, lastModified: file.lastModified, read });
    }
    this.toCheck = requests.length;
    this.checked = 0;
    return requests;
  }

  /** Applies what the check read; a file that changed since it was listed is listed anew (and checked again later). */
  applyChecked(files: readonly CheckedFile[]): string[] {
    const changed: string[] = [];
    for (const result of files) {
      this.checked++;
      const record = this.records.get(result.path);
      if (!record) continue;
      const file = record.file;
      if (result.kind === 'changed') {
        this.put(file.path, result.size, result.lastModified);
        changed.push(file.path);
        continue;
      }
      if (result.kind === 'parquet') file.probe = result.probe;
      else if (result.kind === 'text') file.text = result.text;
      else file.probeError = result.message;
      record.alone = classifyAlone(file, this.options);
      record.report = record.alone;
      this.dirtyFolders.add(file.folder);
      let byPath = verdictCache.get(this.origin);
      if (!byPath) verdictCache.set(this.origin, (byPath = new Map()));
      byPath.set(file.path, { size: file.size, lastModified: file.lastModified, checked: { probe: file.probe, text: file.text, probeError: file.probeError }, alone: record.alone });
    }
    this.version++;
    return changed;
  }

  /** Takes files out of the listing (removed by a purge, a delete, a move), without a rescan. */
  remove(paths: Iterable<string>): void {
    for (const path of paths) {
      const record = this.records.get(path);
      if (!record) continue;
      this.records.delete(path);
      this.dirtyFolders.add(record.file.folder);
    }
    this.version++;
  }

  /** Files held open (found by a purge) and files in use (the extension writes them). */
  setLocks(lockedPaths: ReadonlySet<string>, inUsePaths: ReadonlySet<string>): void {
    this.lockedPaths = lockedPaths;
    this.inUsePaths = inUsePaths;
    for (const record of this.records.values()) this.dirtyFolders.add(record.file.folder);
  }

  /** Runs the group rules again for the folders whose files changed, in slices. */
  async judgeDirtyFolders(): Promise<void> {
    if (this.dirtyFolders.size === 0) return;
    const folders = [...this.dirtyFolders];
    this.dirtyFolders.clear();
    const byFolder = new Map<string, FileRecord[]>();
    for (const folder of folders) byFolder.set(folder, []);
    for (const record of this.records.values()) byFolder.get(record.file.folder)?.push(record);
    await forEachInSlices(folders, (folder) => {
      const records = byFolder.get(folder)!;
      const judged = judgeFolder(records.map((r) => r.alone));
      records.forEach((record, i) => (record.report = applyLocks(judged[i]!, this.lockedPaths, this.inUsePaths)));
    });
    this.version++;
  }

  /** Every file's report, the summary and the snapshot groups, as of the current version. */
  view(): { reports: FileReport[]; summary: ScanSummary; groups: SnapshotGroup[] } {
    if (this.derived?.version !== this.version) {
      const reports = Array.from(this.records.values(), (r) => r.report);
      this.derived = { version: this.version, reports, summary: summarize(reports), groups: this.stage === 'walking' ? [] : groupSnapshots(reports) };
    }
    return this.derived;
  }
}

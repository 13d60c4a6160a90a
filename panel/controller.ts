/**
 * What the panel does: scans, purges, CSV imports, restore, verify and deletion of
 * snapshots, the engine's tables. Each turns I/O into actions for the store's reducer;
 * components only call these.
 */
import { backgroundClient, onEvent } from '../src/messaging';
import { RemoteError, type ImportResult, type OperationProgress, type OperationRecord } from '../src/protocol';
import { SNAPSHOTS_DIR, STAGING_DIR, restoredTableName, snapshotIdFromFileName } from '../src/snapshot/names';
import { withStagingLock } from '../src/snapshot/locks';
import { getDirectory, opfsRoot, removeIfExists } from '../src/opfs/fs';
import { SCAN_LIMITS, type EditResult, type PurgeEntry, type PurgeTarget, type ReplaceCondition, type UploadOutcome, type WalkEntry, type WalkSummary } from '../src/opfs/scan-types';
import type { HandleProbe, OpfsChange } from '../src/opfs/page-answers';
import { StringSet } from '../src/opfs/string-keyed';
import { purgeTargetOf, type SnapshotGroup } from '../src/opfs/classify';
import { formatBytes } from '../src/format';
import { counted, describeDeletion, reduce, summarizePurge, type ConflictChoice, type ImportEntry, type ImportSummary, type PurgeCategory, type Store } from './store';
import { pageSourceAt, snapshotOf, sources, type OpfsSource, type SourceKind } from './sources';
import { downloadFile, downloadZip, type DownloadFile } from './download';
import { PageTaskInterruptedError, PageUnavailableError } from './inspected-window';
import { Listing, nextScanSerial, originsWithVerdicts } from './listing';
import { clearSelection, clickRow as clickSelection, isSelectionKey, moveCursor, selectAll, withoutPaths, type Modifiers } from './selection';
import { hexPreview, loadDetails, type FileDetails } from './details';
import { isUnder, parentOf } from './folders';
import { entryNameProblem, keepBothName } from './names';
import { yieldToBrowser } from './slicing';

export type Controller = ReturnType<typeof createController>;

/**
 * True when a request failed for want of an answer (the service worker was stopped, the
 * engine's document closed, a time-out) rather than with the engine's own error.
 */
export function lostContact(error: unknown): boolean {
  return !(error instanceof RemoteError) || error.name === 'EngineUnavailableError';
}

/** A message for people: the error's own message, which our errors write for them. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

const PHASE_LABELS: Record<OperationProgress['phase'], string> = {
  loading: 'Reading the CSV into DuckDB',
  counting: 'Counting rows and computing the checksum',
  encoding: 'Encoding Parquet',
  writing: 'Writing to OPFS',
  verifying: 'Verifying',
  committing: 'Committing the manifest',
  restoring: 'Restoring',
};

/** A growing listing is shown at most this often. */
const RENDER_EVERY_MS = 150;
/**
 * A scan that found the page between documents starts again after these pauses (2.5 s in
 * all, as before). The first is short: the panel hears of a reload as the new document
 * commits, and its first evaluation there can fail ("Operation failed") only because that
 * document is not ready yet. Logged on a reload at 100,000 files: the first start failed that
 * way 79 ms after the reload, and the pause then (250 ms) was most of the 0.4 s before the walk began.
 */
const RESCAN_AFTER_NAVIGATING_MS = [50, 150, 300, 500, 700, 800];

/**
 * A refresh walks behind the listing shown (see Store.behind) while that listing holds at most
 * this many files. A larger one is let go as the refresh starts: two listings of 100,000
 * files held at once made the panel's heap collect in pauses of 26–30 ms of CPU each, four in
 * one refresh (bench/README.md, "2026-12-07, evening"). Not measured between 10,000 and 100,000.
 */
const BEHIND_MAX_FILES = 25_000;

/** Live mode collects the storage's recorded changes this often (one evaluation that touches no file). */
const LIVE_COLLECT_MS = 1000;

/** How long the panel waits for an import it follows by asking the engine, once a second. */
const FOLLOW_IMPORT_MS = 60 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** A file to upload, with its path below the folder it goes to (its name, or its place in a folder tree). */
export interface UploadItem {
  file: Blob;
  path: string;
}

/** A file name from an origin ("http://127.0.0.1:8080" → "127.0.0.1_8080"): what a zip of its files is named after. */
function archiveStem(origin: string): string {
  const host = /^[a-z-]+:\/\/([^/]+)/i.exec(origin)?.[1] ?? origin;
  return `opfs-${host.replace(/[^\w.-]+/g, '_')}`;
}

/** What a probe of handles and writes in progress was asked about: the files listed then, and which of them could be databases. */
interface AskedLocks {
  paths: readonly string[];
  candidates: readonly string[];
}

/** Whether the answer to `asked` covers what `listing` holds now: no file listed since, no database recognised since. */
function answersFor(asked: AskedLocks, listing: Listing): boolean {
  const covers = (now: readonly string[], then: readonly string[]) => {
    const known = new StringSet(then); // every listed path: kept out of V8's string table (see string-keyed.ts)
    return now.every((path) => known.has(path));
  };
  return covers(listing.handleCandidates(), asked.candidates) && covers(listing.paths(), asked.paths);
}

export interface RefreshOptions {
  /** Read every file again (Shift-click on Refresh). */
  recheck?: boolean;
  /** Keep the listing shown on screen while this one walks (see Store.behind). */
  behind?: boolean;
}

export function createController(store: Store, client = backgroundClient()) {
  const scanGeneration: Record<SourceKind, number> = { page: 0, extension: 0 };
  /** Copies into staging that can still be stopped, by import id. */
  const copies = new Map<string, AbortController>();
  /** Bumped whenever live mode of a source is switched: an older loop stops. */
  const liveGeneration: Record<SourceKind, number> = { page: 0, extension: 0 };
  /** Counts the inspected page's documents: an action over several files stops when the page navigates. */
  let pageDocument = 0;

  /** The document each listing was listed in (the page's count of documents; the extension has one). */
  const listedIn = new WeakMap<Listing, number>();
  const documentOf = (source: SourceKind): number => (source === 'page' ? pageDocument : 0);
  /** Paths that actions changed or removed in the listing shown while a scan walked behind it (see changedBehind), by that scan's listing. */
  const changedWhileBehind = new WeakMap<Listing, { changed: Set<string>; gone: Set<string> }>();

  /** The newest refresh of each source: a refresh that a newer one took over waits for it. */
  const latestRefresh: Record<SourceKind, Promise<void>> = { page: Promise.resolve(), extension: Promise.resolve() };

  /** What the panel shows of `source` now, if it is a listing. */
  function listingOf(source: SourceKind): Listing | null {
    const state = store.scans[source].value;
    return state.kind === 'listing' ? state.listing : null;
  }

  /**
   * Where to act on files of `listing`: for the page, only in a document of the origin they
   * were listed from (see pageSourceAt). The panel stops an action when it hears of a
   * navigation; this covers the one it has not heard of yet.
   */
  function actOn(source: SourceKind, listing: Listing | null = listingOf(source)): OpfsSource {
    return actAt(source, listing?.origin);
  }

  /** Where to act on files listed from `origin` (see {@link actOn}). */
  function actAt(source: SourceKind, origin: string | undefined): OpfsSource {
    return source === 'page' && origin ? pageSourceAt(origin) : sources[source];
  }

  /**
   * Lists a source anew (see {@link scan}), and resolves once the listing shown is complete:
   * when a newer refresh (a navigation, another click) takes over, once that one is done.
   * `behind`: the listing shown stays while this one walks (see Store.behind) — for a refresh
   * the user asked for; one that follows an action (whose rows must not stay) starts empty.
   */
  async function refresh(source: SourceKind = store.source.value, options: RefreshOptions = {}): Promise<void> {
    const run = refreshOnce(source, options);
    latestRefresh[source] = run;
    await run;
    for (let seen = run; seen !== latestRefresh[source]; ) {
      seen = latestRefresh[source];
      await seen;
    }
  }

  async function refreshOnce(source: SourceKind, options: RefreshOptions): Promise<void> {
    const generation = ++scanGeneration[source];
    const current = () => generation === scanGeneration[source];
    for (let attempt = 0; ; attempt++) {
      try {
        await scan(source, current, options.recheck ?? false, options.behind ?? false);
        break;
      } catch (error) {
        if (!current()) return;
        if (error instanceof PageUnavailableError && error.transient && attempt < RESCAN_AFTER_NAVIGATING_MS.length) {
          await sleep(RESCAN_AFTER_NAVIGATING_MS[attempt]);
          // A newer scan (another navigation, a click on Refresh) took over meanwhile: it shows its own listing.
          if (!current()) return;
          continue;
        }
        reduce(store, { type: 'scan-failed', source, error: describeError(error), serial: nextScanSerial() });
        break;
      }
    }
    if (source === 'extension') await refreshEngine();
  }

  /**
   * Marks what must not be touched now: files a purge found held, files the extension writes,
   * and the databases and logs a handle of the page holds (asked without writing anything:
   * see src/inspected-page/handles.ts). A probe that fails says why in the summary; the
   * purge still refuses held files on its own.
   *
   * `lockList`: the Web Locks, asked while the walk ran (a probe of no files). Where the
   * listing holds no file an app may hold open, that answer is the whole answer, and the scan
   * ends without another round trip to the page, whose thread is busy with the walk's end.
   */
  async function takeLocks(source: SourceKind, listing: Listing, lockList?: Promise<HandleProbe | undefined>): Promise<AskedLocks> {
    const candidates = listing.handleCandidates();
    const paths = listing.paths();
    const early = candidates.length === 0 ? await lockList : undefined;
    const [inUse, probe] = await Promise.all([
      sources[source].pathsInUse(paths),
      early ??
        sources[source].probeHandles(candidates).catch(
          (error: unknown): HandleProbe => ({ probed: false, why: describeError(error), held: new Set(), failed: new Map(), asked: 0, longestHoldMs: 0, locks: { held: [], pending: [] } }),
        ),
    ]);
    listing.handles = probe;
    listing.setLocks(store.locked[source].value, inUse, probe.held);
    return { paths, candidates };
  }

  /**
   * Lists a source anew: first every file with its size and time, rows appearing as the
   * walk finds them; then the contents of the files whose verdict needs them (and is not
   * known from an earlier scan), verdicts arriving as they are read. A scan that the page's
   * navigation interrupts starts again in the new document.
   */
  async function scan(source: SourceKind, current: () => boolean, recheck: boolean, keepShown: boolean): Promise<void> {
    // Shown at once (an empty listing, "Listing…"); filled only after the sweep, which may remove files.
    // A refresh of the document already listed walks behind its complete listing, which stays on screen until this one is listed.
    const listing = new Listing({ stagingFolder: source === 'extension' ? STAGING_DIR : undefined }, recheck);
    const shown = listingOf(source);
    // (Only behind a complete listing: the reducer sees to that.)
    const behind = keepShown && shown !== null && shown.fileCount <= BEHIND_MAX_FILES && listedIn.get(shown) === documentOf(source);
    listedIn.set(listing, documentOf(source));
    reduce(store, { type: 'scan-started', source, listing, behind });
    if (source === 'extension') await sweepLeftovers();
    if (!current()) return;
    const render = renderer(source, listing, current);
    // A first scan of an origin reads while it walks; a rescan reads only what changed, after it.
    const knownOrigins = recheck ? [] : originsWithVerdicts();
    let listed!: (summary: WalkSummary) => void;
    const walkListed = new Promise<WalkSummary>((resolve) => (listed = resolve));
    const walking = sources[source].walk(
      {
        onEntries(entries, checked) {
          if (!current()) return;
          if (entries.length > 0) {
            void listing.ingest(entries);
            void listing.prejudge();
          }
          if (checked.length > 0) void listing.applyChecked(checked).then(() => listing.judge());
          void listing.ingested().then(() => render.soon());
        },
        onListed: listed,
      },
      current,
      { unlessOrigins: knownOrigins },
    );
    // The Web Locks, asked while the walk runs (see takeLocks).
    const lockList = sources[source].probeHandles([]).catch(() => undefined);
    const summary = await Promise.race([walkListed, walking]);
    await listing.ingested();
    if (!current()) return;
    // Every file is listed: shown at once, leaving "running". The page's answer about held files
    // takes a round trip or two; the files it may name show as pending until it comes, and the
    // groups whose locks it changed are judged again after it. (The extension's answer is its
    // own, without a round trip: awaited first, as its listing is small.)
    const asking = takeLocks(source, listing, lockList);
    if (source === 'extension') await asking;
    await listing.finishWalk(summary);
    // What actions changed in the listing shown while this one walked behind it: the walk may have passed those files before the action.
    for (let changed = changedWhileBehind.get(listing); changed; changed = changedWhileBehind.get(listing)) {
      changedWhileBehind.delete(listing);
      listing.forget(changed.gone);
      try {
        await relistPaths(source, listing, changed.changed);
      } catch (error) {
        if (!current()) return;
        // The listing is shown all the same; what could not be listed anew is said.
        reduce(store, { type: 'notice', notice: { kind: 'error', text: `${counted(changed.changed.size, 'file')} changed during the refresh could not be listed anew (${describeError(error)}): refresh to see them as they are.` } });
      }
      if (!current()) return;
    }
    reduce(store, { type: 'scan-listed', source, listing });
    await render.nowApart();
    const asked = await asking;
    if (!current()) return;
    await listing.judge();
    await render.nowApart();
    if (!current()) return;
    // The reads the walk still does.
    await walking;
    await listing.ingested();
    if (!current()) return;
    await listing.judge();
    await checkContents(source, listing, current, render);
    if (!current()) return;
    // Files the checks listed anew (an export's part that grew or was renamed meanwhile) were
    // not there when the locks were asked, and databases the reads recognised were not asked
    // about: ask again, or a part being written shows as `temp`. Else the answer stands.
    if (!answersFor(asked, listing)) await takeLocks(source, listing);
    await listing.judge();
    if (!current()) return;
    listing.stage = 'done';
    render.now();
    void reportHealth();
  }

  /** Reads what the pending verdicts need; files that changed meanwhile are listed anew and read again (a few rounds at most). */
  async function checkContents(source: SourceKind, listing: Listing, current: () => boolean, render: Renderer): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const requests = listing.checkRequests();
      if (requests.length === 0) break;
      await render.nowApart();
      if (!current()) return;
      await actOn(source, listing).check(
        requests,
        (files) => {
          if (!current()) return;
          void listing
            .applyChecked(files)
            .then(() => listing.judge())
            .then(() => render.soon());
        },
        current,
      );
      await listing.ingested();
      if (!current()) return;
      await listing.judge();
    }
  }

  interface Renderer {
    soon(): void;
    now(): void;
    /**
     * Shows the listing now, and yields: what follows runs in a task of its own. The steps after
     * a walk (judging, locks, the check's requests) each follow a render, and all of them in one
     * task would hold the panel's thread as long as their sum (at 10,000 files, traced: 16 ms
     * of CPU in one task, which a busy machine stretches past 50 ms). A Refresh or a
     * navigation may come during the yield: callers ask whether their scan is still current.
     */
    nowApart(): Promise<void>;
  }

  /**
   * Shows a growing listing at most every {@link RENDER_EVERY_MS} (or less often, when
   * deriving it takes long: 100,000 rows), so that streaming entries never keeps the panel busy.
   * Its first files are shown at once: a render of a few rows costs next to nothing, and the
   * first row is what someone waiting for a page's listing looks for.
   */
  function renderer(source: SourceKind, listing: Listing, current: () => boolean): Renderer {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cost = 0;
    let shownFiles = 0;
    const now = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (!current()) return;
      shownFiles = listing.fileCount;
      const started = performance.now();
      reduce(store, { type: 'listing-changed', source, listing });
      // Behind the listing shown, only the summary shows this one: its order is kept up to date all the same, so that showing it costs little.
      if (store.behind[source].value?.listing === listing) listing.sorted(store.sort.value.key, store.sort.value.descending);
      // The rows to show are derived here, not in the render after: so that their cost (merging
      // changed rows into 100,000 sorted ones) counts in how often the listing is shown.
      void store.visibleFiles.value;
      cost = performance.now() - started;
    };
    return {
      soon() {
        if (shownFiles === 0 && listing.fileCount > 0) now();
        else timer ??= setTimeout(now, Math.max(RENDER_EVERY_MS, cost * 4));
      },
      now,
      async nowApart() {
        now();
        await yieldToBrowser();
      },
    };
  }

  /**
   * An action changed `changed` paths of `listing` and removed `gone` ones: a scan walking
   * behind it (see Store.behind) forgets the gone ones and lists the others anew once it has
   * listed every file, as it may have walked past them before the action.
   */
  function changedBehind(source: SourceKind, listing: Listing, changed: Iterable<string>, gone: Iterable<string> = []): void {
    const next = store.behind[source].value?.listing;
    if (!next || next === listing) return;
    const noted = changedWhileBehind.get(next) ?? { changed: new Set<string>(), gone: new Set<string>() };
    for (const path of gone) noted.gone.add(path);
    for (const path of changed) noted.changed.add(path);
    changedWhileBehind.set(next, noted);
  }

  /** Lists `paths` anew after an action changed them (a purge kept them as changed): no full rescan. */
  async function refreshFiles(source: SourceKind, listing: Listing, paths: readonly string[]): Promise<void> {
    const requests = paths.flatMap((path) => {
      const file = listing.scanned(path);
      return file ? [{ path, size: file.size, lastModified: file.lastModified, read: 'text' as const }] : [];
    });
    if (requests.length === 0) return;
    // A check of a file whose size or time changed answers its new size and time, and reads nothing.
    await actOn(source, listing).check(requests, (files) => void listing.applyChecked(files.filter((f) => f.kind === 'changed')));
    await listing.ingested();
    const render = renderer(source, listing, () => store.scans[source].value.kind === 'listing');
    await checkContents(source, listing, () => true, render);
    render.now();
  }

  /**
   * Switches live mode: the storage's own FileSystemObserver records changes (in the page,
   * for the page), and the panel collects the record once a second and applies it in place.
   * While nothing changes, nothing in the page touches a file.
   */
  async function setLive(source: SourceKind, on: boolean): Promise<void> {
    const generation = ++liveGeneration[source];
    if (!on) {
      reduce(store, { type: 'live', source, state: { kind: 'off' } });
      await sources[source].unwatch().catch((error: unknown) => console.warn('could not stop the live watch', error));
      return;
    }
    try {
      if ((await sources[source].watch()) === 'unsupported') {
        reduce(store, { type: 'live', source, state: { kind: 'unavailable', reason: 'Live needs FileSystemObserver, which this browser does not have; use Refresh.' } });
        return;
      }
    } catch (error) {
      reduce(store, { type: 'live', source, state: { kind: 'off' } });
      reduce(store, { type: 'notice', notice: { kind: 'error', text: `Live could not start: ${describeError(error)}` } });
      return;
    }
    reduce(store, { type: 'live', source, state: { kind: 'on' } });
    void followChanges(source, () => generation === liveGeneration[source]);
  }

  /** Collects and applies recorded changes once a second while live mode lasts. */
  async function followChanges(source: SourceKind, current: () => boolean): Promise<void> {
    let pending: OpfsChange[] = [];
    let rescan = false;
    while (current()) {
      await sleep(LIVE_COLLECT_MS);
      if (!current()) return;
      try {
        const record = await sources[source].collectChanges();
        if (!current()) return;
        if (record === null) {
          // A new document (the page navigated): watch it; its scan lists it.
          await sources[source].watch();
          continue;
        }
        if (record.state === 'failed') {
          reduce(store, { type: 'live', source, state: { kind: 'off' } });
          reduce(store, { type: 'notice', notice: { kind: 'error', text: `Live stopped: the storage could not be observed (${record.error ?? 'no reason given'}).` } });
          return;
        }
        pending.push(...record.changes);
        rescan ||= record.overflow || record.changes.some((c) => c.type === 'unknown' || c.type === 'errored' || c.path === '');
      } catch (error) {
        // The page is navigating or busy: try again on the next round.
        console.warn('could not collect live changes', error);
        continue;
      }
      const state = store.scans[source].value;
      // Changes seen while a scan runs are applied once it is done (it may or may not have seen them).
      if ((state.kind === 'listing' && state.listing.stage !== 'done') || store.behind[source].value) continue;
      try {
        if (rescan || state.kind !== 'listing') {
          if (rescan || pending.length > 0) await refresh(source, { behind: true });
        } else if (pending.length > 0) {
          await applyChanges(source, state.listing, pending);
        }
      } catch (error) {
        // Listing the changes failed (the page navigated meanwhile): the next round lists the storage anew.
        console.warn('could not apply live changes', error);
        rescan = true;
        continue;
      }
      pending = [];
      rescan = false;
    }
  }

  /** Lists `paths` anew in `listing`: a removed one leaves, a file is listed with its size and time, a folder is walked again. */
  async function relistPaths(source: SourceKind, listing: Listing, paths: ReadonlySet<string>): Promise<void> {
    const entries: WalkEntry[] = [];
    const all = [...paths];
    // The page lists a bounded number of paths per call.
    const per = SCAN_LIMITS.maxStatPaths;
    for (let at = 0; at < all.length; at += per) await sources[source].stat(all.slice(at, at + per), (found) => entries.push(...found));
    // A folder listed anew replaces what was listed under it.
    listing.forget(entries.flatMap((e) => (e[0] === 'd' && paths.has(e[1]) ? [e[1]] : [])), { keepFolders: true });
    listing.addWalkEntries(entries);
  }

  /** Lists the changed paths anew (a removed one leaves, a folder is walked again), then checks what is new. */
  async function applyChanges(source: SourceKind, listing: Listing, changes: readonly OpfsChange[]): Promise<void> {
    const paths = new Set<string>();
    for (const change of changes) {
      paths.add(change.path);
      if (change.from) paths.add(change.from);
    }
    changedBehind(source, listing, paths);
    await relistPaths(source, listing, paths);
    await takeLocks(source, listing);
    const render = renderer(source, listing, () => store.scans[source].value.kind === 'listing');
    await checkContents(source, listing, () => true, render);
    await listing.judge();
    render.now();
    void reportHealth();
  }

  /**
   * What interrupted work of the extension provably left behind (see src/engine/sweep.ts)
   * is removed by the engine, which never touches a snapshot an export is writing.
   */
  async function sweepLeftovers(): Promise<void> {
    try {
      const { removed } = await client.call('sweepAbandoned', {});
      if (removed.length > 0) {
        reduce(store, {
          type: 'notice',
          notice: { kind: 'info', text: `Removed ${counted(removed.length, 'leftover file')} of interrupted work: ${removed.slice(0, 3).join(', ')}${removed.length > 3 ? ', …' : ''}` },
        });
      }
    } catch (error) {
      console.warn('could not sweep leftovers', error);
    }
  }

  /** What the engine holds (memory, kept tables), for the extension's view. */
  async function refreshEngine(): Promise<void> {
    try {
      reduce(store, { type: 'engine', status: await client.call('engineStatus', {}) });
    } catch (error) {
      console.warn('could not ask the engine how it stands', error);
    }
  }

  async function dropTable(table: string): Promise<void> {
    try {
      await client.call('dropTable', { table });
    } catch (error) {
      reduce(store, { type: 'notice', notice: { kind: 'error', text: `Could not drop ${table}: ${describeError(error)}` } });
    }
    await refreshEngine();
  }

  /** The action badge shows how many empty or corrupt files the panel found. */
  async function reportHealth(): Promise<void> {
    let problems = 0;
    for (const state of Object.values(store.scans)) {
      if (state.value.kind === 'listing') {
        const { counts } = state.value.listing.view().summary;
        problems += counts.empty + counts.corrupt;
      }
    }
    const title = problems > 0 ? `OPFS Snapshot Inspector: ${problems} empty or corrupt file${problems === 1 ? '' : 's'}` : 'OPFS Snapshot Inspector';
    try {
      await client.call('setBadge', { text: problems > 0 ? String(problems) : '', title });
    } catch (error) {
      console.warn('could not update the badge', error);
    }
  }

  /** Opens the confirmation for purging every file of `category` in the current source. */
  function askPurge(category: PurgeCategory): void {
    const listing = store.currentListing.value;
    if (!listing) return;
    // With what each verdict rests on: a purge keeps a file whose reason went away meanwhile (the missing part written since).
    const files = listing.purgeable(category).map(purgeTargetOf);
    if (files.length > 0) reduce(store, { type: 'purge-ask', request: { source: store.source.value, category, files, origin: listing.origin } });
  }

  async function confirmPurge(): Promise<void> {
    const request = store.purgeDialog.value;
    if (!request) return;
    const { source, category, files: targets, origin } = request;
    reduce(store, { type: 'purge-running', source, fraction: 0 });
    const finished: PurgeEntry[] = [];
    try {
      // In the origin the files were listed from, even if a rescan begun since does not know its origin yet.
      const result = await actAt(source, origin || listingOf(source)?.origin).purge(targets, (done, entries) => {
        finished.push(...entries);
        reduce(store, { type: 'purge-running', source, fraction: done / targets.length });
      });
      const summary = summarizePurge(category, result);
      // Files it found held stay marked (and out of the next purge).
      reduce(store, { type: 'locks-found', source, paths: summary.locked });
      // The rows of what went leave the list, the others are listed anew (no full rescan), before the result is said:
      // the list shown now, which a refresh may have replaced while the purge ran.
      const listing = listingOf(source);
      if (listing) {
        await updateAfter(source, listing, result.results, targets).catch(async (error: unknown) => {
          console.warn('the listing could not be updated in place after a purge; listing again', error);
          await refresh(source);
        });
      }
      reduce(store, { type: 'purge-done', source, summary });
    } catch (error) {
      if (!(error instanceof PageTaskInterruptedError)) {
        reduce(store, { type: 'purge-failed', source, error: describeError(error) });
        await refresh(source);
        return;
      }
      // The page reloaded or navigated mid-purge. What it did before is known in part (the
      // outcomes heard before it went); the new listing says exactly which files are left.
      await refresh(source);
      const state = store.scans[source].value;
      const listed = state.kind === 'listing' ? state.listing : null;
      const stillThere = listed ? targets.filter((t) => listed.report(t.path)?.size === t.size).length : null;
      const heard = summarizePurge(category, { results: finished, bytesFreed: finished.reduce((sum, r) => sum + (r.outcome === 'removed' ? r.bytes : 0), 0) });
      reduce(store, { type: 'purge-done', source, summary: { ...heard, interrupted: { requested: targets.length, stillThere } } });
    }
  }

  /** Applies a purge's outcomes to the listing in place: removed and missing files leave it, changed ones are listed anew. */
  async function updateAfter(source: SourceKind, listing: Listing, results: readonly PurgeEntry[], targets: readonly PurgeTarget[] = []): Promise<void> {
    const went = (r: PurgeEntry) => r.outcome === 'removed' || r.outcome === 'missing';
    const gone = results.filter(went).map((r) => r.path);
    changedBehind(source, listing, results.filter((r) => !went(r)).map((r) => r.path), gone);
    listing.forget(gone);
    await takeLocks(source, listing);
    const changed = new Set(results.filter((r) => r.outcome === 'changed').map((r) => r.path));
    await refreshFiles(source, listing, [...changed]);
    // A file kept because what its verdict rested on changed (a missing part written since): those files are listed anew too.
    const premised = new Set(targets.flatMap((t) => (changed.has(t.path) ? (t.premises ?? []).map((p) => p.path) : [])));
    if (premised.size > 0) await applyChanges(source, listing, [...premised].map((path) => ({ type: 'unknown' as const, path, from: null })));
    await listing.judge();
    reduce(store, { type: 'listing-changed', source, listing });
    void reportHealth();
  }

  /** Shows an import's progress events (they come straight from the engine) on its entry. */
  function watchImport(id: string): () => void {
    return onEvent('progress', (p) => {
      if (p.operationId !== id) return;
      const exportFraction = p.rowsTotal > 0 ? p.rowsDone / p.rowsTotal : 0;
      const fraction = p.phase === 'loading' ? null : 0.3 + 0.7 * exportFraction;
      const part = p.parts && p.parts > 1 && p.part !== undefined ? ` (part ${Math.min(p.part + 1, p.parts)} of ${p.parts})` : '';
      importRunning(id, `${PHASE_LABELS[p.phase]}${part}`, fraction);
    });
  }

  function importRunning(id: string, label: string, fraction: number | null): void {
    reduce(store, { type: 'import', id, state: { kind: 'running', label, fraction } });
  }

  async function importDone(entry: Pick<ImportEntry, 'id' | 'fileName' | 'replaces'>, result: ImportResult): Promise<void> {
    const { manifest } = result.export;
    let replaced: string | null = null;
    if (entry.replaces) {
      // The user asked for this import to replace an earlier one: only now that it verified.
      try {
        await client.call('deleteSnapshot', { snapshotId: entry.replaces });
        replaced = entry.replaces;
      } catch (error) {
        reduce(store, { type: 'notice', notice: { kind: 'error', text: `The new snapshot is ready, but ${entry.replaces} could not be removed: ${describeError(error)}` } });
      }
    }
    const summary: ImportSummary = {
      fileName: entry.fileName,
      manifest,
      rows: manifest.rowCount,
      parts: manifest.parts.length,
      bytes: manifest.parts.reduce((sum, p) => sum + p.bytes, 0),
      elapsedMs: result.elapsedMs,
      columns: result.load.schema.map((c) => c.name),
      firstRowIsHeader: result.load.header.firstRowIsHeader,
      headerLooksLikeData: result.load.header.looksLikeData,
      notes: result.load.notes,
      encoding: result.load.encoding,
      replaced,
    };
    reduce(store, { type: 'import', id: entry.id, state: { kind: 'done', result: summary } });
  }

  /**
   * CSV file → staged in the extension's OPFS → the engine's import → verified snapshot.
   * Each file chosen or dropped gets its own entry and result; the engine runs them one
   * after another, in order. The staged copy is made under its staging lock, held until
   * the engine has answered: while it is held, nothing sweeps the copy away, and once the
   * panel is gone (closed mid-copy) the lock goes with it and the copy can be swept.
   */
  async function importCsv(file: File, options: { firstRowIsHeader?: boolean; replaces?: string } = {}): Promise<void> {
    const id = crypto.randomUUID();
    const stagedName = `${id}.csv`;
    const firstRowIsHeader = options.firstRowIsHeader ?? store.firstRowIsHeader.value;
    const entry: ImportEntry = { id, fileName: file.name, file, firstRowIsHeader, replaces: options.replaces ?? null, state: { kind: 'running', label: `Copying ${file.name} into extension storage`, fraction: 0 } };
    reduce(store, { type: 'import-added', entry });
    const stopWatching = watchImport(id);
    const copy = new AbortController();
    copies.set(id, copy);
    try {
      await withStagingLock(stagedName, async () => {
        const staging = await getDirectory(await opfsRoot(), STAGING_DIR, { create: true });
        try {
          await stageFile(file, staging, stagedName, copy.signal, (bytes) => importRunning(id, `Copying ${file.name} into extension storage`, file.size > 0 ? (0.1 * bytes) / file.size : null));
        } catch (error) {
          await removeIfExists(staging, stagedName).catch((removing: unknown) => console.warn(`could not remove the staged copy ${stagedName}`, removing));
          throw copy.signal.aborted ? new Error(`The import of ${file.name} was cancelled; nothing of it was kept.`, { cause: error }) : error;
        } finally {
          copies.delete(id);
        }
        importRunning(id, 'Waiting for the engine', null);
        try {
          const result = await client.call('importCsv', {
            stagedPath: `${STAGING_DIR}/${stagedName}`,
            snapshotId: snapshotIdFromFileName(file.name),
            sourceName: file.name,
            header: firstRowIsHeader,
            operationId: id,
          });
          await importDone(entry, result);
        } catch (error) {
          if (!lostContact(error)) throw error;
          await followImport(entry);
        }
      });
    } catch (error) {
      reduce(store, { type: 'import', id, state: { kind: 'failed', error: describeError(error) } });
    } finally {
      stopWatching();
    }
    await refresh('extension');
  }

  /** Stops an import: its copy if it is still being copied, else the engine's operation. */
  async function cancelImport(id: string): Promise<void> {
    const copy = copies.get(id);
    if (copy) {
      copy.abort();
      return;
    }
    await cancelInEngine(id, 'import');
  }

  /** Asks the engine to stop operation `operationId`; `what` names it in the notice when it had already ended or could not be asked. */
  async function cancelInEngine(operationId: string, what: string): Promise<void> {
    try {
      const { cancelled } = await client.call('cancelOperation', { operationId });
      if (!cancelled) reduce(store, { type: 'notice', notice: { kind: 'info', text: `That ${what} had already ended.` } });
    } catch (error) {
      reduce(store, { type: 'notice', notice: { kind: 'error', text: `Could not cancel the ${what}: ${describeError(error)}` } });
    }
  }

  /** Imports the same file again with its first row read as data, replacing the snapshot once verified. */
  async function importAgainAsData(entryId: string): Promise<void> {
    const entry = store.imports.value.find((e) => e.id === entryId);
    if (!entry?.file || entry.state.kind !== 'done') return;
    await importCsv(entry.file, { firstRowIsHeader: !entry.firstRowIsHeader, replaces: entry.state.result.manifest.snapshotId });
  }

  /**
   * Follows an import the panel has no reply channel for (the service worker or the panel
   * itself went away meanwhile) by asking the engine, once a second while it runs.
   */
  async function followImport(entry: Pick<ImportEntry, 'id' | 'fileName' | 'replaces'>): Promise<void> {
    const deadline = Date.now() + FOLLOW_IMPORT_MS;
    while (Date.now() < deadline) {
      let operations: OperationRecord[];
      try {
        operations = await client.call('getOperations', {});
      } catch (error) {
        if (!lostContact(error)) throw error;
        await sleep(1000);
        continue;
      }
      const record = operations.find((o) => o.operationId === entry.id);
      if (!record) {
        throw new Error(`The engine stopped before the import of ${entry.fileName} finished (its document was closed or crashed). Nothing of that snapshot was kept; load the file again.`);
      }
      if (record.state === 'done' && record.kind === 'importCsv' && record.result) return importDone(entry, record.result);
      if (record.state === 'failed') throw new RemoteError(record.error ?? { name: 'Error', message: 'The import failed.' });
      await sleep(1000);
    }
    throw new Error(`The import of ${entry.fileName} did not finish within ${FOLLOW_IMPORT_MS / 60_000} minutes; the engine may still be working on it.`);
  }

  /**
   * When the panel opens: shows the imports that are running, queued, or ended while the
   * panel was closed, as they really are, and follows the unfinished ones to the end.
   */
  async function resumeImports(): Promise<void> {
    let operations: OperationRecord[];
    try {
      operations = await client.call('getOperations', {});
    } catch (error) {
      console.warn('could not ask the engine for running operations', error);
      return;
    }
    const imports = operations.filter((o) => o.kind === 'importCsv').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    const following: Promise<void>[] = [];
    for (const record of imports) {
      if (store.imports.value.some((e) => e.id === record.operationId)) continue;
      const entry: ImportEntry = { id: record.operationId, fileName: record.subject, file: null, firstRowIsHeader: true, replaces: null, state: { kind: 'running', label: 'Waiting for the engine', fraction: null } };
      reduce(store, { type: 'import-added', entry });
      if (record.state === 'failed') {
        reduce(store, { type: 'import', id: entry.id, state: { kind: 'failed', error: record.error?.message ?? 'The import failed.' } });
        continue;
      }
      if (record.state === 'done' && record.kind === 'importCsv' && record.result) {
        await importDone(entry, record.result);
        continue;
      }
      const stopWatching = watchImport(entry.id);
      importRunning(entry.id, record.progress ? PHASE_LABELS[record.progress.phase] : 'Waiting for the engine', null);
      following.push(
        followImport(entry)
          .catch((error: unknown) => reduce(store, { type: 'import', id: entry.id, state: { kind: 'failed', error: describeError(error) } }))
          .finally(stopWatching),
      );
    }
    if (following.length === 0) return;
    await Promise.all(following);
    await refresh('extension');
  }

  async function verifySnapshot(snapshotId: string): Promise<void> {
    const operationId = crypto.randomUUID();
    reduce(store, { type: 'snapshot-action', state: { kind: 'running', label: `Verifying ${snapshotId}`, fraction: null, operationId } });
    try {
      const result = await client.call('verifySnapshot', { snapshotId, operationId });
      reduce(store, { type: 'snapshot-action', state: { kind: 'done', result: { kind: 'verify', result } } });
    } catch (error) {
      reduce(store, { type: 'snapshot-action', state: { kind: 'failed', error: describeError(error) } });
    }
    await refreshEngine();
  }

  async function restoreSnapshot(snapshotId: string): Promise<void> {
    const operationId = crypto.randomUUID();
    reduce(store, { type: 'snapshot-action', state: { kind: 'running', label: `Restoring ${snapshotId}`, fraction: null, operationId } });
    const table = restoredTableName(snapshotId);
    try {
      const restored = await client.call('restoreSnapshot', { snapshotId, table, operationId });
      reduce(store, {
        type: 'snapshot-action',
        state: { kind: 'done', result: { kind: 'restore', snapshotId, table, rowCount: restored.rowCount, checksumMatches: restored.matchesManifest, problems: restored.problems, elapsedMs: restored.elapsedMs } },
      });
    } catch (error) {
      reduce(store, { type: 'snapshot-action', state: { kind: 'failed', error: describeError(error) } });
    }
    await refreshEngine();
  }

  /**
   * Stops the running verify or restore: the engine ends it at its next step (a part's decode
   * under way is given up), leaves the table a restore was to replace as it was, and says so;
   * its call then fails with that sentence, which the action line shows.
   */
  function cancelSnapshotAction(operationId: string): Promise<void> {
    return cancelInEngine(operationId, 'operation');
  }

  /**
   * Asks, listing every file, before a snapshot's files are deleted — a healthy one or a
   * broken one (incomplete, a manifest that does not match). In the extension's storage
   * the engine deletes them under the snapshot's lock, manifest first; in the page, the
   * purge does (it takes the snapshot's lock in the page, so an app's running export is
   * skipped). Either way only the listed files, each only at its listed size.
   */
  function askDeleteSnapshot(group: SnapshotGroup): void {
    const source = store.source.value;
    const seen = listingOf(source);
    const files = [...(group.manifest ? [group.manifest] : []), ...group.parts].map((f) => ({ path: f.path, size: f.size, lastModified: f.lastModified }));
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    reduce(store, {
      type: 'confirm',
      request: {
        title: `Delete snapshot ${group.id} (${counted(files.length, 'file')}, ${formatBytes(bytes)}) from ${source === 'page' ? 'the inspected page' : 'the extension'}?`,
        detail: group.status === 'ok' ? 'Only these files are deleted.' : `This snapshot is ${group.status}. Only these files are deleted; other files of the folder stay.`,
        items: files,
        okLabel: `Delete ${counted(files.length, 'file')}`,
        onConfirm: () => void deleteSnapshot(source, group, files, seen),
      },
    });
  }

  /** `seen`: the listing the user was asked from; in the page, only its origin is acted on (a rescan since may not know its origin yet). */
  async function deleteSnapshot(source: SourceKind, group: SnapshotGroup, files: { path: string; size: number }[], seen: Listing | null): Promise<void> {
    reduce(store, { type: 'confirm', request: null });
    reduce(store, { type: 'snapshot-action', state: { kind: 'running', label: `Deleting ${group.id}`, fraction: null } });
    try {
      let outcome: { removed: number; changed: string[]; missing: number };
      if (source === 'extension' && group.folder === SNAPSHOTS_DIR) {
        const prefix = `${SNAPSHOTS_DIR}/`;
        const result = await client.call('deleteSnapshot', { snapshotId: group.id, files: files.map((f) => ({ name: f.path.slice(prefix.length), size: f.size })) });
        outcome = { removed: result.removed.length, changed: result.changed, missing: result.missing.length };
      } else {
        const result = await actOn(source, seen).purge(files, () => undefined);
        const summary = summarizePurge('incomplete', result);
        // The files go at once, not in turn: what could not go is said with what did.
        const trouble = [
          ...(summary.locked.length > 0 ? [`${counted(summary.locked.length, 'file')} in use (an export or the page holds ${summary.locked.length === 1 ? 'it' : 'them'}: ${summary.locked.slice(0, 3).join(', ')})`] : []),
          ...(summary.failed.length > 0 ? [`${counted(summary.failed.length, 'file')} that could not be removed (${summary.failed[0].path}: ${summary.failed[0].error}${summary.failed.length > 1 ? ', …' : ''})`] : []),
        ];
        if (trouble.length > 0) {
          throw new Error(`Snapshot ${group.id} was not deleted whole: it has ${trouble.join(' and ')}; ${counted(summary.removed, 'file')} of it ${summary.removed === 1 ? 'was' : 'were'} removed. Delete it again once that is resolved.`);
        }
        outcome = { removed: summary.removed, changed: summary.changed, missing: summary.missing };
      }
      reduce(store, { type: 'snapshot-action', state: { kind: 'done', result: { kind: 'delete', snapshotId: group.id, ...outcome } } });
    } catch (error) {
      reduce(store, { type: 'snapshot-action', state: { kind: 'failed', error: describeError(error) } });
    }
    await refresh(source);
  }

  /**
   * Downloads one file as itself, or several (a selection, a snapshot) as one zip, by
   * ranged reads; progress and the outcome go to the action line.
   */
  async function download(what: { file: DownloadFile } | { snapshot: SnapshotGroup } | { selection: true }): Promise<void> {
    const listing = store.currentListing.value;
    const source = actOn(store.source.value, listing);
    let files: DownloadFile[];
    let archive: { name: string; entry: (file: DownloadFile) => string } | null = null;
    if ('file' in what) files = [what.file];
    else if ('snapshot' in what) {
      const group = what.snapshot;
      files = [...group.parts, ...(group.manifest ? [group.manifest] : [])];
      archive = { name: `${group.id}.zip`, entry: (file) => baseName(file.path) };
    } else if (store.chosen.value.size === 0 && store.folder.value !== '') {
      // No file chosen, a folder shown: the folder, with its tree, as one zip named after it.
      const folder = store.folder.value;
      const cut = parentOf(folder).length + (parentOf(folder) ? 1 : 0);
      files = (listing?.paths() ?? []).filter((path) => isUnder(path, folder)).sort().flatMap((path) => listing?.report(path) ?? []);
      archive = { name: `${baseName(folder)}.zip`, entry: (file) => file.path.slice(cut) };
    } else {
      files = [...store.chosen.value].sort().flatMap((path) => listing?.report(path) ?? []);
      if (files.length > 1) archive = { name: `${archiveStem(listing?.origin ?? store.source.value)}-${files.length}-files.zip`, entry: (file) => file.path };
    }
    if (files.length === 0) return;
    const total = files.reduce((sum, f) => sum + f.size, 0);
    const label = `Downloading ${counted(files.length, 'file')} (${formatBytes(total)})`;
    const progress = (bytes: number) => reduce(store, { type: 'file-action', state: { kind: 'running', label, fraction: total > 0 ? bytes / total : null } });
    progress(0);
    try {
      const name = archive?.name ?? baseName(files[0].path);
      if (archive) await downloadZip(source, files, archive.name, archive.entry, progress);
      else await downloadFile(source, files[0], name, progress);
      const sentence = archive ? `Downloaded ${counted(files.length, 'file')} (${formatBytes(total)}) as ${name}.` : `Downloaded ${name} (${formatBytes(total)}).`;
      reduce(store, { type: 'file-action', state: { kind: 'done', result: { sentence } } });
    } catch (error) {
      reduce(store, { type: 'file-action', state: { kind: 'failed', error: `Download failed: ${describeError(error)}` } });
    }
  }

  /** The paths shown in the list, in order (what ranges and keys move over). */
  const shownPaths = (): string[] => store.visibleFiles.value.rows.map((f) => f.report.path);

  /** A click on a row: a plain click also shows the file's details; Shift and Ctrl/Cmd only select. */
  function clickRow(path: string, modifiers: Modifiers = {}): void {
    reduce(store, { type: 'selection', selection: clickSelection(store.selection.value, shownPaths(), path, modifiers) });
    if (!modifiers.range && !modifiers.toggle) select(path);
  }

  /**
   * A key pressed in the file list: the arrows, Home, End, PageUp and PageDown move (Shift
   * extends), Ctrl/Cmd-A selects every row shown, Escape clears a selection, Enter shows the
   * details, Delete asks to delete the selection. True when the key was one of these (the
   * others, Escape with nothing selected among them, are DevTools' own).
   */
  function keyInList(key: string, modifiers: { shift: boolean; command: boolean }, pageRows: number): boolean {
    const selection = store.selection.value;
    if (isSelectionKey(key)) {
      reduce(store, { type: 'selection', selection: moveCursor(selection, shownPaths(), key, pageRows, modifiers.shift) });
      return true;
    }
    if (modifiers.command && key.toLowerCase() === 'a') reduce(store, { type: 'selection', selection: selectAll(selection, shownPaths()) });
    else if (key === 'Escape' && selection.paths.size > 0) reduce(store, { type: 'selection', selection: clearSelection(selection) });
    else if (key === 'Enter' && selection.cursor !== null) select(selection.cursor);
    else if (key === 'Delete' || (key === 'Backspace' && modifiers.command)) askDeleteSelection();
    else if (key === 'F2') askRename();
    else return false;
    return true;
  }

  /** Asks, listing every file with its size, before the selected files are deleted. */
  function askDeleteSelection(): void {
    const source = store.source.value;
    const listing = store.currentListing.value;
    if (!listing) return;
    const files = [...store.chosen.value].flatMap((path) => {
      const report = listing.report(path);
      return report ? [{ path, size: report.size, lastModified: report.lastModified }] : [];
    });
    if (files.length === 0) return;
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    // A new question: the last action's result line goes.
    reduce(store, { type: 'file-action', state: { kind: 'idle' } });
    reduce(store, {
      type: 'confirm',
      request: {
        title: `Delete ${counted(files.length, 'file')} (${formatBytes(bytes)}) from ${source === 'page' ? 'the inspected page' : 'the extension'}?`,
        detail: 'Only these files are deleted, each only if it still has the size listed here; a file held open is skipped.',
        items: files,
        okLabel: `Delete ${counted(files.length, 'file')}`,
        onConfirm: () => void deleteFiles(source, files, [], listing),
      },
    });
  }

  /**
   * Why `path` may not be renamed or moved in `source` (null when it may): in the
   * extension's storage, snapshot files are named by their manifest, and the engine's own
   * folders are its to manage.
   */
  function editRefusal(source: SourceKind, path: string): string | null {
    if (source !== 'extension') return null;
    if (snapshotOf(path) !== undefined) return `${path} belongs to snapshot ${snapshotOf(path)}: its manifest names it, so it keeps its name and place.`;
    if (path === SNAPSHOTS_DIR || path === STAGING_DIR || isUnder(path, STAGING_DIR)) return `${path} is the engine's own: it keeps its name and place.`;
    return null;
  }

  /**
   * Why nothing may be put into `folder` of `source` (moved, uploaded, made there, or a
   * folder renamed to it), or null. The extension's `staging/` holds the engine's copies of
   * CSVs for imports: its sweep removes what no import holds, so a file of the user's put
   * there would be lost.
   */
  function destinationRefusal(source: SourceKind, folder: string, advice = 'Choose another folder.'): string | null {
    if (source !== 'extension' || (folder !== STAGING_DIR && !isUnder(folder, STAGING_DIR))) return null;
    return `${STAGING_DIR} is the engine's own: it holds copies of CSVs for imports and removes what no import holds. ${advice}`;
  }

  /** A sentence for a rename or move that did not happen, or null when it did. */
  function editProblem(result: EditResult, from: string, to: string): string | null {
    switch (result.outcome) {
      case 'done':
        return null;
      case 'exists':
        return `${to} exists already: nothing was overwritten.`;
      case 'changed':
        return `${from} changed since it was listed: refresh, then try again.`;
      case 'missing':
        return `${from} is gone (something else removed or moved it).`;
      case 'locked':
        return `${from} is held open (by the page or a worker): nothing was changed.`;
      case 'failed':
        return `${from} could not be moved: ${result.error ?? 'unknown error'}.`;
    }
  }

  /** Lists `paths` anew in place after an edit (the old path leaves, the new one is listed). */
  async function relist(source: SourceKind, paths: readonly string[]): Promise<void> {
    const state = store.scans[source].value;
    if (state.kind !== 'listing') return;
    await applyChanges(source, state.listing, paths.map((path) => ({ type: 'modified' as const, path, from: null })));
  }

  const joinPath = (folder: string, name: string) => (folder ? `${folder}/${name}` : name);

  /** F2 or Rename: asks for the new name of the one file chosen (or of the folder `folder`). */
  function askRename(folder?: string): void {
    // A new question: the last action's result line goes.
    reduce(store, { type: 'file-action', state: { kind: 'idle' } });
    const source = store.source.value;
    const listing = store.currentListing.value;
    const { cursor } = store.selection.value;
    // The one chosen file, or the row the keyboard is on if it is shown: never a file the filter hides.
    const cursorShown = cursor !== null && store.visibleFiles.value.rows.some((row) => row.report.path === cursor);
    const path = folder ?? (store.chosen.value.size === 1 ? [...store.chosen.value][0] : cursorShown ? cursor : null);
    if (!listing || !path) return;
    const report = folder === undefined ? listing.report(path) : undefined;
    if (folder === undefined && !report) return;
    const refusal = editRefusal(source, path);
    if (refusal) {
      reduce(store, { type: 'file-action', state: { kind: 'failed', error: refusal } });
      return;
    }
    const name = baseName(path);
    const dot = name.lastIndexOf('.');
    reduce(store, {
      type: 'prompt',
      request: {
        title: `Rename ${path}`,
        inputTestId: 'rename-input',
        value: name,
        selectUntil: folder === undefined && dot > 0 ? dot : name.length,
        okLabel: 'Rename',
        submit: async (value) => {
          const to = joinPath(parentOf(path), value);
          // A folder renamed staging (once the engine's is gone) would have its files swept.
          const problem = entryNameProblem(value) ?? destinationRefusal(source, to, 'Choose another name.');
          if (problem) return problem;
          const result = await actOn(source).move(path, to, report ? report.size : null);
          if (result.outcome === 'exists') return `${editProblem(result, path, to)} Choose another name.`;
          const failed = editProblem(result, path, to);
          // Listed anew first: the result line says the list shows it. A folder whose files
          // could not all go back after a failure is shown as it now is too.
          if (!failed) await afterMove(source, [[path, to]]);
          else if (result.outcome === 'failed') await relist(source, [path, to]).catch(() => undefined);
          reduce(store, { type: 'file-action', state: failed ? { kind: 'failed', error: failed } : { kind: 'done', result: { sentence: `Renamed ${path} to ${value}.` } } });
          return null;
        },
      },
    });
  }

  /** Lists the moved entries in place, and keeps the selection (and the folder shown) on them. */
  async function afterMove(source: SourceKind, moved: readonly (readonly [string, string])[]): Promise<void> {
    const renamed = new Map(moved);
    // The folder shown, or one it is in, was renamed: show it under its new name.
    const shown = store.folder.value;
    const from = moved.find(([path]) => shown === path || isUnder(shown, path));
    if (shown && from) reduce(store, { type: 'folder', path: from[1] + shown.slice(from[0].length) });
    await relist(source, moved.flat());
    const files = moved.map(([, to]) => to).filter((to) => store.currentListing.value?.report(to));
    reduce(store, { type: 'selection', selection: files.length > 0 ? { paths: new Set(files), anchor: files[0], cursor: files[0] } : clearSelection(store.selection.value) });
    if (store.selected.value !== null && renamed.has(store.selected.value)) select(renamed.get(store.selected.value)!);
  }

  /** Move: asks for the folder the chosen files go to. */
  function askMove(): void {
    // A new question: the last action's result line goes.
    reduce(store, { type: 'file-action', state: { kind: 'idle' } });
    const listing = store.currentListing.value;
    const paths = [...store.chosen.value];
    if (!listing || paths.length === 0) return;
    const folders = [...listing.folderTree().keys()].filter((f) => f !== '').sort();
    reduce(store, {
      type: 'prompt',
      request: {
        title: `Move ${counted(paths.length, 'file')} to the folder (empty: the top)`,
        inputTestId: 'move-input',
        value: store.folder.value,
        suggestions: folders,
        okLabel: 'Move',
        submit: async (value) => {
          // Not trimmed: a folder's name may begin or end with a space.
          const folder = value.replace(/^\/+|\/+$/g, '');
          if (folder !== '' && !listing.folderTree().has(folder)) return `There is no folder ${folder}: make it first (New folder).`;
          const refusal = destinationRefusal(store.source.value, folder);
          if (refusal) return refusal;
          await moveTo(paths, folder);
          return null;
        },
      },
    });
  }

  /** Moves each of `paths` into `folder`, keeping its name; never over an existing entry. */
  async function moveTo(paths: readonly string[], folder: string): Promise<void> {
    const source = store.source.value;
    const listing = store.currentListing.value;
    if (!listing) return;
    const moving = paths.filter((path) => parentOf(path) !== folder);
    if (moving.length === 0) return;
    // Every way in (the Move prompt, a drag onto a folder) meets the same refusal.
    const refusal = destinationRefusal(source, folder);
    if (refusal) {
      reduce(store, { type: 'file-action', state: { kind: 'failed', error: `Moved 0 files to ${folder}: ${refusal}` } });
      return;
    }
    reduce(store, { type: 'file-action', state: { kind: 'running', label: `Moving ${counted(moving.length, 'file')} to ${folder || 'the top'}`, fraction: null } });
    const moved: [string, string][] = [];
    const problems: string[] = [];
    // Paths of moves that failed part way (a folder whose files could not all go back): listed anew as they now are.
    const partial: string[] = [];
    let stopped = '';
    const startedIn = pageDocument;
    const storage = actOn(source, listing);
    for (const path of moving) {
      const to = joinPath(folder, baseName(path));
      if (source === 'page' && pageDocument !== startedIn) {
        stopped = ` Moving stopped at ${path}: the page went to another document, which may be another site's storage.`;
        break;
      }
      try {
        const result = editRefusal(source, path) ?? (await storage.move(path, to, listing.report(path)?.size ?? null));
        const problem = typeof result === 'string' ? result : editProblem(result, path, to);
        if (problem) problems.push(problem);
        else moved.push([path, to]);
        if (typeof result !== 'string' && result.outcome === 'failed') partial.push(path, to);
      } catch (error) {
        // The page went away or stopped answering: the files after this one are not tried.
        stopped = ` Moving stopped at ${path}: ${describeError(error)}`;
        break;
      }
    }
    let sentence = `Moved ${counted(moved.length, 'file')} to ${folder || 'the top'}.${problems.length > 0 ? ` ${counted(problems.length, 'file')} stayed: ${problems.slice(0, 3).join(' ')}${problems.length > 3 ? ' …' : ''}` : ''}${stopped}`;
    try {
      await afterMove(source, moved);
      if (partial.length > 0) await relist(source, partial);
    } catch (error) {
      sentence += ` ${listNotUpdated(error)}`;
    }
    reduce(store, { type: 'file-action', state: (problems.length > 0 || stopped) && moved.length === 0 ? { kind: 'failed', error: sentence } : { kind: 'done', result: { sentence } } });
  }

  /** Said after an action whose files are done but whose rows could not be listed anew. */
  function listNotUpdated(error: unknown): string {
    return `The list could not be updated (${describeError(error)}): refresh to see the storage as it is.`;
  }

  /** New folder: asks for its name, makes it in the folder shown, and shows it. */
  function askNewFolder(): void {
    // A new question: the last action's result line goes.
    reduce(store, { type: 'file-action', state: { kind: 'idle' } });
    const source = store.source.value;
    const parent = store.folder.value;
    reduce(store, {
      type: 'prompt',
      request: {
        title: `New folder in ${parent || 'the top folder'}`,
        inputTestId: 'new-folder-input',
        value: '',
        okLabel: 'Make the folder',
        submit: async (value) => {
          const problem = entryNameProblem(value) ?? destinationRefusal(source, parent);
          if (problem) return problem;
          const path = joinPath(parent, value);
          const result = await actOn(source).makeFolder(path);
          if (result.outcome === 'exists') return `${path} exists already.`;
          if (result.outcome !== 'done') return `The folder could not be made: ${result.error ?? result.outcome}.`;
          await relist(source, [path]);
          chooseFolder(path);
          reduce(store, { type: 'file-action', state: { kind: 'done', result: { sentence: `Made the folder ${path}.` } } });
          return null;
        },
      },
    });
  }

  /** Asks what to do with a taken name; resolves with the choice and whether it holds for the rest. */
  function askConflict(path: string, later: number): Promise<{ choice: ConflictChoice | 'cancel'; all: boolean }> {
    return new Promise((resolve) =>
      reduce(store, {
        type: 'conflict',
        request: {
          path,
          later,
          answer: (choice, all) => {
            reduce(store, { type: 'conflict', request: null });
            resolve({ choice, all });
          },
        },
      }),
    );
  }

  /**
   * Uploads `files` (each with its path relative to `folder`: a dropped or picked folder
   * keeps its tree) into `folder` of the source shown, one file at a time, each by chunks
   * under a temporary name (see OpfsSource.upload). A taken name asks: replace, keep both
   * (`name (1).ext`) or skip, once or for all. Progress counts files and bytes.
   */
  async function upload(files: readonly UploadItem[], folder = store.folder.value): Promise<void> {
    const source = store.source.value;
    const listing = store.currentListing.value;
    if (!listing || files.length === 0 || store.uploadStop.value) return;
    const stop = new AbortController();
    reduce(store, { type: 'upload-stop', stop: () => stop.abort() });
    // Running from the start: while a taken name is asked about, the line says what waits.
    reduce(store, { type: 'file-action', state: { kind: 'running', label: `Uploading ${counted(files.length, 'file')}`, fraction: 0 } });
    /** What this upload wrote, by path: its size (a second file of one path replaces the first only as it was written). */
    const planned = new Map<string, number>();
    const taken = (path: string) => planned.has(path) || listing.report(path) !== undefined || listing.folderTree().has(path);
    const total = files.reduce((sum, f) => sum + f.file.size, 0);
    const tally = { uploaded: [] as string[], bytes: 0, replaced: 0, keptBoth: [] as string[], skipped: [] as string[], failed: [] as string[] };
    // A replace that could not put the file there back keeps it under another name: both are listed anew.
    const keptAside: string[] = [];
    let sent = 0;
    let forAll: ConflictChoice | null = null;
    const laterConflicts = (from: number) => files.slice(from).filter((f) => taken(joinPath(folder, f.path))).length;
    // The page navigated: nothing more is written into its new document, which may be another site's.
    const startedIn = pageDocument;
    const storage = actOn(source, listing);
    const leftTheDocument = (index: number): boolean => {
      if (source !== 'page' || pageDocument === startedIn) return false;
      const rest = files.length - index;
      tally.failed.push(`${files[index].path}${rest > 1 ? ` and ${counted(rest - 1, 'more file')}` : ''}: the page went to another document, which may be another site's storage`);
      return true;
    };
    try {
      for (const [index, item] of files.entries()) {
        if (leftTheDocument(index)) break;
        let target = joinPath(folder, item.path);
        // A dropped folder named staging, at the top of the extension's storage, would land in the engine's own.
        const problem = item.path.split('/').map(entryNameProblem).find((p) => p !== null) ?? destinationRefusal(source, parentOf(target));
        if (problem) {
          tally.failed.push(`${item.path}: ${problem}`);
          continue;
        }
        let replace: ReplaceCondition | null = null;
        if (taken(target)) {
          let choice: ConflictChoice | null = forAll;
          if (!choice) {
            const answer = await askConflict(target, laterConflicts(index + 1));
            if (answer.choice === 'cancel') break;
            choice = answer.choice;
            if (answer.all) forAll = choice;
          }
          if (choice === 'skip' || (choice === 'replace' && listing.folderTree().has(target))) {
            tally.skipped.push(target);
            continue;
          }
          if (choice === 'replace') {
            // The file as the user saw it when they chose: one the app rewrote since is kept.
            const listed = listing.report(target);
            const written = planned.get(target);
            replace = written !== undefined ? { size: written } : listed ? { size: listed.size, lastModified: listed.lastModified } : null;
          } else {
            const parent = parentOf(target);
            target = joinPath(parent, keepBothName(baseName(target), (name) => taken(joinPath(parent, name))));
            tally.keptBoth.push(target);
          }
        }
        planned.set(target, item.file.size);
        const progress = (bytes: number) => {
          const label = `Uploading ${(index + 1).toLocaleString('en-US')} of ${counted(files.length, 'file')} · ${formatBytes(sent + bytes)} of ${formatBytes(total)}`;
          reduce(store, { type: 'file-action', state: { kind: 'running', label, fraction: total > 0 ? (sent + bytes) / total : null } });
        };
        if (leftTheDocument(index)) break;
        progress(0);
        let outcome: UploadOutcome;
        try {
          outcome = await storage.upload(item.file, parentOf(target), baseName(target), replace, progress, stop.signal);
        } catch (error) {
          if (stop.signal.aborted) throw error;
          // This file could not be read or written: said with its name, and the others go on.
          outcome = { outcome: 'failed', error: describeError(error) };
        }
        sent += item.file.size;
        if (outcome.outcome === 'done') {
          tally.uploaded.push(target);
          tally.bytes += item.file.size;
          if (replace) tally.replaced++;
        } else if (outcome.outcome === 'exists') tally.failed.push(`${target}: the name was taken meanwhile; nothing was overwritten`);
        else if (outcome.outcome === 'locked') tally.failed.push(`${target}: the file there is held open, so it was not replaced`);
        else if (outcome.outcome === 'changed') tally.failed.push(`${target}: the file there changed since you chose to replace it, so it was kept; nothing was overwritten`);
        else tally.failed.push(`${target}: ${uploadError(outcome.error ?? 'unknown error')}`);
        if (outcome.outcome === 'failed' && outcome.kept !== undefined) keptAside.push(target, joinPath(parentOf(target), outcome.kept));
      }
    } catch (error) {
      tally.failed.push(stop.signal.aborted ? 'the upload was stopped: the file being written was removed, nothing partial is left' : describeError(error));
    } finally {
      reduce(store, { type: 'upload-stop', stop: null });
      reduce(store, { type: 'conflict', request: null });
    }
    const parts = [`Uploaded ${counted(tally.uploaded.length, 'file')} (${formatBytes(tally.bytes)}) to ${folder || 'the top folder'}.`];
    if (tally.replaced > 0) parts.push(`Replaced ${counted(tally.replaced, 'file')}.`);
    if (tally.keptBoth.length > 0) parts.push(`Kept both: ${tally.keptBoth.slice(0, 3).join(', ')}${tally.keptBoth.length > 3 ? ', …' : ''}.`);
    if (tally.skipped.length > 0) parts.push(`Skipped ${counted(tally.skipped.length, 'file')} whose name was taken.`);
    const failures = tally.failed.map((f) => f.replace(/\.+$/, ''));
    if (failures.length > 0) parts.push(`Not uploaded: ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}.`);
    const sentence = parts.join(' ');
    // The new files and folders are listed in place (the topmost new folder of each, or the file), then the result is said.
    const state = store.scans[source].value;
    const fresh = new Set<string>();
    for (const path of tally.uploaded) {
      let top = path;
      for (let at = parentOf(path); at !== '' && !(state.kind === 'listing' && state.listing.folderTree().has(at)); at = parentOf(at)) top = at;
      fresh.add(top);
    }
    let said = sentence;
    try {
      await relist(source, [...fresh, ...keptAside]);
    } catch (error) {
      said += ` ${listNotUpdated(error)}`;
    }
    reduce(store, { type: 'file-action', state: tally.failed.length > 0 && tally.uploaded.length === 0 ? { kind: 'failed', error: said } : { kind: 'done', result: { sentence: said } } });
  }

  /** A write error in words: a full disk says so. */
  function uploadError(error: string): string {
    if (!/QuotaExceeded/i.test(error)) return error;
    // What the page says after the error (a file it kept under another name) is kept too.
    const after = error.indexOf('; ');
    return `not enough storage for it (the origin's quota is full); ${after < 0 ? 'nothing partial was kept' : error.slice(after + 2)}`;
  }

  /** Narrows the list to `path` ('' for every file). */
  function chooseFolder(path: string): void {
    reduce(store, { type: 'folder', path });
  }

  /**
   * Asks, with the counts and the first paths, before the folder at `path` goes with
   * everything listed in it (the current folder when not given).
   */
  function askDeleteFolder(path = store.folder.value): void {
    const source = store.source.value;
    const listing = store.currentListing.value;
    if (!listing || path === '') return;
    const files = listing
      .paths()
      .filter((p) => isUnder(p, path))
      .sort()
      .map((p) => ({ path: p, size: listing.report(p)?.size ?? 0, lastModified: listing.report(p)?.lastModified }));
    const folders = [...listing.folderTree().keys()].filter((f) => f === path || isUnder(f, path));
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    reduce(store, { type: 'file-action', state: { kind: 'idle' } });
    const subfolders = folders.length - 1;
    reduce(store, {
      type: 'confirm',
      request: {
        title: `Delete the folder ${path} with ${counted(files.length, 'file')} (${formatBytes(bytes)})${subfolders > 0 ? ` in ${counted(subfolders, 'subfolder')}` : ''}?`,
        detail: 'Each file goes only if it still has the size listed here; a file held open is skipped. A folder goes only once empty: one that still holds a file kept, or one written meanwhile, stays.',
        items: files,
        okLabel: 'Delete the folder',
        onConfirm: () => void deleteFiles(source, files, folders, listing),
      },
    });
  }

  /**
   * Deletes exactly `files`, each only at its listed size (a file that changed is kept, one
   * held open is skipped), then `folders` once empty, and updates the list in place. In the
   * extension's storage, the files of a snapshot go through the engine (under the snapshot's
   * lock, manifest first).
   */
  /** `seen`: the listing the user was asked from (see deleteSnapshot). */
  async function deleteFiles(source: SourceKind, files: { path: string; size: number }[], folders: readonly string[], seen: Listing): Promise<void> {
    reduce(store, { type: 'confirm', request: null });
    reduce(store, { type: 'file-action', state: { kind: 'running', label: `Deleting ${counted(files.length, 'file')}${folders.length > 0 ? ` and ${counted(folders.length, 'folder')}` : ''}`, fraction: null } });
    const folderSet = new Set(folders);
    const results: PurgeEntry[] = [];
    try {
      const bySnapshot = new Map<string, { path: string; size: number }[]>();
      const others: { path: string; size: number }[] = [];
      for (const file of files) {
        const snapshotId = source === 'extension' ? snapshotOf(file.path) : undefined;
        if (snapshotId === undefined) others.push(file);
        else if (bySnapshot.has(snapshotId)) bySnapshot.get(snapshotId)!.push(file);
        else bySnapshot.set(snapshotId, [file]);
      }
      for (const [snapshotId, chosen] of bySnapshot) {
        const prefix = `${SNAPSHOTS_DIR}/`;
        const outcome = await client.call('deleteSnapshot', { snapshotId, files: chosen.map((f) => ({ name: f.path.slice(prefix.length), size: f.size })) });
        const sizeOf = new Map(chosen.map((f) => [f.path.slice(prefix.length), f.size]));
        results.push(
          ...outcome.removed.map((name): PurgeEntry => ({ path: prefix + name, outcome: 'removed', bytes: sizeOf.get(name) ?? 0 })),
          ...outcome.changed.map((name): PurgeEntry => ({ path: prefix + name, outcome: 'changed', bytes: 0 })),
          ...outcome.missing.map((name): PurgeEntry => ({ path: prefix + name, outcome: 'missing', bytes: 0 })),
        );
      }
      const targets: PurgeTarget[] = [...others, ...folders.map((path) => ({ path, size: 0, directory: true }))];
      if (targets.length > 0) results.push(...(await actOn(source, seen.origin ? seen : listingOf(source)).purge(targets, () => undefined)).results);
    } catch (error) {
      reduce(store, { type: 'file-action', state: { kind: 'failed', error: `Deleting stopped: ${describeError(error)}${results.length > 0 ? ` (${describeDeletion(results, folderSet).sentence})` : ''}` } });
      await refresh(source);
      return;
    }
    const gone = new Set(results.filter((r) => r.outcome === 'removed' || r.outcome === 'missing').map((r) => r.path));
    reduce(store, { type: 'selection', selection: withoutPaths(store.selection.value, gone) });

    if (store.selected.value !== null && gone.has(store.selected.value)) select(null);
    const result = describeDeletion(results, folderSet);
    // The list shown now, which a refresh may have replaced while the files were deleted.
    const listing = listingOf(source);
    if (listing) {
      try {
        // The rows change before the result is said: what the user reads next is the listing as it is.
        await updateAfter(source, listing, results);
        // The list was narrowed to a folder that went: it shows the nearest one left.
        const tree = listing.folderTree();
        let at = store.folder.value;
        while (at !== '' && !tree.has(at)) at = parentOf(at);
        if (at !== store.folder.value) reduce(store, { type: 'folder', path: at });
      } catch (error) {
        // What was deleted is known: the result says it, and that the list is not up to date.
        result.sentence += ` ${listNotUpdated(error)}`;
      }
    }
    reduce(store, { type: 'file-action', state: { kind: 'done', result } });
  }

  /** Shows new details, releasing the image the old ones held. */
  function showDetails(details: FileDetails | null): void {
    const old = store.details.value?.preview;
    if (old?.kind === 'done' && old.value.kind === 'image' && (details?.preview.kind !== 'done' || details.preview.value !== old.value)) URL.revokeObjectURL(old.value.url);
    reduce(store, { type: 'details', details });
  }

  /** Selects a file and reads its details (footer, first rows) by ranges: the components do no I/O. */
  function select(path: string | null): void {
    reduce(store, { type: 'select', path });
    const source = store.source.value;
    const listing = store.currentListing.value;
    const file = path === null ? undefined : listing?.scanned(path);
    if (!file || !listing) {
      showDetails(null);
      return;
    }
    void loadDetails(actOn(source, listing), file, (details) => {
      // Only for the file still selected: a slow read must not overwrite a newer choice.
      if (store.selected.value === path) showDetails(details);
      else if (details.preview.kind === 'done' && details.preview.value.kind === 'image') URL.revokeObjectURL(details.preview.value.url);
    });
  }

  /** The shown file's bytes from `offset` on, in hex (by one ranged read). */
  async function previewHex(offset: number): Promise<void> {
    const details = store.details.value;
    const file = details ? store.currentListing.value?.scanned(details.path) : undefined;
    if (!details || !file) return;
    const why = details.preview.kind === 'done' && details.preview.value.kind === 'hex' ? details.preview.value.why : 'shown on request';
    try {
      const preview = await hexPreview(actOn(store.source.value), file, offset, why);
      if (store.selected.value === file.path) showDetails({ ...details, preview: { kind: 'done', value: preview } });
    } catch (error) {
      if (store.selected.value === file.path) showDetails({ ...details, preview: { kind: 'failed', error: describeError(error) } });
    }
  }

  function selectSource(source: SourceKind): void {
    reduce(store, { type: 'source', source });
    if (store.scans[source].value.kind === 'idle') void refresh(source);
  }

  /** The inspected page navigated: forget what was true of the old document, and list the new one. */
  function navigated(): void {
    pageDocument++;
    reduce(store, { type: 'navigated' });
    void refresh('page');
  }

  /** The panel goes away: stop watching the page (the observer would otherwise keep recording). */
  function close(): void {
    if (store.live.page.value.kind === 'on') void setLive('page', false);
  }

  return {
    refresh,
    /** Where the panel reads and changes `source`'s listed files (the page's: only in the origin listed). */
    storageOf: (source: SourceKind) => actOn(source),
    askPurge,
    confirmPurge,
    importCsv,
    cancelImport,
    importAgainAsData,
    resumeImports,
    verifySnapshot,
    cancelSnapshotAction,
    restoreSnapshot,
    askDeleteSnapshot,
    askDeleteSelection,
    askDeleteFolder,
    askRename,
    askMove,
    askNewFolder,
    moveTo,
    upload,
    chooseFolder,
    clickRow,
    keyInList,
    dropTable,
    refreshEngine,
    selectSource,
    select,
    previewHex,
    navigated,
    setLive,
    close,
    reportHealth,
    download,
  };
}

/** Streams `file` into `dir/name`, reporting bytes copied; never holds the file in memory. */
async function stageFile(file: File, dir: FileSystemDirectoryHandle, name: string, signal: AbortSignal, onBytes: (bytes: number) => void): Promise<void> {
  const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
  let copied = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      copied += chunk.byteLength;
      onBytes(copied);
      controller.enqueue(chunk);
    },
  });
  // pipeTo closes the writable on success and aborts it on failure or cancel.
  await file.stream().pipeThrough(counter).pipeTo(writable, { signal });
}

/**
 * The incremental listing against the rules applied from scratch: a random storage of
 * snapshot parts, manifests (sound and damaged), empty, corrupt, temporary and other files,
 * SQLite databases (sound, truncated, empty) and their logs (orphaned when the database goes)
 * changes round after round (files written, rewritten, removed, folders removed, locks
 * taken and released, files changing between the walk and their check), and after each
 * round every verdict, the counts, the snapshot groups and the sorted order must equal
 * what `classifyFiles` and a full sort give for the storage as it is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classifyAlone, classifyFiles, groupSnapshots, summarize, type FileReport } from '../src/opfs/classify';
import { recordCheck, type CheckedFile } from '../src/opfs/page-answers';
import { checkReadFor, type ParquetProbe, type ScannedFile, type WalkEntry } from '../src/opfs/scan-types';
import { serializeManifest } from '../src/snapshot/manifest';
import { createParquetWriter, ordersSql } from '../tests/support/parquet-fixtures';
import { seededRandom } from '../tests/support/random';
import { journalBytes, sqliteBytes, walBytes } from '../tests/support/format-bytes';
import { DATABASE_FORMATS, DUCKDB_TEMP_FILE, type HeadProbe } from '../src/opfs/formats';
import { Listing, type SortKey } from './listing';

interface Fixture {
  bytes: Uint8Array;
  rows: number;
}

let fixtures: Fixture[];
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'listing-test-'));
  const writer = await createParquetWriter();
  try {
    fixtures = [];
    for (const rows of [40, 90, 250]) fixtures.push({ bytes: await writer.write(join(workDir, `f${rows}.parquet`), ordersSql(0, rows)), rows });
  } finally {
    writer.close();
  }
}, 60_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const PAR1 = new TextEncoder().encode('PAR1');

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function probeOf(bytes: Uint8Array): ParquetProbe {
  const tail = bytes.slice(Math.max(0, bytes.length - 8));
  const footerLength = tail.length === 8 ? new DataView(tail.buffer, tail.byteOffset).getUint32(0, true) : 0;
  const footer = tail.length === 8 && footerLength + 12 <= bytes.length ? bytes.slice(bytes.length - footerLength - 8) : null;
  return { head: bytes.slice(0, 4), tail, footer };
}

/** What the page's `head` read gives of `bytes` (only its first 128 bytes: no slots or DuckDB files here). */
function headOf(bytes: Uint8Array): HeadProbe {
  return { head: bytes.slice(0, 128), at4096: null, at8192: null };
}

/** One file of the model storage, with what a check of it reads. */
interface ModelFile {
  size: number;
  lastModified: number;
  read: { kind: 'parquet'; probe: ParquetProbe } | { kind: 'text'; text: string } | { kind: 'head'; head: HeadProbe } | { kind: 'none' };
}

const FOLDERS = ['', 'snaps', 'snaps/daily', 'exports/2026', 'cache'];
const IDS = ['orders', 'customers', 'big_table'];

class Model {
  readonly files = new Map<string, ModelFile>();
  private clock = 1_700_000_000_000;

  constructor(private readonly rand: () => number) {}

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)];
  }

  private path(folder: string, name: string): string {
    return folder ? `${folder}/${name}` : name;
  }

  /** Writes (or rewrites) one random file; returns its path. */
  write(): string {
    const folder = this.pick(FOLDERS);
    const id = this.pick(IDS);
    const fixture = this.pick(fixtures);
    const lastModified = (this.clock += 1000);
    const kind = this.rand();
    if (kind < 0.35) {
      const path = this.path(folder, `${id}_part_${Math.floor(this.rand() * 4)}.parquet`);
      this.files.set(path, { size: fixture.bytes.length, lastModified, read: { kind: 'parquet', probe: probeOf(fixture.bytes) } });
      return path;
    }
    if (kind < 0.45) {
      const path = this.path(folder, `${id}.parquet`);
      this.files.set(path, { size: fixture.bytes.length, lastModified, read: { kind: 'parquet', probe: probeOf(fixture.bytes) } });
      return path;
    }
    if (kind < 0.55) {
      const path = this.path(folder, `${id}_part_${Math.floor(this.rand() * 4)}.parquet`);
      this.files.set(path, { size: 0, lastModified, read: { kind: 'none' } });
      return path;
    }
    if (kind < 0.62) {
      const cut = fixture.bytes.slice(0, Math.floor(fixture.bytes.length * 0.6));
      const path = this.path(folder, `${id}_part_${Math.floor(this.rand() * 4)}.parquet`);
      this.files.set(path, { size: cut.length, lastModified, read: { kind: 'parquet', probe: probeOf(cut) } });
      return path;
    }
    if (kind < 0.8) {
      // A manifest of the parts present now (sound), or a damaged one.
      const path = this.path(folder, `${id}.manifest.json`);
      const parts = [...this.files.entries()]
        .filter(([p, f]) => p.startsWith(this.path(folder, `${id}_part_`)) && !p.slice(folder ? folder.length + 1 : 0).includes('/') && f.read.kind === 'parquet')
        .map(([p, f]) => ({ name: p.slice(p.lastIndexOf('/') + 1), rows: fixtures.find((x) => x.bytes.length === f.size)?.rows ?? 1, bytes: f.size }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const sound = serializeManifest({
        formatVersion: 1,
        snapshotId: id,
        sourceName: `${id}.csv`,
        rowCount: parts.reduce((sum, p) => sum + p.rows, 0),
        schema: [{ name: 'order_id', type: 'BIGINT' }],
        parts,
        checksum: { algorithm: 'duckdb-hash-sum-v1', value: '1' },
        compression: 'ZSTD',
        rowGroupSize: 2048,
        rowsPerPart: 250,
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      const text = this.rand() < 0.7 ? sound : sound.slice(0, Math.floor(sound.length / 2));
      const size = this.rand() < 0.1 ? 0 : new TextEncoder().encode(text).length;
      this.files.set(path, { size, lastModified, read: size === 0 ? { kind: 'none' } : { kind: 'text', text } });
      return path;
    }
    if (kind < 0.88) {
      const path = this.path(folder, `${id}_part_${Math.floor(this.rand() * 4)}.parquet.tmp`);
      this.files.set(path, { size: fixture.bytes.length, lastModified, read: { kind: 'parquet', probe: probeOf(fixture.bytes) } });
      return path;
    }
    if (kind < 0.92) {
      const path = this.path(folder, `blob-${Math.floor(this.rand() * 20)}.json`);
      const size = 1 + Math.floor(this.rand() * 500);
      this.files.set(path, { size, lastModified, read: { kind: 'head', head: headOf(new TextEncoder().encode('{"a": 1}'.padEnd(size, ' '))) } });
      return path;
    }
    // Databases and their logs: a log is judged by whether its database is listed beside it.
    const database = `${id}.sqlite3`;
    if (kind < 0.96) {
      const path = this.path(folder, database);
      const pages = 1 + Math.floor(this.rand() * 3);
      const size = this.rand() < 0.15 ? 0 : this.rand() < 0.8 ? pages * 4096 : pages * 4096 - 1000;
      this.files.set(path, { size, lastModified, read: size === 0 ? { kind: 'none' } : { kind: 'head', head: headOf(sqliteBytes({ pageCount: pages }, size)) } });
      return path;
    }
    const [suffix, bytes] = this.pick([
      ['-wal', walBytes(4096, 1 + Math.floor(this.rand() * 3))],
      ['-journal', journalBytes(this.rand() < 0.5)],
      ['-wal', new Uint8Array()],
    ] as const);
    const path = this.path(folder, `${database}${suffix}`);
    this.files.set(path, { size: bytes.length, lastModified, read: bytes.length === 0 ? { kind: 'none' } : { kind: 'head', head: headOf(bytes) } });
    return path;
  }

  /** Removes a random file; returns its path. */
  remove(): string | undefined {
    const paths = [...this.files.keys()];
    if (paths.length === 0) return undefined;
    const path = this.pick(paths);
    this.files.delete(path);
    return path;
  }

  /** Removes a random folder (not the root) with everything under it; returns its path. */
  removeFolder(): string {
    const folder = this.pick(FOLDERS.slice(1));
    for (const path of [...this.files.keys()]) if (path.startsWith(`${folder}/`)) this.files.delete(path);
    return folder;
  }

  /**
   * Rewrites a file in place with other bytes (a sound Parquet file broken, one this broke
   * made sound, a text or a head garbled: mostly bytes its check judges otherwise), at the
   * same size or not, the same time or not: never a size and time the file had before.
   */
  rewrite(path: string): void {
    const file = this.files.get(path)!;
    const how = Math.floor(this.rand() * 3); // 0: same size, 1: same time, 2: neither
    const size = how === 0 ? file.size : file.size + 1 + Math.floor(this.rand() * 64);
    const lastModified = how === 1 ? file.lastModified : (this.clock += 1000);
    const garbled = new Uint8Array(size).fill(0x58);
    let read: ModelFile['read'];
    if (file.read.kind === 'parquet' && how === 1 && !sameBytes(file.read.probe.head, PAR1)) {
      const sound = this.pick(fixtures).bytes;
      read = { kind: 'parquet', probe: probeOf(sound) };
      // A new time: at the old one, its size could be one this file had before (a size and time seen twice cannot be told apart).
      this.files.set(path, { size: sound.length, lastModified: (this.clock += 1000), read });
      return;
    }
    if (file.read.kind === 'parquet') read = { kind: 'parquet', probe: probeOf(garbled) };
    else if (file.read.kind === 'text') read = { kind: 'text', text: 'X'.repeat(size) };
    else read = { kind: 'head', head: headOf(garbled) };
    this.files.set(path, { size, lastModified, read });
  }

  entry(path: string): WalkEntry {
    const file = this.files.get(path);
    return file ? ['f', path, file.size, file.lastModified] : ['g', path];
  }

  /** The storage as a scan that read everything would give it. */
  scanned(): ScannedFile[] {
    return [...this.files.entries()].map(([path, file]) => {
      const cut = path.lastIndexOf('/');
      const scanned: ScannedFile = { path, name: path.slice(cut + 1), folder: cut < 0 ? '' : path.slice(0, cut), size: file.size, lastModified: file.lastModified };
      if (file.read.kind === 'parquet') scanned.probe = file.read.probe;
      if (file.read.kind === 'text') scanned.text = file.read.text;
      if (file.read.kind === 'head') scanned.head = file.read.head;
      return scanned;
    });
  }
}

/** Answers a check request from the model, as the page would (a file that changed since it was listed says so). */
function answerFromModel(model: Model, request: { path: string; size: number; lastModified: number }): CheckedFile {
  const file = model.files.get(request.path);
  const asked = { path: request.path, size: request.size, lastModified: request.lastModified };
  if (!file) return { kind: 'error', ...asked, message: 'NotFoundError: gone' };
  if (file.size !== request.size || file.lastModified !== request.lastModified) return { kind: 'changed', ...asked, found: { size: file.size, lastModified: file.lastModified } };
  if (file.read.kind === 'parquet') return { kind: 'parquet', ...asked, probe: file.read.probe };
  if (file.read.kind === 'text') return { kind: 'text', ...asked, text: file.read.text };
  if (file.read.kind === 'head') return { kind: 'head', ...asked, head: file.read.head };
  throw new Error(`${request.path} was asked for, but a check reads nothing of it`);
}

/**
 * Checks what the listing asks to check, as the page would answer; `peek` looks at the
 * listing after each answer. With `rand`, in the first rounds a few files the page has read
 * are rewritten and listed anew (Live mode) before its answers arrive.
 */
async function checkAll(listing: Listing, model: Model, peek: () => void = () => undefined, rand?: () => number): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const requests = listing.checkRequests();
    if (requests.length === 0) break;
    const answers = requests.map((request) => answerFromModel(model, request));
    if (rand && round < 3) {
      const read = answers.filter((answer) => answer.kind !== 'changed' && answer.kind !== 'error');
      const rewritten = read.filter(() => rand() < 0.3).map(({ path }) => path);
      for (const path of rewritten) model.rewrite(path);
      listing.addWalkEntries(rewritten.map((path) => model.entry(path)));
    }
    // In a few batches, each looked at: the kept order is asked for while verdicts arrive.
    for (let at = 0; at < answers.length; at += 7) {
      await listing.applyChecked(answers.slice(at, at + 7));
      peek();
    }
    // A file that was gone when checked is forgotten, as a rescan or Live mode would find.
    listing.forget(answers.filter((a) => a.kind === 'error').map((a) => a.path));
  }
  await listing.judge();
  peek();
}

const KEYS: SortKey[] = ['path', 'size', 'modified', 'status'];
const STATUS_ORDER: Record<FileReport['status'], number> = { corrupt: 0, empty: 1, incomplete: 2, orphan: 3, temp: 4, locked: 5, pending: 6, ok: 7 };

function sortedFromScratch(reports: FileReport[], key: SortKey, descending: boolean): string[] {
  const primary: Record<SortKey, (a: FileReport, b: FileReport) => number> = {
    path: (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
    size: (a, b) => a.size - b.size,
    modified: (a, b) => a.lastModified - b.lastModified,
    status: (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
  };
  const direction = descending ? -1 : 1;
  const byPath = (a: FileReport, b: FileReport) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return [...reports].sort((a, b) => direction * primary[key](a, b) || byPath(a, b)).map((r) => r.path);
}

function expectSameAsFromScratch(listing: Listing, model: Model, locks: { locked: Set<string>; inUse: Set<string> }, key: SortKey, descending: boolean, seed: number): void {
  const expected = classifyFiles({ files: model.scanned(), truncated: listing.truncated, errors: listing.errors }, { lockedPaths: locks.locked, inUsePaths: locks.inUse });
  const context = `seed ${seed}`;
  expect(new Set(listing.paths()), context).toEqual(new Set(expected.map((r) => r.path)));
  for (const report of expected) expect(listing.report(report.path), `${context}: ${report.path}`).toEqual(report);
  const view = listing.view();
  expect(view.summary, context).toEqual(summarize(expected));
  const groupShape = (groups: ReturnType<typeof groupSnapshots>) => groups.map((g) => ({ id: g.id, folder: g.folder, status: g.status, parts: g.parts.map((p) => p.path), manifest: g.manifest?.path ?? null, missing: g.missingParts, rows: g.totalRows }));
  expect(groupShape(view.groups), context).toEqual(groupShape(groupSnapshots(expected)));
  // What the walk's end asks of the page, and what is left to read: each file's own verdict, as it is now.
  const alone = model.scanned().map((file) => ({ file, report: classifyAlone(file) }));
  const candidates = alone.filter(({ file, report }) => DATABASE_FORMATS.has(report.format) || DUCKDB_TEMP_FILE.test(file.name)).map(({ file }) => file.path);
  expect(listing.handleCandidates().sort(), `${context}: the files an app may hold open`).toEqual(candidates.sort());
  const unread = alone.filter(({ file, report }) => report.status === 'pending' && checkReadFor(file.name, file.size) !== undefined).map(({ file }) => file.path);
  expect(listing.checkRequests().map((r) => r.path).sort(), `${context}: the files left to read`).toEqual(unread.sort());
  expect(
    listing.sorted(key, descending).map((r) => r.report.path),
    `${context}: sorted by ${key}`,
  ).toEqual(sortedFromScratch(expected, key, descending));
}

describe('Listing, kept up to date change by change', () => {
  const SEEDS = Array.from({ length: 24 }, (_, i) => 1000 + i * 7919);

  test.each(SEEDS)('equals the rules applied from scratch after every round of changes (seed %i)', async (seed) => {
    const rand = seededRandom(seed);
    const model = new Model(rand);
    const origin = `https://seed-${seed}.test`;
    for (let i = 0; i < 60; i++) model.write();

    // The first walk: entries in a random order (the walk is concurrent), in a few slices.
    const listing = new Listing();
    // In some seeds the walk says a folder (or an entry of one) was not listed whole, or it stops at its limit.
    const errors = seed % 4 === 1 ? Array.from({ length: 1 + Math.floor(rand() * 2) }, (): WalkEntry => ['e', rand() < 0.5 ? FOLDERS[Math.floor(rand() * FOLDERS.length)] : [...model.files.keys()][Math.floor(rand() * model.files.size)], 'could not be listed']) : [];
    const truncated = seed % 4 === 2;
    const walk: WalkEntry[] = [['o', origin], ...FOLDERS.slice(1).map((f): WalkEntry => ['d', f]), ...[...model.files.keys()].map((p) => model.entry(p))];
    for (let i = walk.length - 1; i > 1; i--) {
      const j = 1 + Math.floor(rand() * i);
      [walk[i], walk[j]] = [walk[j], walk[i]];
    }
    // An error comes when a folder's listing fails, often after many of its files (and their groups, prejudged).
    walk.push(...errors);
    const key = KEYS[seed % KEYS.length];
    const descending = seed % 2 === 1;
    // The order the panel shows, asked for at any moment (every render does), is the order of the verdicts as they are then.
    const peek = () => {
      const reports = listing.paths().map((p) => listing.report(p)!);
      expect(listing.sorted(key, descending).map((r) => r.report.path), `seed ${seed}: sorted by ${key} midway`).toEqual(sortedFromScratch(reports, key, descending));
    };
    // What the reads made while walking found: the listing keeps no Parquet bytes, so the files as read are made of its files and these.
    const readWhileWalking = new Map<string, CheckedFile>();
    const knownFiles = () =>
      listing.paths().map((path) => {
        const file = listing.scanned(path)!;
        const read = readWhileWalking.get(path);
        // Every kind from what was answered, not from the listing's own kept reads.
        const known: ScannedFile = { path, name: file.name, folder: file.folder, size: file.size, lastModified: file.lastModified };
        if (read) recordCheck(known, read);
        return known;
      });
    // As the panel takes a walk's slices: each followed (or not) by a prejudge of the groups that
    // stopped changing, and some by the verdicts of files a first scan reads while it walks.
    for (let at = 0; at < walk.length; at += 17) {
      void listing.ingest(walk.slice(at, at + 17)).then(peek);
      if (rand() < 0.7) void listing.prejudge().then(peek);
      if (rand() < 0.3) {
        const walked = walk.slice(1, at + 17).flatMap((entry) => (entry[0] === 'f' && rand() < 0.3 ? [entry] : []));
        const read = walked.filter(([, path, size]) => checkReadFor(path.slice(path.lastIndexOf('/') + 1), size) !== undefined);
        const answers = read.map(([, path, size, lastModified]) => answerFromModel(model, { path, size, lastModified }));
        for (const answer of answers) readWhileWalking.set(answer.path, answer);
        void listing.applyChecked(answers).then(peek);
      }
    }
    // A file rewritten after the walk listed it, before its check: the check says it changed.
    // Live mode lists what the check will not notice (new files, files it will not read).
    const late = Array.from({ length: 3 }, () => model.write());
    // The extension's own listing takes its locks before the walk's end is judged (its answer needs no round trip).
    const locksBeforeEnd = seed % 3 === 0;
    const early = { locked: new Set<string>(), inUse: new Set<string>() };
    if (locksBeforeEnd) {
      await listing.ingested();
      const paths = listing.paths();
      early.locked = new Set(paths.filter(() => rand() < 0.2));
      early.inUse = new Set(paths.filter(() => rand() < 0.1));
      listing.setLocks(early.locked, early.inUse);
    }
    await listing.finishWalk({ origin, usage: null, quota: null, truncated, elapsedMs: 1, files: model.files.size, directories: FOLDERS.length - 1 });
    if (errors.length > 0 || truncated) {
      // At the walk's end already, what rests on a file's absence in a folder maybe listed in part stays out of purges (prejudged groups included).
      const known = classifyFiles({ files: knownFiles(), truncated, errors: listing.errors });
      for (const report of known) expect(listing.report(report.path)!.keep, `seed ${seed}, at the walk's end: ${report.path}`).toBe(report.keep);
    }
    if (locksBeforeEnd) {
      // What the walk's end shows is the rules applied to what is known then: the files as listed and read so far, and these locks.
      const known = classifyFiles({ files: knownFiles(), truncated, errors: listing.errors }, { lockedPaths: early.locked, inUsePaths: early.inUse });
      for (const report of known) expect(listing.report(report.path), `seed ${seed}, at the walk's end: ${report.path}`).toEqual(report);
    }
    const unnoticed = late.filter((p) => {
      const listed = listing.report(p);
      return !listed || listed.status !== 'pending' || checkReadFor(listed.name, listed.size) === undefined;
    });
    listing.addWalkEntries(unnoticed.map((p) => model.entry(p)));
    await checkAll(listing, model, peek, rand);

    // Until the page says which files it holds open, exactly those it may hold wait for its answer.
    if (!locksBeforeEnd) {
      const waiting = listing.paths().filter((p) => listing.report(p)!.reason.endsWith('asking the page whether it holds this file open'));
      expect(waiting.every((p) => listing.report(p)!.status === 'pending')).toBe(true);
      expect(waiting.sort()).toEqual(listing.handleCandidates().sort());
      expect(waiting.length, `seed ${seed}: the model wrote databases`).toBeGreaterThan(0);
    }
    const locks = { locked: new Set<string>(), inUse: new Set<string>() };
    listing.setLocks(locks.locked, locks.inUse);
    await listing.judge();
    expectSameAsFromScratch(listing, model, locks, key, descending, seed);

    for (let round = 0; round < 12; round++) {
      const touched = new Set<string>();
      const removedFolders: string[] = [];
      for (let i = 0, n = 1 + Math.floor(rand() * 6); i < n; i++) {
        const action = rand();
        if (action < 0.6) touched.add(model.write());
        else if (action < 0.9) {
          const path = model.remove();
          if (path) touched.add(path);
        } else removedFolders.push(model.removeFolder());
      }
      if (rand() < 0.3) {
        const paths = [...model.files.keys()];
        locks.locked = new Set(paths.filter(() => rand() < 0.1));
        locks.inUse = new Set(paths.filter(() => rand() < 0.05));
        listing.setLocks(locks.locked, locks.inUse);
      }
      listing.forget(removedFolders);
      listing.addWalkEntries([...touched].map((p) => model.entry(p)));
      peek();
      await checkAll(listing, model, peek, rand);
      expectSameAsFromScratch(listing, model, locks, key, descending, seed);
    }
    for (const other of KEYS) for (const desc of [false, true]) expectSameAsFromScratch(listing, model, locks, other, desc, seed);
  });

  test.each(FOLDERS)('a rescan whose walk says, after its groups were judged, that folder "%s" was not listed whole keeps what rests on an absence there out of purges', async (failed) => {
    for (const seed of [3, 17, 29]) {
      const rand = seededRandom(seed);
      const model = new Model(rand);
      for (let i = 0; i < 80; i++) model.write();
      const origin = `https://listed-in-part-${seed}.test`;
      const entries = (): WalkEntry[] => [['o', origin], ...FOLDERS.slice(1).map((f): WalkEntry => ['d', f]), ...[...model.files.keys()].map((p) => model.entry(p))];
      const first = new Listing();
      await first.ingest(entries());
      await first.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: model.files.size, directories: 0 });
      await checkAll(first, model);
      // The rescan reads nothing (every verdict is known), so its groups are judged while it walks.
      const rescan = new Listing();
      const walk = entries();
      for (let at = 0; at < walk.length; at += 9) {
        void rescan.ingest(walk.slice(at, at + 9));
        void rescan.prejudge();
      }
      await rescan.ingest([['e', failed, 'the folder could not be listed whole']]);
      await rescan.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: model.files.size, directories: 0 });
      expect(rescan.checkRequests(), `seed ${seed}`).toEqual([]);
      const expected = classifyFiles({ files: model.scanned(), errors: rescan.errors });
      const kept = expected.filter((r) => r.folder === failed && r.keep?.startsWith('the listing may not'));
      for (const report of expected) expect(rescan.report(report.path)!.keep, `seed ${seed}: ${report.path}`).toBe(report.keep);
      if (failed === 'snaps' || failed === 'snaps/daily') expect(kept.length, `seed ${seed}: verdicts resting on an absence in ${failed}`).toBeGreaterThan(0);
    }
  });

  test('a rescan of an unchanged storage asks to read nothing again; a changed file is read again', async () => {
    const model = new Model(seededRandom(42));
    for (let i = 0; i < 40; i++) model.write();
    const origin = 'https://rescan.test';
    const scan = async (recheck = false, at = origin) => {
      const listing = new Listing({}, recheck);
      await listing.ingest([['o', at], ...[...model.files.keys()].map((p) => model.entry(p))]);
      await listing.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: model.files.size, directories: 0 });
      return listing;
    };
    const first = await scan();
    const firstRequests = first.checkRequests().length;
    expect(firstRequests).toBeGreaterThan(0);
    await checkAll(first, model);

    expect((await scan()).checkRequests()).toEqual([]);
    const changed = model.write();
    const requests = (await scan()).checkRequests().map((r) => r.path);
    expect(requests).toEqual(model.files.get(changed)!.read.kind === 'none' ? [] : [changed]);

    // Asked to read everything again (Shift-click on Refresh): every file it read the first time.
    const again = await scan(true);
    const neverSeen = (await scan(false, 'https://never-seen.test')).checkRequests();
    expect(again.checkRequests()).toEqual(neverSeen);
    await checkAll(again, model);
    expect((await scan()).checkRequests()).toEqual([]);
  });
});

describe('Listing, answers about a file that was listed anew meanwhile', () => {
  // Round A asks about files; some are rewritten and listed anew (Live, an action, a scan
  // behind), and round B asks about them as they are now. A's answers (their bytes, a failed
  // read, or, when the rewrite came before A's read, "changed") arrive before or after B's.
  const cases = (['read', 'error', 'changed'] as const).flatMap((stale) => (['stale first', 'stale last'] as const).map((order) => [stale, order] as const));
  test.each(cases)('an answer of kind %s that arrives %s changes nothing', async (stale, order) => {
    for (const seed of [5, 23, 61]) {
      const rand = seededRandom(seed);
      const model = new Model(rand);
      for (let i = 0; i < 50; i++) model.write();
      const origin = `https://listed-anew-${stale}-${order.replace(' ', '-')}-${seed}.test`; // verdicts are kept per origin
      const listing = new Listing();
      await listing.ingest([['o', origin], ...FOLDERS.slice(1).map((f): WalkEntry => ['d', f]), ...[...model.files.keys()].map((p) => model.entry(p))]);
      await listing.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: model.files.size, directories: FOLDERS.length - 1 });
      const roundA = listing.checkRequests();
      const rewritten = roundA.filter((_, i) => i % 3 === 0).map((r) => r.path);
      expect(rewritten.length, `seed ${seed}`).toBeGreaterThan(3);
      // "changed": the page read after a first rewrite (not listed), then came a second one.
      if (stale === 'changed') for (const path of rewritten) model.rewrite(path);
      const answersA = roundA.map((request) =>
        stale === 'error' && rewritten.includes(request.path) ? { kind: 'error' as const, path: request.path, size: request.size, lastModified: request.lastModified, message: 'NotFoundError: gone for a moment' } : answerFromModel(model, request),
      );
      expect(answersA.filter((a) => a.kind === 'changed').length, `seed ${seed}`).toBe(stale === 'changed' ? rewritten.length : 0);
      for (const path of rewritten) model.rewrite(path);
      listing.addWalkEntries(rewritten.map((path) => model.entry(path)));
      const roundB = listing.checkRequests().filter((r) => rewritten.includes(r.path));
      expect(roundB.map((r) => r.path).sort(), `seed ${seed}`).toEqual([...rewritten].sort());
      const answersB = roundB.map((request) => answerFromModel(model, request));
      for (const answers of order === 'stale first' ? [answersA, answersB] : [answersB, answersA]) await listing.applyChecked(answers);
      listing.setLocks(new Set(), new Set());
      await listing.judge();
      // Nothing left to ask, and every verdict the rules give the files as they are now.
      expectSameAsFromScratch(listing, model, { locked: new Set(), inUse: new Set() }, 'path', false, seed);
    }
  });
});

describe('Listing, what a file keeps for its details', () => {
  // Each kind of read in folders and under names alike, checked once and then served from the verdicts by every rescan.
  test.each(['', 'snaps', 'a/b/ünï'])('keeps a text, a head and a failed read across rescans, and no Parquet bytes (folder %j)', async (folder) => {
    const at = (name: string) => (folder ? `${folder}/${name}` : name);
    const TIME = 1_700_000_000_000;
    const asked = (path: string, size: number) => ({ path, size, lastModified: TIME });
    const origin = `https://kept-reads-${folder.length}.test`;
    const parquet = fixtures[folder.length % fixtures.length].bytes;
    const manifestText = JSON.stringify({ note: 'not a manifest of ours' });
    const bin = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) % 256);
    const files: [string, number, CheckedFile][] = [
      [at('orders.manifest.json'), manifestText.length, { kind: 'text', ...asked(at('orders.manifest.json'), manifestText.length), text: manifestText }],
      [at('data.bin'), bin.length, { kind: 'head', ...asked(at('data.bin'), bin.length), head: headOf(bin) }],
      [at('orders_part_0.parquet'), parquet.length, { kind: 'parquet', ...asked(at('orders_part_0.parquet'), parquet.length), probe: probeOf(parquet) }],
      [at('gone.csv'), 40, { kind: 'error', ...asked(at('gone.csv'), 40), message: 'NotReadableError: it went away' }],
    ];
    const walk: WalkEntry[] = [['o', origin], ...(folder ? [['d', folder] as WalkEntry] : []), ...files.map(([path, size]): WalkEntry => ['f', path, size, TIME])];
    for (const round of [0, 1, 2]) {
      const listing = new Listing();
      await listing.ingest(walk);
      await listing.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: files.length, directories: folder ? 1 : 0 });
      const requests = listing.checkRequests().map((r) => r.path);
      expect(requests.sort(), `round ${round}`).toEqual(round === 0 ? files.map(([path]) => path).sort() : []);
      if (round === 0) await listing.applyChecked(files.map(([, , read]) => read));
      await listing.ingested();
      expect(listing.scanned(at('orders.manifest.json'))?.text, `round ${round}`).toBe(manifestText);
      expect(listing.scanned(at('data.bin'))?.head, `round ${round}`).toEqual(headOf(bin));
      expect(listing.scanned(at('gone.csv'))?.probeError, `round ${round}`).toBe('NotReadableError: it went away');
      const parquetFile = listing.scanned(at('orders_part_0.parquet'));
      expect(parquetFile, `round ${round}`).toEqual({ path: at('orders_part_0.parquet'), name: 'orders_part_0.parquet', folder, size: parquet.length, lastModified: TIME });
      // Its verdict came from its bytes all the same.
      expect(listing.report(at('orders_part_0.parquet'))?.reason, `round ${round}`).toMatch(/^valid Parquet: /);
    }
  });
});

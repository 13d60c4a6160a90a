/**
 * Running the page functions (src/inspected-page/) in unit tests as the inspected page
 * runs them — their expressions evaluated as global code, their answers serialised as
 * JSON and validated as the panel validates them — or directly, as the panel runs them on
 * the extension's own storage. Plus `scan`: walk and check an OPFS (a FakeOpfs) the way the
 * panel does, into the list of files the classification reads.
 */
import { vi } from 'vitest';
import type { FakeOpfs } from './fake-opfs';
import * as expressions from '../../panel/page-expressions';
import {
  askedByPath,
  deliverWalkAnswers,
  recordCheck,
  parseCheckEntry,
  parsePoll,
  parsePurgeEntry,
  parsePurgeResult,
  parseWalkEntry,
  parseWalkSummary,
  requestedPaths,
  walkAnswerParser,
  type CheckedFile,
  type WalkListener,
} from '../../src/opfs/page-answers';
import { checkReadFor, PAGE_GLOBAL, type CheckOptions, type CheckRequest, type PageTaskState, type PurgeEntry, type PurgeResult, type PurgeTarget, type ScanError, type ScannedFile, type WalkEntry, type WalkOptions, type WalkSummary } from '../../src/opfs/scan-types';
import { statOpfsPaths, walkOpfs } from '../../src/inspected-page/walk';
import { checkOpfsFiles, readForVerdict } from '../../src/inspected-page/check';
import { purgeOpfsFiles } from '../../src/inspected-page/purge';

export type ExpressionsModule = typeof expressions;

/** Evaluates an expression the way inspectedWindow.eval does: as global code, result JSON-serialised. */
export function evaluateInPage(expression: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the page evaluates our expressions exactly so
  const value: unknown = new Function(`return (${expression});`)();
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Makes the fake the page's OPFS (navigator.storage) at `origin`. */
export function installPage(fake: FakeOpfs, origin = 'https://app.example'): void {
  vi.stubGlobal('navigator', { storage: fake.storage({ usage: 1234, quota: 10 * 1024 ** 3 }) });
  vi.stubGlobal('location', { origin });
}

/** Forgets every page task state (between tests). */
export function clearPageGlobal(): void {
  delete (globalThis as Record<string, unknown>)[PAGE_GLOBAL];
}

/** Polls a started page task through its poll expression until it settles; hands its entries over as they come. */
export async function pollUntilSettled<T, E>(
  requestId: string,
  parse: (value: unknown) => PageTaskState<T, E>,
  onEntries: (entries: readonly E[]) => void = () => undefined,
  mod: ExpressionsModule = expressions,
): Promise<T> {
  let logged = 0;
  for (let i = 0; i < 100_000; i++) {
    const state = parse(evaluateInPage(mod.pollExpression(requestId, logged)));
    if (state.state === 'running' || state.state === 'done') {
      logged += state.entries.length;
      if (state.entries.length > 0) onEntries(state.entries);
    }
    if (state.state === 'done') return state.result;
    if (state.state === 'failed') throw new Error(`page task failed: ${state.error}`);
    if (state.state === 'missing') throw new Error('page task missing');
    await new Promise((done) => setTimeout(done, 1));
  }
  throw new Error('page task never settled');
}

export interface Host {
  /** Entries, and with `options.check` the checks the walk does as it goes. */
  walk(fake: FakeOpfs, options: WalkOptions, listener: WalkListener): Promise<WalkSummary>;
  check(fake: FakeOpfs, requests: readonly CheckRequest[], options: CheckOptions, onChecked: (files: readonly CheckedFile[]) => void): Promise<void>;
  purge(fake: FakeOpfs, targets: readonly PurgeTarget[], onProgress?: (done: number, entries: readonly PurgeEntry[]) => void): Promise<PurgeResult>;
  /** Lists `paths` anew (what Live mode and the actions do after a change). */
  stat(fake: FakeOpfs, paths: readonly string[], onEntries: (entries: readonly WalkEntry[]) => void): Promise<void>;
}

let counter = 0;
const id = (kind: string) => `${kind}${(counter += 1)}`;

/** The page functions as the page runs them: expressions, polls, JSON, validation. */
export function pageHost(mod: ExpressionsModule = expressions): Host {
  return {
    async walk(fake, options, listener) {
      installPage(fake);
      const request = id('walk');
      const parse = walkAnswerParser();
      if (evaluateInPage(mod.walkExpression(request, options)) !== 'started') throw new Error('the walk did not start');
      return pollUntilSettled(request, (v) => parsePoll(v, parseWalkSummary, parse), (answers) => deliverWalkAnswers(answers, listener), mod);
    },
    async check(fake, requests, options, onChecked) {
      installPage(fake);
      const request = id('check');
      const asked = askedByPath(requests);
      if (evaluateInPage(mod.checkExpression(request, requests, options)) !== 'started') throw new Error('the check did not start');
      await pollUntilSettled(request, (v) => parsePoll(v, () => undefined, (e, what) => parseCheckEntry(e, what, asked)), onChecked, mod);
    },
    async purge(fake, targets, onProgress) {
      installPage(fake);
      const request = id('purge');
      const allowed = requestedPaths(targets);
      let done = 0;
      if (evaluateInPage(mod.purgeExpression(request, targets)) !== 'started') throw new Error('the purge did not start');
      return pollUntilSettled(
        request,
        (v) => parsePoll(v, (r) => parsePurgeResult(r, targets), (e, what) => parsePurgeEntry(e, what, allowed)),
        (entries) => onProgress?.((done += entries.length), entries),
        mod,
      );
    },
    async stat(fake, paths, onEntries) {
      installPage(fake);
      const request = id('stat');
      if (evaluateInPage(mod.statExpression(request, paths)) !== 'started') throw new Error('the stat did not start');
      await pollUntilSettled(request, (v) => parsePoll(v, () => undefined, parseWalkEntry), onEntries, mod);
    },
  };
}

/** The page functions called directly, as the panel does on the extension's storage (validated the same way). */
export const directHost: Host = {
  async walk(fake, options, listener) {
    let n = 0;
    const parse = walkAnswerParser();
    const estimate = async () => ({ usage: 1234, quota: 10 * 1024 ** 3 });
    const summary = await walkOpfs(fake.handle, { origin: 'https://app.example', estimate }, options, (_seen, entry) => deliverWalkAnswers([parse(entry, `entry ${n++}`)], listener), readForVerdict);
    return parseWalkSummary(summary);
  },
  async check(fake, requests, options, onChecked) {
    const asked = askedByPath(requests);
    let n = 0;
    await checkOpfsFiles(fake.handle, requests, options, readForVerdict, (_c, entry) => onChecked([parseCheckEntry(entry, `entry ${n++}`, asked)]));
  },
  async purge(fake, targets, onProgress) {
    const allowed = requestedPaths(targets);
    const wire = await purgeOpfsFiles(fake.handle, targets, (done, entry) => onProgress?.(done, [parsePurgeEntry(entry, 'entry', allowed)]));
    return parsePurgeResult(wire, targets);
  },
  async stat(fake, paths, onEntries) {
    let n = 0;
    await statOpfsPaths(fake.handle, paths, walkOpfs, (_seen, entry) => onEntries([parseWalkEntry(entry, `entry ${n++}`)]));
  },
};

export const HOSTS: [string, Host][] = [
  ['directly (extension OPFS)', directHost],
  ['through the page expressions', pageHost()],
];

/** What a scan of an OPFS found, sorted by path: what the classification reads. */
export interface Scan {
  summary: WalkSummary;
  files: ScannedFile[];
  directories: string[];
  errors: ScanError[];
}

/**
 * Walks, then checks every file whose verdict needs its bytes: the panel's two stages,
 * without the panel. With `options.walk.check` the walk reads as it goes, and the check
 * reads only what it did not.
 */
export async function scan(fake: FakeOpfs, host: Host = directHost, options: { walk?: WalkOptions; check?: CheckOptions } = {}): Promise<Scan> {
  const files = new Map<string, ScannedFile>();
  const directories: string[] = [];
  const errors: ScanError[] = [];
  const read = new Set<string>();
  const apply = (checked: readonly CheckedFile[]) => {
    for (const result of checked) {
      const file = files.get(result.path)!;
      read.add(result.path);
      recordCheck(file, result);
    }
  };
  let listed: WalkSummary | null = null;
  const summary = await host.walk(fake, options.walk ?? {}, {
    onEntries(entries, checked) {
      for (const entry of entries) {
        if (entry[0] === 'f') {
          const cut = entry[1].lastIndexOf('/');
          files.set(entry[1], { path: entry[1], name: entry[1].slice(cut + 1), folder: cut < 0 ? '' : entry[1].slice(0, cut), size: entry[2], lastModified: entry[3] });
        } else if (entry[0] === 'd') directories.push(entry[1]);
        else if (entry[0] === 'e') errors.push({ path: entry[1], message: entry[2] });
      }
      apply(checked);
    },
    onListed(walked) {
      listed = walked;
    },
  });
  if (options.walk?.check && listed === null) throw new Error('A walk that reads did not say when every file was listed.');
  const requests: CheckRequest[] = [];
  for (const file of files.values()) {
    const kind = checkReadFor(file.name, file.size);
    if (kind && !read.has(file.path)) requests.push({ path: file.path, size: file.size, lastModified: file.lastModified, read: kind });
  }
  await host.check(fake, requests, options.check ?? { footerBytesLimit: 1024 * 1024 }, apply);
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { summary, files: [...files.values()].sort(byPath), directories: directories.sort(), errors };
}

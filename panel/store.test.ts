/**
 * The store's rule for listings on screen: a scan puts its listing there; an update in place
 * (a live change, a purge's or a delete's update) shows the listing it updated anew only
 * while that listing is the one on screen — one still running when a newer scan began must
 * not put the older listing back.
 */
import { describe, expect, test } from 'vitest';
import { createStore, filterMatch, reduce } from './store';
import { Listing } from './listing';
import { seededRandom } from '../tests/support/random';
import type { SourceKind } from './sources';
import type { FileReport } from '../src/opfs/classify';
import type { CheckedFile } from '../src/opfs/page-answers';
import type { CheckRequest } from '../src/opfs/scan-types';

/** A check's answer that makes the file corrupt: a Parquet file without its magic, or a CSV's text. */
function brokenAnswer({ path, size, lastModified, read }: CheckRequest): CheckedFile {
  const asked = { path, size, lastModified };
  return read === 'parquet' ? { kind: 'parquet', ...asked, probe: { head: new Uint8Array([1, 2, 3, 4]), tail: new Uint8Array(8), footer: null } } : { kind: 'text', ...asked, text: 'a,b\n1,2\n' };
}

describe('listings on screen', () => {
  test.each(Array.from({ length: 40 }, (_, seed) => seed))('seed %i: an update of a listing a newer scan replaced changes nothing on screen', (seed) => {
    const random = seededRandom(seed + 1);
    const store = createStore('page');
    const listings: Listing[] = [];
    const shown: Record<SourceKind, Listing | 'failed' | null> = { page: null, extension: null };
    // A refresh walking behind the listing shown (which then stays), until it has listed every file.
    const behind: Record<SourceKind, Listing | null> = { page: null, extension: null };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    for (let step = 0; step < 80; step++) {
      const source = pick<SourceKind>(['page', 'extension']);
      const roll = random();
      let updatedOnScreen = false;
      let updatedBehind = false;
      if (roll < 0.25 || listings.length === 0) {
        const listing = new Listing();
        listings.push(listing);
        const asked = random() < 0.6;
        reduce(store, { type: 'scan-started', source, listing, behind: asked });
        // Only behind a complete listing: one still growing (or a failure, or nothing) is replaced at once.
        const current = shown[source];
        if (asked && current instanceof Listing && current.stage === 'done') behind[source] = listing;
        else [shown[source], behind[source]] = [listing, null];
      } else if (roll < 0.3) {
        reduce(store, { type: 'scan-failed', source, error: 'the page went away', serial: 1 });
        [shown[source], behind[source]] = ['failed', null];
      } else if (roll < 0.45) {
        // Any listing has listed every file: only the one behind takes the place of the one shown.
        const listing = pick(listings);
        reduce(store, { type: 'scan-listed', source, listing });
        if (behind[source] === listing) [shown[source], behind[source]] = [listing, null];
      } else if (roll < 0.55) {
        pick(listings).stage = pick(['walking', 'checking', 'done'] as const);
      } else {
        // Any listing, older ones included: its rows changed (its version moves on), then it asks to be shown.
        const listing = pick(listings);
        listing.addWalkEntries([['f', `file-${step}.bin`, step, 0]]);
        reduce(store, { type: 'listing-changed', source, listing });
        updatedOnScreen = shown[source] === listing;
        updatedBehind = behind[source] === listing;
      }
      for (const kind of ['page', 'extension'] as const) {
        const state = store.scans[kind].value;
        const expected = shown[kind];
        if (expected === null) expect(state.kind, `step ${step}, ${kind}`).toBe('idle');
        else if (expected === 'failed') expect(state.kind, `step ${step}, ${kind}`).toBe('failed');
        else {
          expect(state.kind === 'listing' && state.listing, `step ${step}, ${kind}`).toBe(expected);
          // The one on screen is shown with its latest rows.
          if (state.kind === 'listing' && kind === source && updatedOnScreen) expect(state.version, `step ${step}`).toBe(expected.version);
        }
        const next = store.behind[kind].value;
        expect(next?.listing ?? null, `step ${step}, ${kind} behind`).toBe(behind[kind]);
        if (next && kind === source && updatedBehind) expect(next.version, `step ${step}`).toBe(next.listing.version);
      }
    }
  });

  test('a navigation drops the refresh that walked behind the old document\'s listing', () => {
    const store = createStore('page');
    const listed = new Listing();
    listed.stage = 'done';
    reduce(store, { type: 'scan-started', source: 'page', listing: listed });
    const next = new Listing();
    reduce(store, { type: 'scan-started', source: 'page', listing: next, behind: true });
    expect(store.behind.page.value?.listing).toBe(next);
    reduce(store, { type: 'navigated' });
    expect(store.behind.page.value).toBeNull();
    reduce(store, { type: 'scan-listed', source: 'page', listing: next });
    expect(store.scans.page.value.kind === 'listing' && store.scans.page.value.listing).toBe(listed);
  });
});

describe('the rows on screen while verdicts arrive', () => {
  const SORTS = (['path', 'size', 'modified', 'status'] as const).flatMap((key) => [false, true].map((descending) => ({ key, descending })));
  const FILTERS = ['pending', 'corrupt', 'empty', 'format:parquet', 'parquet', 'b/', '7'];

  // A verdict changes a row's status without moving it (sorted by path, say): a filter on
  // statuses or formats must still see it.
  test.each(SORTS.flatMap((sort) => FILTERS.map((needle) => ({ ...sort, needle }))))('sorted by $key (descending: $descending), filtered by "$needle": the rows the filter matches now', async ({ key, descending, needle }) => {
    const random = seededRandom(key.length * 31 + needle.length + (descending ? 7 : 0));
    const store = createStore('page');
    // Its own origin: verdicts are kept per origin, and each test checks its files anew.
    const origin = `https://filter-${key}-${descending}-${encodeURIComponent(needle)}.test`;
    const listing = new Listing();
    const paths = Array.from({ length: 120 }, (_, i) => `${['a', 'b', 'c/d'][i % 3]}/t${i}.${i % 5 === 4 ? 'csv' : 'parquet'}`);
    await listing.ingest([['o', origin], ...paths.map((path, i): ['f', string, number, number] => ['f', path, i % 6 === 0 ? 0 : 100 + Math.floor(random() * 900), 1000 + i])]);
    await listing.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: paths.length, directories: 0 });
    reduce(store, { type: 'scan-started', source: 'page', listing });
    store.sort.value = { key, descending };
    store.filter.value = needle;
    const expectMatching = (when: string) => {
      const expected = listing
        .sorted(key, descending)
        .filter(filterMatch(needle))
        .map((r) => r.report.path);
      const all = listing.paths().map((p) => listing.report(p)!);
      const fromScratch = all.filter((report) => filterMatch(needle)({ report, lowerPath: report.path.toLowerCase() }));
      expect(new Set(store.visibleFiles.value.rows.map((r) => r.report.path)), when).toEqual(new Set(fromScratch.map((r) => r.path)));
      expect(store.visibleFiles.value.rows.map((r) => r.report.path), `${when}: in order`).toEqual(expected);
    };
    expectMatching('walked');
    // The checks answer in batches, in a random order: a broken head, so each verdict turns from pending to corrupt.
    const requests = listing.checkRequests().sort(() => random() - 0.5);
    expect(requests.length).toBeGreaterThan(20);
    for (let at = 0; at < requests.length; at += 9) {
      await listing.applyChecked(
        requests.slice(at, at + 9).map(brokenAnswer),
      );
      reduce(store, { type: 'listing-changed', source: 'page', listing });
      expectMatching(`after ${at + 9} checks`);
    }
  });
});

describe('the rows on screen as folder, filter, sort and listing change in any order', () => {
  // The listing's sorted rows change in place: what the store derives from them (a folder's
  // rows, the filter's matches) must follow each change, never a result kept from before.
  const STATUS_ORDER = { corrupt: 0, empty: 1, incomplete: 2, orphan: 3, temp: 4, locked: 5, pending: 6, ok: 7 } as const;
  const KEYS = ['path', 'size', 'modified', 'status'] as const;
  test.each(Array.from({ length: 30 }, (_, seed) => seed))('seed %i: the rows of the chosen folder that match the filter, in the chosen order', async (seed) => {
    const random = seededRandom(seed + 101);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const store = createStore('page');
    const origin = `https://in-place-${seed}.test`;
    const listing = new Listing();
    const FOLDERS = ['a', 'b', 'c', 'c/d', 'c/d/e'];
    let next = 0;
    const newFiles = (n: number): ['f', string, number, number][] =>
      Array.from({ length: n }, () => {
        const i = next++;
        return ['f', `${pick(FOLDERS)}/t${i}.${pick(['parquet', 'csv', 'bin'])}`, i % 6 === 0 ? 0 : 100 + Math.floor(random() * 900), 1000 + Math.floor(random() * 50)];
      });
    await listing.ingest([['o', origin], ...newFiles(150)]);
    await listing.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: 150, directories: 0 });
    reduce(store, { type: 'scan-started', source: 'page', listing });
    for (let step = 0; step < 80; step++) {
      const roll = random();
      if (roll < 0.2) store.folder.value = pick(['', ...FOLDERS]);
      else if (roll < 0.4) reduce(store, { type: 'filter', text: pick(['', 't1', 't12', 'parquet', 'format:csv', 'corrupt', 'pending', 'c/d']) });
      else if (roll < 0.5) store.sort.value = { key: pick(KEYS), descending: random() < 0.5 };
      else {
        if (roll < 0.65) listing.addWalkEntries(newFiles(1 + Math.floor(random() * 20)));
        else if (roll < 0.75) listing.forget(listing.paths().filter(() => random() < 0.05));
        else {
          const requests = listing.checkRequests().filter(() => random() < 0.4);
          await listing.applyChecked(requests.map(brokenAnswer));
          await listing.judge();
        }
        reduce(store, { type: 'listing-changed', source: 'page', listing });
      }
      const { key, descending } = store.sort.value;
      const needle = store.filter.value.trim().toLowerCase();
      const folder = store.folder.value;
      const primary = (a: FileReport, b: FileReport) => (key === 'path' ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : key === 'size' ? a.size - b.size : key === 'modified' ? a.lastModified - b.lastModified : STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
      const expected = listing
        .paths()
        .map((p) => listing.report(p)!)
        .filter((r) => folder === '' || r.path.startsWith(`${folder}/`))
        .filter((report) => !needle || filterMatch(needle)({ report, lowerPath: report.path.toLowerCase() }))
        .sort((a, b) => (descending ? -1 : 1) * primary(a, b) || (a.path < b.path ? -1 : 1))
        .map((r) => r.path);
      expect(store.visibleFiles.value.rows.map((r) => r.report.path), `step ${step}: folder "${folder}", filter "${needle}", by ${key}${descending ? ' descending' : ''}`).toEqual(expected);
    }
  });
});

describe('a navigation of the inspected page', () => {
  test.each(['page', 'extension'] as const)('closes the questions about the page it left, and only those (%s shown)', (shown) => {
    const store = createStore(shown);
    const ask = () => {
      reduce(store, { type: 'confirm', request: { title: 'Delete 1 file', detail: '', items: [{ path: 'a.txt', size: 1 }], okLabel: 'Delete', onConfirm: () => undefined } });
      reduce(store, { type: 'prompt', request: { title: 'Rename a.txt', inputTestId: 'rename-input', value: 'a.txt', okLabel: 'Rename', submit: async () => null } });
    };
    for (const source of ['page', 'extension'] as const) {
      ask();
      reduce(store, { type: 'purge-ask', request: { source, category: 'empty', files: [{ path: 'e.parquet', size: 0 }] } });
      reduce(store, { type: 'navigated' });
      // The purge's question names its storage; a confirmation or a prompt is about the storage shown.
      expect(store.purgeDialog.value === null, `a purge of the ${source}'s files`).toBe(source === 'page');
      expect(store.confirm.value === null).toBe(shown === 'page');
      expect(store.prompt.value === null).toBe(shown === 'page');
    }
  });

  test.each([
    { kind: 'running', label: 'Uploading 1 file', fraction: 0.5 },
    { kind: 'failed', error: 'Uploaded 0 files (0 B) to the top folder. Not uploaded: a.bin: the page reloaded' },
    { kind: 'done', result: { sentence: 'Deleted 1 file (3 B).' } },
  ] as const)('keeps the file action\'s line ($kind): its result is what the user needs to read', (state) => {
    const store = createStore('page');
    reduce(store, { type: 'file-action', state });
    const before = store.fileAction.value;
    reduce(store, { type: 'navigated' });
    expect(store.fileAction.value).toBe(before);
    expect(store.selection.value.paths.size).toBe(0);
  });
});

describe('the files an action takes', () => {
  // Selected, then hidden by the filter (or by a verdict that changed a row's status): still
  // selected, so that clearing the filter shows them selected, but never taken unseen.
  test.each(['t1', 'b/', 'format:csv', 'corrupt', 'nothing matches this'])('selected, then filtered by "%s": only the rows shown are chosen, all of them again once the filter is cleared', async (needle) => {
    const store = createStore('page');
    const origin = `https://chosen-${encodeURIComponent(needle)}.test`;
    const listing = new Listing();
    const paths = Array.from({ length: 60 }, (_, i) => `${['a', 'b', 'c/d'][i % 3]}/t${i}.${i % 5 === 4 ? 'csv' : 'parquet'}`);
    await listing.ingest([['o', origin], ...paths.map((path, i): ['f', string, number, number] => ['f', path, i % 6 === 0 ? 0 : 100 + i, 1000 + i])]);
    await listing.finishWalk({ origin, usage: null, quota: null, truncated: false, elapsedMs: 1, files: paths.length, directories: 0 });
    reduce(store, { type: 'scan-started', source: 'page', listing });
    const selected = new Set(paths.filter((_, i) => i % 2 === 0));
    reduce(store, { type: 'selection', selection: { paths: selected, anchor: null, cursor: null } });
    expect(store.chosen.value).toEqual(selected);
    reduce(store, { type: 'filter', text: needle });
    const shown = new Set(store.visibleFiles.value.rows.map((row) => row.report.path));
    expect(store.chosen.value).toEqual(new Set([...selected].filter((path) => shown.has(path))));
    expect(store.selection.value.paths).toEqual(selected);
    reduce(store, { type: 'filter', text: '' });
    expect(store.chosen.value).toEqual(selected);
  });
});

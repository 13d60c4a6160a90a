import { describe, expect, it } from 'vitest';
import type { WalkEntry } from '../src/opfs/scan-types';
import { seededRandom } from '../tests/support/random';
import { breadcrumb, buildFolderTree, isUnder, shownFolders } from './folders';
import { Listing } from './listing';

const SEGMENTS = ['a', 'b c', 'ñ', '#x', '.hidden', 'a.b'];

/** Every folder above a file or listed, with the files and bytes below it, counted the slow way. */
function bruteForce(files: ReadonlyMap<string, number>, directories: Iterable<string>) {
  const folders = new Set<string>(['']);
  const addAll = (path: string) => {
    for (let at = path; at !== ''; at = at.slice(0, Math.max(0, at.lastIndexOf('/')))) folders.add(at);
  };
  for (const path of files.keys()) addAll(path.slice(0, Math.max(0, path.lastIndexOf('/'))));
  for (const dir of directories) addAll(dir);
  return Object.fromEntries(
    [...folders].sort().map((folder) => {
      const below = [...files].filter(([path]) => isUnder(path, folder));
      return [folder, { files: below.length, bytes: below.reduce((sum, [, size]) => sum + size, 0) }];
    }),
  );
}

const treeCounts = (listing: Listing) =>
  Object.fromEntries([...listing.folderTree().values()].sort((x, y) => (x.path < y.path ? -1 : 1)).map((n) => [n.path, { files: n.files, bytes: n.bytes }]));

describe('the folder tree of a listing', () => {
  it.each([1, 2, 3, 4, 5])('counts every folder (empty ones, unlisted parents) and stays right as files come, grow and go (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const folderPath = () => Array.from({ length: Math.floor(random() * 4) }, () => pick(SEGMENTS)).join('/');
    const files = new Map<string, number>();
    const directories = new Set<string>();
    const entries: WalkEntry[] = [];
    for (let i = 0; i < 300; i++) {
      const folder = folderPath();
      const path = folder ? `${folder}/f${i}.bin` : `f${i}.bin`;
      const size = Math.floor(random() * 1000);
      files.set(path, size);
      entries.push(['f', path, size, 1]);
      // The walk lists most folders, not all (a folder is also known from a file in it).
      if (folder && random() < 0.7) directories.add(folder);
    }
    for (let i = 0; i < 10; i++) directories.add(`${folderPath()}/empty${i}`.replace(/^\//, ''));
    for (const dir of directories) entries.push(['d', dir]);
    const listing = new Listing();
    listing.addWalkEntries(entries);
    expect(treeCounts(listing)).toEqual(bruteForce(files, directories));

    // Some grow or shrink in place, some go, one folder goes with everything below it.
    const paths = [...files.keys()];
    const resized = paths.filter(() => random() < 0.2).map((path): WalkEntry => ['f', path, Math.floor(random() * 5000), 2]);
    for (const [, path, size] of resized as ['f', string, number, number][]) files.set(path, size);
    listing.addWalkEntries(resized);
    const gone = paths.filter(() => random() < 0.2);
    const goneFolder = pick([...directories].filter((d) => d.includes('/')));
    listing.forget([...gone, goneFolder]);
    for (const path of gone) files.delete(path);
    for (const path of [...files.keys()]) if (isUnder(path, goneFolder)) files.delete(path);
    for (const dir of [...directories]) if (dir === goneFolder || isUnder(dir, goneFolder)) directories.delete(dir);
    const expected = bruteForce(files, directories);
    expect(treeCounts(listing)).toEqual(expected);
  });

  it('sorts children by name and shows only what expanded folders hold', () => {
    const tree = buildFolderTree(['z', 'a', 'a/y', 'a/b', 'a/b/c'], new Map([['a/b', { files: 2, bytes: 10 }]]));
    expect(tree.get('a')?.children).toEqual(['a/b', 'a/y']);
    expect(shownFolders(tree, new Set()).map((n) => n.path)).toEqual(['', 'a', 'z']);
    expect(shownFolders(tree, new Set(['a'])).map((n) => n.path)).toEqual(['', 'a', 'a/b', 'a/y', 'z']);
    expect(shownFolders(tree, new Set(['a', 'a/b'])).map((n) => [n.path, n.depth, n.files])).toEqual([
      ['', 0, 2],
      ['a', 1, 2],
      ['a/b', 2, 2],
      ['a/b/c', 3, 0],
      ['a/y', 2, 0],
      ['z', 1, 0],
    ]);
  });

  it('makes a breadcrumb of each folder above a path, and tells what is under a folder', () => {
    expect(breadcrumb('')).toEqual([{ path: '', name: '' }]);
    expect(breadcrumb('a/b c/ñ')).toEqual([
      { path: '', name: '' },
      { path: 'a', name: 'a' },
      { path: 'a/b c', name: 'b c' },
      { path: 'a/b c/ñ', name: 'ñ' },
    ]);
    expect(isUnder('ab/x', 'a')).toBe(false);
    expect(isUnder('a/x', 'a')).toBe(true);
    expect(isUnder('x', '')).toBe(true);
  });
});

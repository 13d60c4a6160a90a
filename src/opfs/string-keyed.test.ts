import { describe, expect, test } from 'vitest';
import { seededRandom } from '../../tests/support/random';
import { fnv1a, StringMap, StringSet } from './string-keyed';

// A hash that collides all the time (and the real one): every operation must give what a Map and a Set give.
const HASHES: [string, (key: string) => number][] = [
  ['fnv1a', fnv1a],
  ['length % 3', (key) => key.length % 3],
  ['constant', () => 7],
];

describe.each(HASHES)('StringMap and StringSet with the hash %s', (_, hash) => {
  test.each([1, 2, 3, 4, 5])('agree with Map and Set over random operations (seed %i)', (seed) => {
    const rand = seededRandom(seed);
    // Few distinct keys of varied lengths and characters (names, paths, non-Latin, lone surrogates, empty).
    const pool = Array.from({ length: 40 }, (_, i) => ['', 'a', 'ä/ö', 'x\u0000y', '\ud800', 'app/snapshots/t1/t1_part_0.parquet'][i % 6] + (i >= 6 ? String(i) : ''));
    const map = new StringMap<number>([], hash);
    const set = new StringSet([], hash);
    const expectedMap = new Map<string, number>();
    const expectedSet = new Set<string>();
    for (let step = 0; step < 2000; step++) {
      const key = pool[Math.floor(rand() * pool.length)];
      const op = rand();
      if (op < 0.45) {
        map.set(key, step);
        expectedMap.set(key, step);
        set.add(key);
        expectedSet.add(key);
      } else if (op < 0.85) {
        expect(map.delete(key)).toBe(expectedMap.delete(key));
        expect(set.delete(key)).toBe(expectedSet.delete(key));
      } else if (op < 0.87) {
        map.clear();
        expectedMap.clear();
        set.clear();
        expectedSet.clear();
      }
      const probe = pool[Math.floor(rand() * pool.length)];
      expect(map.get(probe)).toBe(expectedMap.get(probe));
      expect(map.has(probe)).toBe(expectedMap.has(probe));
      expect(set.has(probe)).toBe(expectedSet.has(probe));
      expect(map.size).toBe(expectedMap.size);
      expect(set.size).toBe(expectedSet.size);
    }
    const sortedEntries = (entries: Iterable<[string, number]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    expect(sortedEntries(map)).toEqual(sortedEntries(expectedMap));
    expect(sortedEntries(map.entries())).toEqual(sortedEntries(expectedMap.entries()));
    expect([...map.keys()].sort()).toEqual([...expectedMap.keys()].sort());
    expect([...map.values()].sort()).toEqual([...expectedMap.values()].sort());
    expect([...set].sort()).toEqual([...expectedSet].sort());
  });
});

test('a map keeps insertion order when no hash collides', () => {
  const keys = Array.from({ length: 1000 }, (_, i) => `folder/${i % 7}/file-${i}.parquet`);
  expect([...new StringMap(keys.map((k, i) => [k, i])).keys()]).toEqual(keys);
});

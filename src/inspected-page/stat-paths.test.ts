/**
 * The page lists at most SCAN_LIMITS.maxStatPaths paths anew per call (its literal, as it is
 * sent as source text): the panel splits larger sets into calls of that size.
 */
import { describe, expect, test } from 'vitest';
import { SCAN_LIMITS } from '../opfs/scan-types';
import { statOpfsPaths, walkOpfs } from './walk';
import type { WalkEntry } from '../opfs/scan-types';

/** A root in which no path exists. */
const emptyRoot = {
  getFileHandle: () => Promise.reject(new DOMException('gone', 'NotFoundError')),
  getDirectoryHandle: () => Promise.reject(new DOMException('gone', 'NotFoundError')),
} as unknown as FileSystemDirectoryHandle;

describe('statOpfsPaths', () => {
  test.each([1, SCAN_LIMITS.maxStatPaths - 1, SCAN_LIMITS.maxStatPaths, SCAN_LIMITS.maxStatPaths + 1, SCAN_LIMITS.maxStatPaths + 250])('of %i paths, lists at most SCAN_LIMITS.maxStatPaths', async (count) => {
    const paths = Array.from({ length: count }, (_, i) => `folder ${i % 3}/file-${i}.parquet`);
    const seen: WalkEntry[] = [];
    await statOpfsPaths(emptyRoot, paths, walkOpfs, (_n, entry) => seen.push(entry));
    expect(seen.length).toBe(Math.min(count, SCAN_LIMITS.maxStatPaths));
    expect(seen.every((entry) => entry[0] === 'g')).toBe(true);
    expect(seen.map((entry) => entry[1])).toEqual(paths.slice(0, SCAN_LIMITS.maxStatPaths));
  });
});

import { describe, expect, test } from 'vitest';
import type { SnapshotManifest } from '../protocol';
import type { DuckDBHost } from './duckdb';
import { ensureSnapshotsLoaded, type LoadSnapshot } from './console';

function manifest(snapshotId: string): SnapshotManifest {
  return {
    formatVersion: 1,
    snapshotId,
    sourceName: `${snapshotId}.csv`,
    rowCount: 1,
    schema: [{ name: 'a', type: 'BIGINT' }],
    parts: [{ name: `${snapshotId}.parquet`, rows: 1, bytes: 100 }],
    checksum: { algorithm: 'duckdb-hash-sum-v1', value: '1' },
    compression: 'ZSTD',
    rowGroupSize: 100_000,
    rowsPerPart: 250_000,
    createdAt: '2026-12-05T00:00:00.000Z',
  };
}

/** Loads nothing into DuckDB: records which snapshot went into which table. */
function recordingLoad(): { load: LoadSnapshot; loads: [string, string][] } {
  const loads: [string, string][] = [];
  return { loads, load: async (snapshotId, table) => (loads.push([snapshotId, table]), { problems: [], rowIdColumn: '__row_id' }) };
}

/** Every spelling of `id` with one letter's case flipped, and the whole of it upper and lower. */
function caseVariants(id: string): string[] {
  const flips = [...id].flatMap((c, i) => (c.toLowerCase() === c.toUpperCase() ? [] : [id.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + id.slice(i + 1)]));
  return [...new Set([...flips, id.toUpperCase(), id.toLowerCase()])].filter((v) => v !== id);
}

describe('snapshots loaded as tables for SQL and diffs', () => {
  const ids = ['orders', 'Sales.2024', 'a-b_c', 'x1'];

  test.each(ids.flatMap((id) => caseVariants(id).map((other) => [id, other])))('snapshots %s and %s, which differ only in case, are refused by any spelling, and nothing is loaded', async (id, other) => {
    const manifests = [manifest(id), manifest(other), manifest('unrelated')];
    for (const asked of [id, other, id.toUpperCase(), id.toLowerCase()]) {
      const { load, loads } = recordingLoad();
      await expect(ensureSnapshotsLoaded({} as DuckDBHost, [asked], manifests, load, new AbortController().signal)).rejects.toMatchObject({
        name: 'AmbiguousSnapshotError',
        message: expect.stringContaining('differ only in case'),
      });
      expect(loads).toEqual([]);
    }
  });

  test.each(ids)('snapshot %s alone is found by any spelling, and loads under its own id', async (id) => {
    for (const asked of [id, ...caseVariants(id)]) {
      const { load, loads } = recordingLoad();
      const result = await ensureSnapshotsLoaded({} as DuckDBHost, [asked, 'not-a-snapshot'], [manifest(id), manifest(`${id}-2`)], load, new AbortController().signal);
      expect(result).toEqual({ loaded: [id], notes: [] });
      expect(loads).toEqual([[id, id]]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { SnapshotManifest } from '../protocol';
import { InvalidManifestError, parseManifest, serializeManifest } from './manifest';

const manifest: SnapshotManifest = {
  formatVersion: 1,
  snapshotId: 'orders',
  sourceName: 'orders.csv',
  rowCount: 250_001,
  schema: [{ name: 'id', type: 'BIGINT' }],
  parts: [
    { name: 'orders_part_0.parquet', rows: 250_000, bytes: 1234 },
    { name: 'orders_part_1.parquet', rows: 1, bytes: 300 },
  ],
  checksum: { algorithm: 'duckdb-hash-sum-v1', value: '123456789012345678901' },
  compression: 'ZSTD',
  rowGroupSize: 100_000,
  rowsPerPart: 250_000,
  createdAt: '2026-11-26T01:00:00.000Z',
};

describe('manifest', () => {
  it('round-trips through its file text', () => {
    expect(parseManifest(serializeManifest(manifest))).toEqual(manifest);
  });

  it.each([
    [1, 'duckdb-hash-sum-v1'],
    [2, 'duckdb-hash-sum-v2'],
  ])('reads format %i, with the checksum version it records (%s)', (formatVersion, algorithm) => {
    expect(parseManifest(JSON.stringify({ ...manifest, formatVersion, checksum: { algorithm, value: '42' } })).checksum).toEqual({ algorithm, value: '42' });
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['a checksum of a version it does not know', JSON.stringify({ ...manifest, checksum: { algorithm: 'duckdb-hash-sum-v3', value: '1' } }), /checksum/],
    ['a checksum of a newer version under format 1', JSON.stringify({ ...manifest, checksum: { algorithm: 'duckdb-hash-sum-v2', value: '1' } }), /checksum/],
    ['an unknown version', JSON.stringify({ ...manifest, formatVersion: 3 }), /format version/],
    ['a checksum of another format', JSON.stringify({ ...manifest, formatVersion: 2 }), /checksum/],
    ['rows that do not add up', JSON.stringify({ ...manifest, rowCount: 3 }), /do not add up/],
    ['a 0-byte part', JSON.stringify({ ...manifest, parts: [{ ...manifest.parts[0], bytes: 0 }, manifest.parts[1]] }), /parts/],
    ['a part outside its folder', JSON.stringify({ ...manifest, parts: [{ ...manifest.parts[0], name: '../x.parquet' }, manifest.parts[1]] }), /parts/],
    ['no parts', JSON.stringify({ ...manifest, parts: [], rowCount: 0 }), /parts/],
    ['a bad id', JSON.stringify({ ...manifest, snapshotId: '../etc' }), /snapshot id/],
    ['no checksum', JSON.stringify({ ...manifest, checksum: undefined }), /checksum/],
    ['a bad date', JSON.stringify({ ...manifest, createdAt: 'yesterday' }), /creation time/],
  ])('refuses a manifest with %s', (_, text, message) => {
    expect(() => parseManifest(text)).toThrow(InvalidManifestError);
    expect(() => parseManifest(text)).toThrow(message);
  });
});

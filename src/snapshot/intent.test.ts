import { describe, expect, it } from 'vitest';
import { InvalidIntentError, parseIntent, serializeIntent, type SnapshotIntent } from './intent';

const startedAt = '2026-12-05T10:00:00.000Z';
const exportIntent: SnapshotIntent = { formatVersion: 2, kind: 'export', snapshotId: 's', files: ['s_part_0.parquet.tmp', 's_part_0.parquet', 's.manifest.json.tmp', 's.manifest.json'], exportId: 'e1', startedAt };
const deleteIntent: SnapshotIntent = {
  formatVersion: 2,
  kind: 'delete',
  snapshotId: 's',
  files: ['s.manifest.json', 's_part_0.parquet'],
  stamps: { 's.manifest.json': { size: 10, lastModified: 1 }, 's_part_0.parquet': { size: 0, lastModified: 1.5 } },
  startedAt,
};

describe('intent records', () => {
  it('read back as written, for exports and deletions', () => {
    for (const intent of [exportIntent, deleteIntent]) expect(parseIntent(serializeIntent(intent), 's')).toEqual(intent);
  });

  it('of format 1 read with their proofs missing, so that a sweep removes none of their final files', () => {
    const { exportId: _id, ...v1Export } = { ...exportIntent, formatVersion: 1 };
    expect(parseIntent(JSON.stringify(v1Export), 's')).toEqual({ ...exportIntent, formatVersion: 1, exportId: null });
    const { stamps: _stamps, ...v1Delete } = { ...deleteIntent, formatVersion: 1 };
    expect(parseIntent(JSON.stringify(v1Delete), 's')).toEqual({ ...deleteIntent, formatVersion: 1, stamps: {} });
  });

  it('are refused when a proof is missing or not one we write', () => {
    const broken: unknown[] = [
      { ...exportIntent, exportId: undefined },
      { ...exportIntent, exportId: '' },
      { ...exportIntent, exportId: 7 },
      { ...exportIntent, formatVersion: 3 },
      { ...deleteIntent, stamps: undefined },
      { ...deleteIntent, stamps: [] },
      { ...deleteIntent, stamps: { 's.manifest.json': { size: -0.5, lastModified: 1 } } },
      { ...deleteIntent, stamps: { 's.manifest.json': { size: 1 } } },
      { ...deleteIntent, stamps: { 's.manifest.json': null } },
      // A stamp of a file the deletion does not name.
      { ...deleteIntent, stamps: { 'other.parquet': { size: 1, lastModified: 1 } } },
      { ...deleteIntent, files: ['../s.manifest.json'] },
      { ...deleteIntent, snapshotId: 't' },
    ];
    for (const value of broken) expect(() => parseIntent(JSON.stringify(value), 's'), JSON.stringify(value)).toThrow(InvalidIntentError);
  });
});

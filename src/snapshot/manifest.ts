import type { ChecksumAlgorithm, ColumnSchema, SnapshotManifest, SnapshotPartInfo } from '../protocol';
import { isValidSnapshotId } from './names';

/**
 * The format an export writes. Each format records its own version of the content checksum:
 * a manifest of format 2 (checksum version 2) is, to a reader of format 1 only, a manifest of
 * a newer format, which it leaves unjudged, not a damaged one it would offer to purge.
 */
export const MANIFEST_FORMAT_VERSION = 2;
const CHECKSUM_OF_FORMAT: Readonly<Record<number, ChecksumAlgorithm>> = { 1: 'duckdb-hash-sum-v1', 2: 'duckdb-hash-sum-v2' };

/** A manifest file that exists but cannot be trusted. */
export class InvalidManifestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidManifestError';
  }
}

export function serializeManifest(manifest: SnapshotManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * What a `*.manifest.json` file's text claims to be. Our manifests are JSON objects with
 * both `formatVersion` and `snapshotId`; text that is not JSON at all is taken for one of
 * ours, damaged (a write cut short). Any other JSON value is another app's file that only
 * shares the name's ending (`precache.manifest.json`): not ours to judge, let alone purge.
 * A manifest of a newer format version is ours, but not readable by this version.
 */
export function manifestClaim(text: string): { kind: 'ours' } | { kind: 'foreign' } | { kind: 'newer'; version: number } {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return { kind: 'ours' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('formatVersion' in value) || !('snapshotId' in value)) return { kind: 'foreign' };
  const version = value.formatVersion;
  if (typeof version === 'number' && Number.isSafeInteger(version) && version > MANIFEST_FORMAT_VERSION) return { kind: 'newer', version };
  return { kind: 'ours' };
}

/**
 * Parses and validates a manifest. Everything is checked, because a manifest is what
 * says a snapshot is complete: a wrong one would make a broken snapshot look healthy.
 */
export function parseManifest(text: string): SnapshotManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidManifestError('The manifest is not valid JSON.', { cause: error });
  }
  const m = value as Partial<Record<keyof SnapshotManifest, unknown>>;
  const fail = (what: string): never => {
    throw new InvalidManifestError(`The manifest has ${what}.`);
  };
  if (typeof value !== 'object' || value === null) fail('no object at its top');
  const checksumOfFormat = typeof m.formatVersion === 'number' ? CHECKSUM_OF_FORMAT[m.formatVersion] : undefined;
  if (checksumOfFormat === undefined) fail(`an unsupported format version (${String(m.formatVersion)})`);
  if (typeof m.snapshotId !== 'string' || !isValidSnapshotId(m.snapshotId)) fail('an invalid snapshot id');
  if (typeof m.sourceName !== 'string') fail('no source name');
  if (!isCount(m.rowCount)) fail('an invalid row count');
  if (!Array.isArray(m.schema) || !m.schema.every(isColumn)) fail('an invalid schema');
  if (!Array.isArray(m.parts) || m.parts.length === 0 || !m.parts.every(isPart)) fail('an invalid list of parts');
  const parts = m.parts as SnapshotPartInfo[];
  if (parts.reduce((sum, p) => sum + p.rows, 0) !== m.rowCount) fail('parts whose rows do not add up to its row count');
  const checksum = m.checksum as { algorithm?: unknown; value?: unknown } | undefined;
  if (checksum?.algorithm !== checksumOfFormat || typeof checksum?.value !== 'string') fail('an invalid checksum');
  if (m.compression !== 'ZSTD') fail('an unknown compression');
  if (!isCount(m.rowGroupSize) || !isCount(m.rowsPerPart)) fail('invalid part settings');
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) fail('an invalid creation time');
  return value as SnapshotManifest;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isColumn(value: unknown): value is ColumnSchema {
  const c = value as Partial<ColumnSchema> | null;
  return typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.type === 'string';
}

function isPart(value: unknown): value is SnapshotPartInfo {
  const p = value as Partial<SnapshotPartInfo> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.name === 'string' &&
    p.name.endsWith('.parquet') &&
    !p.name.includes('/') &&
    isCount(p.rows) &&
    isCount(p.bytes) &&
    p.bytes > 0
  );
}

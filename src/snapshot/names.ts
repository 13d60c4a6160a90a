/**
 * How a snapshot is laid out in OPFS `snapshots/`, and how its rows are cut into parts.
 *
 *   <id>.parquet                  one file, when rows <= rowsPerPart
 *   <id>_part_<i>.parquet         i = 0.., when rows > rowsPerPart
 *   <id>.manifest.json            written last: no manifest, no snapshot
 *   <final name>.tmp              a part (or manifest) being written; renamed once verified
 *   <id>.intent.json              written first by an export (or a deletion), removed
 *                                 last: it lists every file that work may create or
 *                                 remove, so that an interrupted one is finished or
 *                                 undone exactly, never guessed at from names
 */

export const SNAPSHOTS_DIR = 'snapshots';
export const STAGING_DIR = 'staging';
export const DEFAULT_ROWS_PER_PART = 250_000;
export const DEFAULT_ROW_GROUP_SIZE = 100_000;
export const TEMP_SUFFIX = '.tmp';
export const MANIFEST_SUFFIX = '.manifest.json';
export const INTENT_SUFFIX = '.intent.json';

/** One part of a snapshot: which rows (by `__row_id`, half-open range) go into which file. */
export interface PartPlan {
  index: number;
  name: string;
  firstRow: number;
  /** Exclusive. */
  endRow: number;
}

const SNAPSHOT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Snapshot ids become file names: a conservative alphabet keeps them unambiguous. */
export function isValidSnapshotId(id: string): boolean {
  return SNAPSHOT_ID.test(id) && !id.includes('..') && !id.endsWith('.') && !/_part_\d+$/.test(id);
}

export function assertValidSnapshotId(id: string): void {
  if (!isValidSnapshotId(id)) {
    throw new Error(
      `"${id}" is not a valid snapshot id: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
    );
  }
}

/**
 * `id` itself when no file of `existing` belongs to it, else the first of `id-2`, `id-3`…
 * that is free: two imports of the same file never collide.
 */
export function unusedSnapshotId(id: string, existing: readonly string[]): string {
  const taken = new Set<string>();
  for (const name of existing) {
    const role = parseSnapshotFileName(name);
    if (role.kind !== 'other' && role.snapshotId !== undefined) taken.add(role.snapshotId);
  }
  if (!taken.has(id)) return id;
  for (let n = 2; ; n++) {
    const candidate = `${id.slice(0, 120)}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Derives a snapshot id from a file name: `Sales 2024 (final).csv` → `sales-2024-final`.
 * Non-ASCII letters are dropped rather than guessed at; an empty result becomes `snapshot`.
 */
export function snapshotIdFromFileName(fileName: string, now: Date = new Date()): string {
  const stem = fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const slug = stem
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').toLowerCase();
  return `${slug || 'snapshot'}-${stamp}`;
}

/**
 * The DuckDB table a snapshot is restored into, one per snapshot id: restoring it again
 * replaces its own table and never another snapshot's. DuckDB's names ignore case, so
 * `a-b`, `a.b`, `a_b` and `A-b` need four names. An id of lowercase letters, digits and
 * `-` (what imports name snapshots) reads as itself: `orders-2026` → `restored_orders_2026`.
 * Any other id (`_`, `.`, a capital) gets `restored__` — which no such id can produce, as
 * ids start with a letter or digit — then its lowercased form and 8 hex digits of a hash
 * of the exact id: `A.b` → `restored__a_b_…`.
 */
export function restoredTableName(snapshotId: string): string {
  if (/^[a-z0-9][a-z0-9-]*$/.test(snapshotId)) return `restored_${snapshotId.replaceAll('-', '_')}`;
  const readable = snapshotId.toLowerCase().replace(/[^a-z0-9]/g, '_');
  return `restored__${readable}_${fnv1a32(snapshotId).toString(16).padStart(8, '0')}`;
}

/** FNV-1a over UTF-16 code units: a short, stable fingerprint of a string (not for security). */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function singleFileName(snapshotId: string): string {
  return `${snapshotId}.parquet`;
}

export function partFileName(snapshotId: string, index: number): string {
  return `${snapshotId}_part_${index}.parquet`;
}

export function manifestFileName(snapshotId: string): string {
  return `${snapshotId}${MANIFEST_SUFFIX}`;
}

export function intentFileName(snapshotId: string): string {
  return `${snapshotId}${INTENT_SUFFIX}`;
}

export function tempFileName(finalName: string): string {
  return `${finalName}${TEMP_SUFFIX}`;
}

/**
 * Cuts `rowCount` rows into parts of at most `rowsPerPart`. Strictly more rows than the
 * threshold makes parts: exactly 250,000 rows is one file, 250,001 is two (the second
 * holding one row). Zero rows is one empty (but valid) Parquet file.
 */
export function planParts(snapshotId: string, rowCount: number, rowsPerPart: number = DEFAULT_ROWS_PER_PART): PartPlan[] {
  if (!Number.isSafeInteger(rowCount) || rowCount < 0) throw new Error(`Invalid row count: ${rowCount}`);
  if (!Number.isSafeInteger(rowsPerPart) || rowsPerPart < 1) throw new Error(`Invalid rows per part: ${rowsPerPart}`);
  if (rowCount <= rowsPerPart) {
    return [{ index: 0, name: singleFileName(snapshotId), firstRow: 0, endRow: rowCount }];
  }
  const parts: PartPlan[] = [];
  for (let index = 0, firstRow = 0; firstRow < rowCount; index++, firstRow += rowsPerPart) {
    parts.push({ index, name: partFileName(snapshotId, index), firstRow, endRow: Math.min(firstRow + rowsPerPart, rowCount) });
  }
  return parts;
}

/** What a file name in `snapshots/` says about itself. */
export type SnapshotFileRole =
  | { kind: 'single'; snapshotId: string }
  | { kind: 'part'; snapshotId: string; index: number }
  | { kind: 'manifest'; snapshotId: string }
  | { kind: 'intent'; snapshotId: string }
  | { kind: 'temp'; finalName: string; snapshotId: string | undefined }
  | { kind: 'other' };

const PART_NAME = /^(.+)_part_(\d+)\.parquet$/;

/** Parses a file name of the snapshot layout. Pure: used by the exporter and the panel. */
export function parseSnapshotFileName(name: string): SnapshotFileRole {
  if (name.endsWith(TEMP_SUFFIX)) {
    const finalName = name.slice(0, -TEMP_SUFFIX.length);
    const inner = parseSnapshotFileName(finalName);
    return { kind: 'temp', finalName, snapshotId: 'snapshotId' in inner ? inner.snapshotId : undefined };
  }
  const part = PART_NAME.exec(name);
  if (part) return { kind: 'part', snapshotId: part[1], index: Number(part[2]) };
  if (name.endsWith(MANIFEST_SUFFIX)) return { kind: 'manifest', snapshotId: name.slice(0, -MANIFEST_SUFFIX.length) };
  if (name.endsWith(INTENT_SUFFIX)) return { kind: 'intent', snapshotId: name.slice(0, -INTENT_SUFFIX.length) };
  if (name.endsWith('.parquet')) return { kind: 'single', snapshotId: name.slice(0, -'.parquet'.length) };
  return { kind: 'other' };
}

/** True when `name` is one of the files (final or temporary) that snapshot `snapshotId` may own. */
export function belongsToSnapshot(name: string, snapshotId: string): boolean {
  const role = parseSnapshotFileName(name);
  return role.kind !== 'other' && role.snapshotId === snapshotId;
}

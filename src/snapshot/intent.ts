/**
 * `<id>.intent.json`: what a piece of snapshot work is about to do, written before it
 * touches any other file and removed after it finished. An interrupted export is undone
 * and an interrupted deletion is finished from this record alone: only files it names,
 * never files that merely look like they belong to the snapshot (a part the user copied
 * to `my-backup-copy.parquet`, a snapshot whose manifest got damaged). A name is not
 * enough either: between the interruption and the sweep, an app may have written a file
 * of its own under one of those names. So the record also says how to recognise the very
 * files the work meant: an export's parts carry its `exportId` in their footer; a
 * deletion lists each file's size and modification time. Pure.
 */
import { belongsToSnapshot, isValidSnapshotId } from './names';

/** The Parquet footer key (key-value metadata) under which an export's parts carry its `exportId`. */
export const EXPORT_ID_KEY = 'opfs-snapshot-inspector.export-id';

/** What a file was when a deletion began: it goes only while it still is. */
export interface FileStamp {
  size: number;
  lastModified: number;
}

interface IntentBase {
  /** 2; a record of format 1 (before the proofs below) is read with them missing. */
  formatVersion: 1 | 2;
  snapshotId: string;
  /** File names in the snapshot's folder (final and temporary), in the order of the work. */
  files: string[];
  startedAt: string;
}

/** These files are being created; a part under its final name is this export's only if its footer carries `exportId`. */
export interface ExportIntent extends IntentBase {
  kind: 'export';
  /** Null in a format-1 record: its parts carry nothing, and none of them is taken for the export's. */
  exportId: string | null;
}

/** These files are being removed, each only while it is still as `stamps` says (format 1: none is). */
export interface DeleteIntent extends IntentBase {
  kind: 'delete';
  stamps: Record<string, FileStamp>;
}

export type SnapshotIntent = ExportIntent | DeleteIntent;

export class InvalidIntentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIntentError';
  }
}

export function serializeIntent(intent: SnapshotIntent): string {
  return `${JSON.stringify(intent)}\n`;
}

/** Parses an intent; throws {@link InvalidIntentError} unless every field is as written by us. */
export function parseIntent(text: string, snapshotId: string): SnapshotIntent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidIntentError('The intent record is not valid JSON.');
  }
  const v = value as Partial<ExportIntent> & Partial<DeleteIntent> | null;
  if (typeof v !== 'object' || v === null || (v.formatVersion !== 1 && v.formatVersion !== 2)) throw new InvalidIntentError('The intent record has an unknown format.');
  if (v.kind !== 'export' && v.kind !== 'delete') throw new InvalidIntentError('The intent record has an unknown kind.');
  if (typeof v.snapshotId !== 'string' || !isValidSnapshotId(v.snapshotId) || v.snapshotId !== snapshotId) {
    throw new InvalidIntentError(`The intent record is not about snapshot "${snapshotId}".`);
  }
  if (!Array.isArray(v.files) || v.files.length > 1_000_000) throw new InvalidIntentError('The intent record has no list of files.');
  for (const name of v.files) {
    // Only names of this snapshot's own layout, in its folder: an intent cannot point elsewhere.
    if (typeof name !== 'string' || name.includes('/') || !belongsToSnapshot(name, snapshotId)) {
      throw new InvalidIntentError(`The intent record names a file that is not one of snapshot "${snapshotId}"'s.`);
    }
  }
  if (typeof v.startedAt !== 'string' || Number.isNaN(Date.parse(v.startedAt))) throw new InvalidIntentError('The intent record has no start time.');
  const base = { formatVersion: v.formatVersion, snapshotId, files: v.files, startedAt: v.startedAt };
  if (v.formatVersion === 1) return v.kind === 'export' ? { ...base, kind: 'export', exportId: null } : { ...base, kind: 'delete', stamps: {} };
  if (v.kind === 'export') {
    if (typeof v.exportId !== 'string' || v.exportId.length === 0) throw new InvalidIntentError('The intent record has no export id.');
    return { ...base, kind: 'export', exportId: v.exportId };
  }
  const stamps = v.stamps;
  const files = new Set(v.files);
  if (typeof stamps !== 'object' || stamps === null || Array.isArray(stamps)) throw new InvalidIntentError('The intent record has no file stamps.');
  for (const [name, stamp] of Object.entries(stamps)) {
    const s = stamp as Partial<FileStamp> | null;
    if (!files.has(name) || typeof s !== 'object' || s === null || !Number.isSafeInteger(s.size) || typeof s.lastModified !== 'number') {
      throw new InvalidIntentError(`The intent record's stamp of "${name}" is not one it can have.`);
    }
  }
  return { ...base, kind: 'delete', stamps };
}

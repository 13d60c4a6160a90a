/**
 * `<id>.intent.json`: what a piece of snapshot work is about to do, written before it
 * touches any other file and removed after it finished. An interrupted export is undone
 * and an interrupted deletion is finished from this record alone: only files it names,
 * never files that merely look like they belong to the snapshot (a part the user copied
 * to `my-backup-copy.parquet`, a snapshot whose manifest got damaged). Pure.
 */
import { belongsToSnapshot, isValidSnapshotId } from './names';

export interface SnapshotIntent {
  formatVersion: 1;
  /** `export`: these files are being created; `delete`: these files are being removed. */
  kind: 'export' | 'delete';
  snapshotId: string;
  /** File names in the snapshot's folder (final and temporary), in the order of the work. */
  files: string[];
  startedAt: string;
}

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
  const v = value as Partial<SnapshotIntent> | null;
  if (typeof v !== 'object' || v === null || v.formatVersion !== 1) throw new InvalidIntentError('The intent record has an unknown format.');
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
  return v as SnapshotIntent;
}

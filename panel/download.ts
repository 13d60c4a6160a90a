/** Downloads: one file, or a whole snapshot (its parts and manifest) as one .tar. */
import type { SnapshotGroup } from '../src/opfs/classify';
import { tarBlob } from './tar';
import type { OpfsSource } from './sources';
import { MAX_READ_BYTES } from './page-expressions';

/** A file of either source, read in ranges of at most {@link MAX_READ_BYTES}. */
async function readFile(source: OpfsSource, path: string, size: number): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let start = 0; start < size; start += MAX_READ_BYTES) parts.push((await source.read(path, start, Math.min(size, start + MAX_READ_BYTES))).bytes);
  return new Blob(parts);
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.click();
  // The download has its own reference once started; release ours later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function downloadFile(source: OpfsSource, file: { path: string; name: string; size: number }): Promise<void> {
  save(await readFile(source, file.path, file.size), file.name);
}

export async function downloadSnapshot(source: OpfsSource, group: SnapshotGroup): Promise<void> {
  const files = [...group.parts, ...(group.manifest ? [group.manifest] : [])];
  const entries = [];
  for (const file of files) entries.push({ name: file.name, data: await readFile(source, file.path, file.size), modified: new Date(file.lastModified || Date.now()) });
  save(tarBlob(entries), `${group.id}.tar`);
}

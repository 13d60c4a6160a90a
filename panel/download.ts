/** Downloads: one file, or a whole snapshot (its parts and manifest) as one .tar. */
import { getFileByPath, opfsRoot } from '../src/opfs/fs';
import { pagePollExpression } from '../src/opfs/page-scan';
import { pageReadExpression, parseReadPoll } from '../src/opfs/page-read';
import type { SnapshotGroup } from '../src/opfs/classify';
import { tarBlob } from '../src/tar';
import { runPageTask } from './inspected-window';
import type { SourceKind } from './sources';

let reads = 0;

async function readFile(source: SourceKind, path: string): Promise<Blob> {
  if (source === 'extension') return (await getFileByPath(await opfsRoot(), path)).getFile();
  const id = `read${Date.now().toString(36)}${(reads += 1)}`;
  return new Blob([await runPageTask(pageReadExpression(id, path), () => pagePollExpression(id), parseReadPoll)]);
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

export async function downloadFile(source: SourceKind, path: string, name: string): Promise<void> {
  save(await readFile(source, path), name);
}

export async function downloadSnapshot(source: SourceKind, group: SnapshotGroup): Promise<void> {
  const files = [...group.parts, ...(group.manifest ? [group.manifest] : [])];
  const entries = [];
  for (const file of files) entries.push({ name: file.name, data: await readFile(source, file.path), modified: new Date(file.lastModified || Date.now()) });
  save(tarBlob(entries), `${group.id}.tar`);
}

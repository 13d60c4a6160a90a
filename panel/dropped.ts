/**
 * What was dropped on the panel, as files with their paths: a dropped folder brings every
 * file in it, with its place in the tree (`photos/2024/a.jpg`). The entries must be taken
 * during the drop event (the browser empties the transfer after it); reading them may wait.
 */
import type { UploadItem } from './controller';

export function droppedEntries(transfer: DataTransfer): FileSystemEntry[] {
  return Array.from(transfer.items)
    .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null))
    .filter((entry): entry is FileSystemEntry => entry !== null);
}

export async function droppedFiles(entries: readonly FileSystemEntry[]): Promise<UploadItem[]> {
  const out: UploadItem[] = [];
  const visit = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, path });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in batches (100 in Chrome) until an empty one.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await visit(child, path);
      }
    }
  };
  for (const entry of entries) await visit(entry, '');
  return out;
}

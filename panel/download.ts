/** "Download": hands a file of either source to the browser's download machinery. */
import { getFileByPath, opfsRoot } from '../src/opfs/fs';
import { pagePollExpression } from '../src/opfs/page-scan';
import { pageReadExpression, parseReadPoll } from '../src/opfs/page-read';
import { runPageTask } from './inspected-window';
import type { SourceKind } from './sources';

export async function downloadFile(source: SourceKind, path: string, name: string): Promise<void> {
  let blob: Blob;
  if (source === 'extension') {
    blob = await (await getFileByPath(await opfsRoot(), path)).getFile();
  } else {
    const id = `read${Date.now().toString(36)}`;
    blob = new Blob([await runPageTask(pageReadExpression(id, path), pagePollExpression(id), parseReadPoll, { timeoutMs: 120_000 })]);
  }
  const url = URL.createObjectURL(blob);
  try {
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = name;
    anchor.click();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

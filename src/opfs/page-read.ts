/**
 * Reading one file (or a byte range of it) of the inspected page's OPFS, for downloads
 * and row previews: a page task (see page-scan.ts) that answers with the bytes as
 * base64, validated on return.
 */
import { PAGE_GLOBAL, runPageTask, type PageTaskState } from './page-scan';

/** Downloads through `inspectedWindow.eval` travel as JSON text: keep them reasonable. */
export const MAX_PAGE_DOWNLOAD_BYTES = 256 * 1024 * 1024;

/**
 * Reads bytes `start` to `end` (exclusive; `null` for the end of the file) of the file at
 * `path` and resolves with `{ size, base64 }`, `size` being the length of that range.
 * Self-contained: sent to the inspected page as source text.
 */
export async function readOpfsFileAsBase64(
  root: FileSystemDirectoryHandle,
  path: string,
  start: number,
  end: number | null,
  maxBytes: number,
): Promise<{ size: number; base64: string }> {
  const segments = path.split('/');
  let dir = root;
  for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder);
  const file = await (await dir.getFileHandle(segments[segments.length - 1] ?? '')).getFile();
  const range = file.slice(start, end === null ? file.size : end);
  if (range.size > maxBytes) throw new Error(`the file has ${range.size} bytes, more than the ${maxBytes} a transfer through DevTools can carry`);
  const bytes = new Uint8Array(await range.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
  return { size: bytes.length, base64: btoa(binary) };
}

/**
 * An expression for `inspectedWindow.eval` that starts reading `path` (or the byte range
 * `start`..`end` of it) and returns 'started'.
 */
export function pageReadExpression(requestId: string, path: string, range: { start: number; end: number | null } = { start: 0, end: null }): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(requestId)) throw new Error(`Invalid request id "${requestId}".`);
  if (!Number.isSafeInteger(range.start) || range.start < 0 || (range.end !== null && (!Number.isSafeInteger(range.end) || range.end < range.start))) {
    throw new Error(`Invalid byte range ${range.start}..${range.end}.`);
  }
  return `(${runPageTask.toString()})(${JSON.stringify(PAGE_GLOBAL)}, ${JSON.stringify(requestId)}, function (root) {
  return (${readOpfsFileAsBase64.toString()})(root, ${JSON.stringify(path)}, ${range.start}, ${JSON.stringify(range.end)}, ${MAX_PAGE_DOWNLOAD_BYTES});
})`;
}

/** Validates a poll of a read task; a done read becomes the file's bytes. */
export function parseReadPoll(value: unknown): PageTaskState<Uint8Array<ArrayBuffer>> {
  if (value === null || value === undefined) return { state: 'missing' };
  if (typeof value !== 'object') throw new Error('The inspected page answered a download with something unexpected.');
  const v = value as { state?: unknown; filesSeen?: unknown; error?: unknown; result?: { size?: unknown; base64?: unknown } };
  if (v.state === 'running') return { state: 'running', filesSeen: 0, entries: [] };
  if (v.state === 'failed') return { state: 'failed', error: String(v.error).slice(0, 500) };
  if (v.state !== 'done' || typeof v.result?.base64 !== 'string' || typeof v.result.size !== 'number') {
    throw new Error('The inspected page answered a download with something unexpected.');
  }
  const binary = atob(v.result.base64);
  if (binary.length !== v.result.size) throw new Error('The inspected page sent a different number of bytes than the file has.');
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { state: 'done', result: bytes };
}

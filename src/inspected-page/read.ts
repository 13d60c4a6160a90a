/**
 * Reads bytes `start` to `end` (exclusive) of the file at `path` and answers them as
 * base64 with the file's size and time (so the panel notices a file that changed between
 * two ranges). At most `maxBytes` per read: a large file travels as many small reads.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function readOpfsRange(
  root: FileSystemDirectoryHandle,
  path: string,
  start: number,
  end: number,
  maxBytes: number,
): Promise<{ base64: string; size: number; lastModified: number }> {
  const segments = path.split('/');
  let dir = root;
  for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder);
  const file = await (await dir.getFileHandle(segments[segments.length - 1] ?? '')).getFile();
  const last = Math.min(end, file.size);
  if (last - start > maxBytes) throw new RangeError(`asked for ${last - start} bytes at once, more than the ${maxBytes} one read carries`);
  const bytes = new Uint8Array(await file.slice(start, Math.max(start, last)).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
  return { base64: btoa(binary), size: file.size, lastModified: file.lastModified };
}

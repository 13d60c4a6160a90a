import type { CheckEntry, CheckOptions, CheckRequest } from '../opfs/scan-types';

/**
 * Reads what the verdict of one file needs from `file` (a `getFile()` answer whose size and
 * time are the listed ones): the first and last bytes and the footer of a Parquet file,
 * from one read of its last 64 KiB (which nearly always holds the whole footer: reads, not
 * bytes, are what checking thousands of files waits on), or the text of a small manifest.
 * A file whose bytes cannot be read (it changed since `getFile()`, or the page's
 * `File.slice` failed or lied) is reported with why.
 *
 * Self-contained: sent to the inspected page as source text (the walk and the check both call it).
 */
export async function readForVerdict(file: File, path: string, read: CheckRequest['read'], footerBytesLimit: number): Promise<CheckEntry> {
  const footerLimit = Math.max(0, Math.floor(footerBytesLimit));
  const size = file.size;
  const describe = (error: unknown): string => {
    let text: string;
    try {
      text =
        typeof error === 'object' && error !== null && 'message' in error
          ? `${String((error as { name?: unknown }).name ?? 'Error')}: ${String((error as { message?: unknown }).message)}`
          : String(error);
    } catch (describing) {
      text = `an unprintable ${typeof error} (${typeof describing} thrown while printing it)`;
    }
    return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
  };
  const toBase64 = (bytes: Uint8Array): string => {
    let text = '';
    // Chunked: String.fromCharCode with a large spread overflows the argument limit.
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
    return btoa(text);
  };
  /**
   * Exactly `end - start` bytes of `file`, or an error saying what came back instead. The whole
   * file is read without `slice`: Chrome registers every slice with the browser process by a
   * synchronous call, which a busy browser answers late (profiled while checking 7,500 files:
   * 3.9 s of the page's 14 s on its thread were in `slice`).
   */
  const readRange = async (start: number, end: number): Promise<Uint8Array> => {
    const bytes = new Uint8Array(await (start === 0 && end === size ? file : file.slice(start, end)).arrayBuffer());
    if (bytes.length !== end - start) throw new RangeError(`asked for ${end - start} bytes, got ${bytes.length}`);
    return bytes;
  };
  try {
    if (read === 'text') return ['t', path, await file.text()];
    if (read === 'head') {
      // What tells a format (src/opfs/formats.ts): 128 bytes; 524 when the file may be a sqlite-wasm
      // opfs-sahpool slot (its first byte is '/' or 0), then its contents' header at 4096; DuckDB's
      // two database headers at 4096 and 8192. Literal sizes: this function is sent as source text.
      const head = await readRange(0, Math.min(size, 524));
      const duck = head.length >= 12 && head[8] === 0x44 && head[9] === 0x55 && head[10] === 0x43 && head[11] === 0x4b;
      const slot = head.length === 524 && (head[0] === 0x2f || head[0] === 0) && !duck;
      const at = (offset: number): Promise<string | null> => (size > offset && (duck || (slot && offset === 4096)) ? readRange(offset, Math.min(size, offset + 100)).then(toBase64) : Promise.resolve(null));
      const [at4096, at8192] = await Promise.all([at(4096), at(8192)]);
      return ['h', path, toBase64(slot ? head : head.subarray(0, Math.min(head.length, 128))), at4096, at8192];
    }
    const windowStart = Math.max(0, size - 64 * 1024);
    const [window, opening] = await Promise.all([readRange(windowStart, size), windowStart === 0 ? Promise.resolve(undefined) : readRange(0, Math.min(4, size))]);
    const head = opening ?? window.subarray(0, Math.min(4, size));
    const tail = window.subarray(Math.max(0, window.length - 8));
    let footer: string | null = null;
    let skipped: 'too-large' | null = null;
    const closingMagic = tail.length === 8 && tail[4] === 0x50 && tail[5] === 0x41 && tail[6] === 0x52 && tail[7] === 0x31;
    if (closingMagic && size >= 12) {
      const footerLength = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
      if (footerLength > 0 && footerLength <= size - 12) {
        const wanted = footerLength + 8;
        if (wanted > footerLimit) skipped = 'too-large';
        else footer = toBase64(wanted <= window.length ? window.subarray(window.length - wanted) : await readRange(size - wanted, size));
      }
    }
    return ['p', path, toBase64(head), toBase64(tail), footer, skipped];
  } catch (error) {
    return ['x', path, describe(error)];
  }
}

/**
 * Reads what a verdict needs (see {@link readForVerdict}, passed in as `read`: this
 * function is sent as source text on its own) from each requested file, with bounded
 * concurrency, and emits one entry per file. A file whose size or time is no longer the
 * listed one is not read: it is reported as changed, for the panel to list anew.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function checkOpfsFiles(
  root: FileSystemDirectoryHandle,
  requests: readonly CheckRequest[],
  options: CheckOptions,
  read: typeof readForVerdict,
  emit: (filesChecked: number, entry: CheckEntry) => void,
  /** Turns false when nobody wants the check any more (the panel released it): it stops after the reads in flight. */
  wanted: () => boolean = () => true,
): Promise<{ checked: number }> {
  // Literal defaults: this function is sent as source text.
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 128));
  let next = 0;
  let checked = 0;
  const folders = new Map<string, Promise<FileSystemDirectoryHandle>>();
  const folderAt = (segments: string[]): Promise<FileSystemDirectoryHandle> => {
    const key = segments.join('/');
    let folder = folders.get(key);
    if (!folder) {
      folder = segments.length === 0 ? Promise.resolve(root) : folderAt(segments.slice(0, -1)).then((parent) => parent.getDirectoryHandle(segments[segments.length - 1]));
      folder.catch(() => folders.delete(key));
      folders.set(key, folder);
    }
    return folder;
  };
  const describe = (error: unknown): string => {
    let text: string;
    try {
      text =
        typeof error === 'object' && error !== null && 'message' in error
          ? `${String((error as { name?: unknown }).name ?? 'Error')}: ${String((error as { message?: unknown }).message)}`
          : String(error);
    } catch (describing) {
      text = `an unprintable ${typeof error} (${typeof describing} thrown while printing it)`;
    }
    return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
  };

  const checkOne = async (request: CheckRequest): Promise<CheckEntry> => {
    const path = String(request.path);
    const segments = path.split('/');
    const name = segments.pop() ?? '';
    let file: File;
    try {
      file = await (await (await folderAt(segments)).getFileHandle(name)).getFile();
    } catch (error) {
      return ['x', path, describe(error)];
    }
    const size: unknown = file.size;
    const modified: unknown = file.lastModified;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return ['x', path, 'getFile() answered a size that is not a byte count'];
    const time = typeof modified === 'number' && Number.isFinite(modified) ? modified : 0;
    if (size !== request.size || time !== request.lastModified) return ['c', path, size, time];
    return read(file, path, request.read === 'text' || request.read === 'head' ? request.read : 'parquet', options.footerBytesLimit);
  };

  const worker = async (): Promise<void> => {
    while (next < requests.length && wanted()) {
      const request = requests[next++];
      const entry = await checkOne(request);
      checked++;
      emit(checked, entry);
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(concurrency, requests.length); i++) workers.push(worker());
  await Promise.all(workers);
  return { checked };
}

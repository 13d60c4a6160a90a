/**
 * Text encodings of CSV files. DuckDB reads UTF-8 only; spreadsheet programs (Excel's
 * "Unicode text", PowerShell's Out-File) write UTF-16, whose every other byte is NUL for
 * Latin text. Such a file is recognised (by its byte order mark, or by where its NUL bytes
 * fall) and copied as UTF-8 before the import, as a stream.
 */
import type { CsvEncoding } from '../protocol';

/** The encoding of text that starts with `head` (a few KiB are plenty). */
export function detectEncoding(head: Uint8Array): CsvEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  // Without a byte order mark: ASCII-range text in UTF-16 has a NUL in every other byte.
  const pairs = Math.floor(Math.min(head.length, 4096) / 2);
  if (pairs < 4) return 'utf-8';
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenNul++;
    if (head[2 * i + 1] === 0) oddNul++;
  }
  if (oddNul > pairs * 0.6 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.6 && oddNul < pairs * 0.05) return 'utf-16be';
  return 'utf-8';
}

/** Copies `file` (in `encoding`) as UTF-8 into `dir/name`, as a stream; the byte order mark is dropped. */
export async function transcodeToUtf8(file: Blob, encoding: Exclude<CsvEncoding, 'utf-8'>, dir: FileSystemDirectoryHandle, name: string): Promise<FileSystemFileHandle> {
  const handle = await dir.getFileHandle(name, { create: true });
  // pipeTo closes the writable on success and aborts it on failure.
  await file
    .stream()
    .pipeThrough(new TextDecoderStream(encoding, { fatal: true }))
    .pipeThrough(new TextEncoderStream())
    .pipeTo(await handle.createWritable());
  return handle;
}

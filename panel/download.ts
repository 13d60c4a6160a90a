/**
 * Downloads: one file as itself; several files, a folder or a snapshot as one `.zip`. Every
 * file travels by ranged reads (at most {@link MAX_READ_BYTES} each) and each range becomes
 * a Blob at once, so the panel's heap holds one range at a time whatever the size: the
 * browser keeps Blob data outside it (and on disk when large). The archive is written as a
 * stream by fflate, entries stored uncompressed: Parquet is compressed already, and storing
 * costs no CPU.
 */
import { Zip, ZipPassThrough } from 'fflate';
import type { OpfsSource } from './sources';
import { MAX_READ_BYTES } from './page-expressions';

export interface DownloadFile {
  path: string;
  size: number;
  lastModified: number;
}

/** The largest file a zip without ZIP64 records holds (fflate writes none). */
const ZIP_MAX_BYTES = 0xffffffff;
/** Reads of one file asked for before the first has answered. */
const READS_IN_FLIGHT = 4;
/** 1980-01-01 (UTC): the earliest time a zip entry records. */
const DOS_EPOCH = Date.UTC(1980, 0, 2);

/**
 * Reads `file` range by range, handing each range over. A file that changes while it is
 * read (its size or time is not what the first range saw) stops the download: half of an
 * old file and half of a new one is no copy of either.
 */
async function readRanges(source: OpfsSource, file: DownloadFile, onRange: (bytes: Uint8Array<ArrayBuffer>) => void): Promise<void> {
  const starts: number[] = [];
  for (let start = 0; start < file.size || starts.length === 0; start += MAX_READ_BYTES) starts.push(start);
  // A few reads in flight: each is a round trip through DevTools, which one at a time leaves idle.
  // Only those: a read handed over is dropped from the queue, or every range read would stay in memory.
  const inFlight: Promise<{ bytes: Uint8Array<ArrayBuffer>; size: number; lastModified: number }>[] = [];
  let asked = 0;
  const ask = () => {
    if (asked < starts.length) inFlight.push(source.read(file.path, starts[asked], Math.min(file.size, starts[asked] + MAX_READ_BYTES)));
    asked++;
  };
  for (let i = 0; i < READS_IN_FLIGHT; i++) ask();
  let seen: number | null = null;
  try {
    for (let i = 0; i < starts.length; i++) {
      let range: Awaited<(typeof inFlight)[number]>;
      try {
        range = await inFlight.shift()!;
      } catch (error) {
        throw await explainFailedRead(source, file, error);
      }
      ask();
      if (range.size !== file.size || (seen !== null && seen !== range.lastModified)) throw changedWhileRead(file, range.size);
      seen = range.lastModified;
      onRange(range.bytes);
    }
  } finally {
    // Reads still in flight after a failure are not waited for; their rejections are not news.
    for (const read of inFlight) read.catch(() => undefined);
  }
}

function changedWhileRead(file: DownloadFile, sizeNow: number): Error {
  return new Error(`${file.path} changed while it was read (it was ${file.size.toLocaleString('en-US')} bytes, now ${sizeNow.toLocaleString('en-US')}): refresh and download again.`);
}

function removedWhileRead(file: DownloadFile): Error {
  return new Error(`${file.path} was removed while it was read: refresh the list.`);
}

/**
 * The errors Chrome gives a range read of a File whose file was written after `getFile()`
 * answered: NotReadableError for a write in place; NotFoundError when a writable's swap file
 * replaced the file (`createWritable()` then `close()`) or the file was removed.
 */
const STALE_READ = /\b(NotReadableError|NotFoundError)\b/;

/**
 * A range read refused as stale: the file is looked at anew, and a change since it was listed
 * is told as the change it is. Any other failure, or a file that did not change, keeps its own
 * error.
 */
async function explainFailedRead(source: OpfsSource, file: DownloadFile, error: unknown): Promise<unknown> {
  if (!STALE_READ.test(String(error instanceof Error ? error.message : error))) return error;
  try {
    const now = await source.read(file.path, 0, 0);
    if (now.size !== file.size || now.lastModified !== file.lastModified) return changedWhileRead(file, now.size);
  } catch (again) {
    if (/\bNotFoundError\b/.test(String(again instanceof Error ? again.message : again))) return removedWhileRead(file);
    // the file cannot be looked at either: the first error says more
  }
  return error;
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.click();
  // The download has its own reference once started; release ours later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Reads one file whole by ranges, as a Blob (held by the browser, not the panel's heap). `onBytes` hears the bytes read so far. */
export async function readAsBlob(source: OpfsSource, file: DownloadFile, onBytes: (bytes: number) => void = () => undefined): Promise<Blob> {
  const parts: Blob[] = [];
  let read = 0;
  await readRanges(source, file, (bytes) => {
    parts.push(new Blob([bytes]));
    onBytes((read += bytes.length));
  });
  return new Blob(parts);
}

/** Saves one file under `name`. `onBytes` hears the bytes read so far. */
export async function downloadFile(source: OpfsSource, file: DownloadFile, name: string, onBytes: (bytes: number) => void = () => undefined): Promise<void> {
  saveBlob(await readAsBlob(source, file, onBytes), name);
}

/**
 * Saves `files` as one zip named `name`, each under the path `entryName` gives it (a
 * folder's files relative to it). `onBytes` hears the bytes read so far.
 */
export async function downloadZip(
  source: OpfsSource,
  files: readonly DownloadFile[],
  name: string,
  entryName: (file: DownloadFile) => string,
  onBytes: (bytes: number) => void = () => undefined,
): Promise<void> {
  const tooLarge = files.find((f) => f.size >= ZIP_MAX_BYTES);
  if (tooLarge) throw new Error(`${tooLarge.path} is 4 GiB or larger, more than a zip holds here: download it on its own.`);
  const parts: Blob[] = [];
  // Set by fflate's callback, which TypeScript cannot see run.
  const state: { failure: Error | null; finished: boolean } = { failure: null, finished: false };
  const zip = new Zip((error, chunk, final) => {
    if (error) state.failure = error;
    else parts.push(new Blob([chunk]));
    if (final) state.finished = true;
  });
  let read = 0;
  for (const file of files) {
    const entry = new ZipPassThrough(entryName(file));
    // A zip cannot hold a time before 1980 (DOS time): such a file keeps the time of the download.
    if (file.lastModified >= DOS_EPOCH) entry.mtime = file.lastModified;
    zip.add(entry);
    let pushed = 0;
    await readRanges(source, file, (bytes) => {
      pushed += bytes.length;
      entry.push(bytes, pushed >= file.size);
      onBytes((read += bytes.length));
    });
    if (state.failure) throw state.failure;
  }
  zip.end();
  if (state.failure) throw state.failure;
  if (!state.finished) throw new Error('the zip archive did not finish');
  saveBlob(new Blob(parts, { type: 'application/zip' }), name);
}

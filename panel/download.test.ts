import { describe, expect, test } from 'vitest';
import { downloadFile, type DownloadFile } from './download';
import { MAX_READ_BYTES } from './page-expressions';
import type { OpfsSource } from './sources';

/** What the file is once the read failed: another size or time, as listed, or gone. */
type After = { size: number; lastModified: number } | 'removed';

/** A source whose file is `size` bytes; the read of range `failAt` (counted from 0) fails with `error`; after it, the file is `after`. */
function source(file: DownloadFile, failAt: number, error: Error, after: After): OpfsSource {
  let reads = 0;
  let failed = false;
  const read = async (_path: string, start: number, end: number) => {
    if (start === 0 && end === 0 && failed) {
      if (after === 'removed') throw new Error("Reading the page's Origin Private File System failed: NotFoundError: A requested file or directory could not be found");
      return { bytes: new Uint8Array(0), ...after };
    }
    if (reads++ === failAt) {
      failed = true;
      throw error;
    }
    return { bytes: new Uint8Array(end - start), size: file.size, lastModified: file.lastModified };
  };
  return { read } as unknown as OpfsSource;
}

const failure = (name: string, words: string) => new Error(`Reading the page's Origin Private File System failed: ${name}: ${words}`);
/** What Chrome says when a File's file changed under it: written in place, or replaced by a writable's swap file. */
const stale = [
  failure('NotReadableError', 'The requested file could not be read, typically due to permission problems that have occurred after a reference to a file was acquired.'),
  failure('NotFoundError', 'A requested file or directory could not be found at the time an operation was processed.'),
];
const file: DownloadFile = { path: 'big.bin', size: 3 * MAX_READ_BYTES + 5, lastModified: 1_700_000_000_000 };
const count = (n: number) => n.toLocaleString('en-US');

// Every range position and both errors, so that the explanation depends on neither.
const cases = stale.flatMap((error) => [0, 1, 2, 3].map((failAt) => ({ error, failAt, name: /failed: (\w+)/.exec(error.message)![1] })));

describe('a download whose read is refused as stale', () => {
  test.each(cases)('$name at range $failAt, the file grown meanwhile: told as changed while it was read', async ({ error, failAt }) => {
    const grown = { size: file.size + 3, lastModified: file.lastModified + 5 };
    await expect(downloadFile(source(file, failAt, error, grown), file, 'big.bin')).rejects.toThrow(
      `big.bin changed while it was read (it was ${count(file.size)} bytes, now ${count(grown.size)}): refresh and download again.`,
    );
  });

  test.each(cases)('$name at range $failAt, the file shrunk to nothing: changed too', async ({ error, failAt }) => {
    await expect(downloadFile(source(file, failAt, error, { size: 0, lastModified: file.lastModified + 1 }), file, 'big.bin')).rejects.toThrow(
      `big.bin changed while it was read (it was ${count(file.size)} bytes, now 0): refresh and download again.`,
    );
  });

  test.each(cases)('$name at range $failAt, the file rewritten to the same size: changed too (its time moved)', async ({ error, failAt }) => {
    await expect(downloadFile(source(file, failAt, error, { size: file.size, lastModified: file.lastModified + 1 }), file, 'big.bin')).rejects.toThrow(/^big\.bin changed while it was read/);
  });

  test.each(cases)('$name at range $failAt, the file gone: told as removed', async ({ error, failAt }) => {
    await expect(downloadFile(source(file, failAt, error, 'removed'), file, 'big.bin')).rejects.toThrow('big.bin was removed while it was read: refresh the list.');
  });

  test.each(cases)('$name at range $failAt while the file is as listed: the original error, not a made-up change', async ({ error, failAt }) => {
    await expect(downloadFile(source(file, failAt, error, { size: file.size, lastModified: file.lastModified }), file, 'big.bin')).rejects.toThrow(error.message);
  });
});

describe('a download whose read fails otherwise', () => {
  test.each(['SecurityError', 'InvalidStateError', 'QuotaExceededError', 'TypeError'])('%s keeps its own words, even if the file changed', async (name) => {
    const error = failure(name, 'something else went wrong');
    await expect(downloadFile(source(file, 1, error, { size: 0, lastModified: 0 }), file, 'big.bin')).rejects.toThrow(error.message);
  });
});

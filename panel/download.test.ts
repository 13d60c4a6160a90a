import { describe, expect, test } from 'vitest';
import { downloadFile, type DownloadFile } from './download';
import { MAX_READ_BYTES } from './page-expressions';
import type { OpfsSource } from './sources';

/** A source whose file is `size` bytes; the read of range `failAt` (counted from 0) fails with `error`; after it, the file is `after`. */
function source(file: DownloadFile, failAt: number, error: Error, after: { size: number; lastModified: number }): OpfsSource {
  let reads = 0;
  let failed = false;
  const read = async (_path: string, start: number, end: number) => {
    if (start === 0 && end === 0 && failed) return { bytes: new Uint8Array(0), ...after };
    if (reads++ === failAt) {
      failed = true;
      throw error;
    }
    return { bytes: new Uint8Array(end - start), size: file.size, lastModified: file.lastModified };
  };
  return { read } as unknown as OpfsSource;
}

const notReadable = new Error("Reading the page's Origin Private File System failed: NotReadableError: The requested file could not be read");
const file: DownloadFile = { path: 'big.bin', size: 3 * MAX_READ_BYTES + 5, lastModified: 1_700_000_000_000 };

describe('a download whose read is refused', () => {
  // Every range position, so that the explanation does not depend on which read Chrome refused.
  test.each([0, 1, 2, 3])('range %i refused as not readable, the file grown meanwhile: told as changed while it was read', async (failAt) => {
    const grown = { size: file.size + 3, lastModified: file.lastModified + 5 };
    await expect(downloadFile(source(file, failAt, notReadable, grown), file, 'big.bin')).rejects.toThrow(
      `big.bin changed while it was read (it was ${file.size.toLocaleString('en-US')} bytes, now ${grown.size.toLocaleString('en-US')}): refresh and download again.`,
    );
  });

  test('refused as not readable, the file rewritten to the same size: changed too (its time moved)', async () => {
    await expect(downloadFile(source(file, 1, notReadable, { size: file.size, lastModified: file.lastModified + 1 }), file, 'big.bin')).rejects.toThrow(/changed while it was read/);
  });

  test('refused as not readable while the file is as listed: the original error, not a made-up change', async () => {
    await expect(downloadFile(source(file, 2, notReadable, { size: file.size, lastModified: file.lastModified }), file, 'big.bin')).rejects.toThrow(notReadable.message);
  });

  test('any other failure keeps its own words', async () => {
    const gone = new Error('NotFoundError: A requested file or directory could not be found');
    await expect(downloadFile(source(file, 1, gone, { size: 0, lastModified: 0 }), file, 'big.bin')).rejects.toThrow(gone.message);
  });
});

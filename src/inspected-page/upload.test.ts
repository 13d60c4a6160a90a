/**
 * An upload that replaces a file sets the file there aside, moves the upload under its name,
 * and only then removes the file set aside; if that move fails, the file set aside is put
 * back. Chrome's `move()` replaces a file of the name it moves to, so a file the app wrote
 * under the name in the moment it was free must not be replaced by putting the old one back.
 */
import { describe, expect, test } from 'vitest';
import { FakeOpfs } from '../../tests/support/fake-opfs';
import { beginOpfsUpload, finishOpfsUpload, writeOpfsUpload } from './upload';

const REGISTRY = '__uploadTest';
const uploaded = new Uint8Array(40).fill(5);
const original = new Uint8Array(25).fill(9);

/** What the app does under the name while the file that was there is set aside. */
const APP_WRITES = ['nothing', 'a file', 'an empty file', 'a folder'] as const;
/** How the upload's move under the name fails. */
const REFUSALS = ['NoModificationAllowedError', 'QuotaExceededError', 'InvalidModificationError'];
const FOLDERS = ['', 'a/b c'];

const CASES = FOLDERS.flatMap((folder) => REFUSALS.flatMap((refusal) => APP_WRITES.map((app) => ({ folder, refusal, app }))));

describe('an upload replacing a file, whose move under the name fails', () => {
  test.each(CASES)('in "$folder", refused with $refusal, the app writing $app under the name meanwhile: nothing is overwritten', async ({ folder, refusal, app }) => {
    const id = 'u1';
    const tempName = 'data.bin.u1.upload.tmp';
    const at = (name: string) => (folder ? `${folder}/${name}` : name);
    const fake = new FakeOpfs({
      fileMove: true,
      beforeMove: async (file) => {
        if (file.name !== tempName) return;
        // The name is free now (the file there was set aside): the app writes there, then the move fails.
        if (app === 'a file') await fake.writeFile(at('data.bin'), new Uint8Array([1, 2, 3]));
        if (app === 'an empty file') await fake.writeFile(at('data.bin'));
        if (app === 'a folder') await fake.mkdir(at('data.bin'));
        throw new DOMException('refused (the test)', refusal);
      },
    });
    const there = await fake.writeFile(at('data.bin'), original, { lastModified: 1_700_000_000_000 });
    await beginOpfsUpload(fake.handle, REGISTRY, id, folder, tempName, 60_000);
    writeOpfsUpload(REGISTRY, id, uploaded);

    const result = await finishOpfsUpload(REGISTRY, id, 'data.bin', uploaded.length, { size: there.bytes.length, lastModified: there.lastModified });

    const aside = at(`data.bin.${id}.replaced`);
    expect(fake.contentAt(at(tempName))).toBeNull();
    if (app === 'nothing') {
      // Put back, then replaced by copying the upload's bytes in.
      expect(result).toEqual({ outcome: 'done' });
      expect(fake.contentAt(at('data.bin'))).toEqual([...uploaded]);
      expect(fake.contentAt(aside)).toBeNull();
      return;
    }
    expect(result).toMatchObject({ outcome: 'failed', kept: `data.bin.${id}.replaced` });
    expect(result.error).toBe(`${refusal}: refused (the test); something wrote data.bin anew meanwhile, which was kept, and the file that was there before is kept as data.bin.${id}.replaced: nothing was overwritten`);
    expect(fake.contentAt(at('data.bin'))).toEqual(app === 'a file' ? [1, 2, 3] : app === 'an empty file' ? [] : 'folder');
    expect(fake.contentAt(aside)).toEqual([...original]);
  });
});

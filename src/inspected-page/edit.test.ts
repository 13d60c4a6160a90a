/**
 * Renaming a folder where only files can move (Chrome): the folder is made anew and its
 * files moved into it one by one. A move that fails part way puts back what had moved, and
 * Chrome's `move()` replaces a file of the name it moves to: a file the app wrote meanwhile
 * under an old name must stay, and the moved file with it, in the new folder.
 */
import { describe, expect, test } from 'vitest';
import { FakeOpfs, type FakeFileHandle } from '../../tests/support/fake-opfs';
import { moveOpfsEntry } from './edit';

/** The folder's files, below it, in the order the fake lists them (the order they move in). */
const TREE = ['a.bin', 'b.bin', 'sub/c.bin', 'sub/deep/d.bin', 'sub/deep/e ñ.bin'];
const original = (i: number) => new Uint8Array(10 + i).fill(i + 1);
const appWrote = (i: number) => new Uint8Array(3).fill(200 + i);

/** Every subset of `0 … n-1` but the empty one. */
const subsets = (n: number): number[][] => Array.from({ length: 2 ** n - 1 }, (_, bits) => [...Array(n).keys()].filter((i) => ((bits + 1) >> i) & 1));

/** Each file that fails to move, with each set of the files moved before it that the app writes anew under their old names. */
const CASES = TREE.flatMap((_, failing) => [[] as number[], ...subsets(failing)].map((rewritten) => ({ failing, rewritten })));

function contents(fake: FakeOpfs): Record<string, unknown> {
  return Object.fromEntries(fake.listPaths().filter((p) => !p.endsWith('/')).map((path) => [path, fake.contentAt(path)]));
}

describe('a folder rename that fails part way', () => {
  test.each(CASES)('file $failing held open, the app writing files $rewritten anew meanwhile: nothing it wrote is replaced, nothing is lost', async ({ failing, rewritten }) => {
    let failingHandle: FakeFileHandle | null = null;
    const fake = new FakeOpfs({
      fileMove: true,
      // The moment the held file's move is tried: the app writes its files again where they were.
      beforeMove: async (file) => {
        if (file !== failingHandle) return;
        for (const i of rewritten) await fake.writeFile(`old/${TREE[i]}`, appWrote(i));
      },
    });
    const handles = [];
    for (const [i, path] of TREE.entries()) handles.push(await fake.writeFile(`old/${path}`, original(i)));
    await fake.writeFile('elsewhere/keep.bin', new Uint8Array([9]));
    failingHandle = handles[failing];
    fake.lock(`old/${TREE[failing]}`);

    const result = await moveOpfsEntry(fake.handle, 'old', 'new', null);

    const expected: Record<string, number[]> = { 'elsewhere/keep.bin': [9] };
    for (const [i, path] of TREE.entries()) {
      if (rewritten.includes(i)) {
        expected[`old/${path}`] = [...appWrote(i)];
        expected[`new/${path}`] = [...original(i)];
      } else expected[`old/${path}`] = [...original(i)];
    }
    expect(contents(fake)).toEqual(expected);
    // Folders made for the move go unless a file stayed in them.
    const stayedFolders = new Set(rewritten.flatMap((i) => ['', ...TREE[i].split('/').slice(0, -1)].map((_, depth, parts) => `${['new', ...parts.slice(1, depth + 1)].join('/')}/`)));
    expect(fake.listPaths().filter((p) => p.startsWith('new/') && p.endsWith('/')).sort()).toEqual([...stayedFolders].sort());
    if (rewritten.length === 0) {
      expect(result).toEqual({ outcome: 'locked' });
      expect(fake.exists('new')).toBe(false);
    } else {
      const names = rewritten.map((i) => TREE[i]).join(', ');
      expect(result.outcome).toBe('failed');
      expect(result.error).toBe(
        `a file in it is held open by the page or a worker; everything else went back, but ${rewritten.length === 1 ? '1 file stays' : `${rewritten.length} files stay`} in new (${names}): ` +
          `something wrote a new file under ${rewritten.length === 1 ? 'its old name' : 'each old name'} meanwhile, and none was overwritten`,
      );
    }
  });

  test('moves every file when nothing fails, and removes the old folders', async () => {
    const fake = new FakeOpfs({ fileMove: true });
    for (const [i, path] of TREE.entries()) await fake.writeFile(`old/${path}`, original(i));
    expect(await moveOpfsEntry(fake.handle, 'old', 'new', null)).toEqual({ outcome: 'done', method: 'copy' });
    expect(contents(fake)).toEqual(Object.fromEntries(TREE.map((path, i) => [`new/${path}`, [...original(i)]])));
    expect(fake.exists('old')).toBe(false);
  });
});

import type { EditResult } from '../opfs/scan-types';

/**
 * Renames or moves the file or folder at `from` to `to` (folders and name joined by '/').
 * Never over an existing entry: a name that is taken answers `exists` and changes nothing.
 * A file is moved only while it has `expectedSize` (else `changed`), and one held open
 * answers `locked`. `FileSystemHandle.move()` does it where the browser has it; where it has
 * not (or refuses it for this entry), a file is copied, the copy's size checked, and only
 * then the original removed: a copy that fails is removed, so nothing is lost either way.
 * A folder, where only files can move (Chrome 156), is made anew and its files moved into
 * it one by one (a failure moves them back, but never over a file written under an old
 * name meanwhile: that one stays in the new folder), then the old folders go once empty.
 * The destination folder must exist (New folder makes one). A snapshot's file is not moved
 * while an export holds the snapshot's lock, nor a folder while one holds the lock of a
 * snapshot anywhere inside it (its files would leave the export's folder mid-export).
 * `report` hears how far it is (files moved, or
 * bytes copied), so that a long move is not taken for a stalled one.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function moveOpfsEntry(
  root: FileSystemDirectoryHandle,
  from: string,
  to: string,
  expectedSize: number | null,
  lockTaken = false,
  report: (done: number) => void = () => undefined,
): Promise<EditResult> {
  // A file named as a snapshot's moves only while nobody holds that snapshot's lock (an app's
  // export running with the library holds it, as the purge knows): the lock's name and the
  // name pattern are the purge's (src/inspected-page/purge.ts).
  const snapshotName = /^(?:(.+)_part_\d+\.parquet|(.+)\.parquet|(.+)\.manifest\.json|(.+)\.intent\.json)(?:\.tmp)?$/;
  const locks = typeof navigator === 'object' && navigator !== null ? navigator.locks : undefined;
  const match = lockTaken ? null : snapshotName.exec(String(from).split('/').pop() ?? '');
  if (match && locks && typeof locks.request === 'function') {
    const snapshotId = match[1] ?? match[2] ?? match[3] ?? match[4];
    const lockName = `opfs-snapshot-inspector:snapshot:${String(from).split('/').slice(0, -1).join('/')}/${snapshotId}`;
    return locks.request(lockName, { mode: 'exclusive', ifAvailable: true }, (lock) =>
      lock === null
        ? { outcome: 'failed', error: `snapshot ${snapshotId} is being written right now (its export holds its lock); nothing was changed` }
        : moveOpfsEntry(root, from, to, expectedSize, true, report),
    );
  }
  const errorNameOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '');
  /** A refusal because the entry is held open (an access handle, a writable) or busy. */
  const heldOpen = (error: unknown): boolean => errorNameOf(error) === 'NoModificationAllowedError' || errorNameOf(error) === 'InvalidStateError';
  const messageOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error));
  const split = (path: string): string[] | null => {
    const segments = String(path).split('/');
    return segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0')) ? null : segments;
  };
  const source = split(from);
  const target = split(to);
  if (!source || !target) return { outcome: 'failed', error: 'not a valid path' };
  if (from === to) return { outcome: 'done', method: 'none' };
  if (to.startsWith(`${from}/`)) return { outcome: 'failed', error: 'a folder cannot go inside itself' };
  const folderOf = async (segments: string[]): Promise<FileSystemDirectoryHandle> => {
    let dir = root;
    for (const segment of segments) dir = await dir.getDirectoryHandle(segment);
    return dir;
  };

  let sourceParent: FileSystemDirectoryHandle;
  let handle: FileSystemFileHandle | FileSystemDirectoryHandle;
  const name = source[source.length - 1];
  try {
    sourceParent = await folderOf(source.slice(0, -1));
    try {
      handle = await sourceParent.getFileHandle(name);
    } catch (error) {
      if (errorNameOf(error) !== 'TypeMismatchError') throw error;
      handle = await sourceParent.getDirectoryHandle(name);
    }
  } catch (error) {
    if (errorNameOf(error) === 'NotFoundError') return { outcome: 'missing' };
    return { outcome: 'failed', error: `${errorNameOf(error) || 'Error'}: ${messageOf(error)}` };
  }
  if (handle.kind === 'directory' && locks && typeof locks.query === 'function') {
    // Held or waited for: an exporter writing a snapshot in this folder or below it. What the page's query answers is checked, not trusted.
    const prefix = `opfs-snapshot-inspector:snapshot:${String(from)}/`;
    let names: string[] = [];
    try {
      const state = (await locks.query()) as { held?: unknown; pending?: unknown };
      names = [state.held, state.pending].flatMap((list) => (Array.isArray(list) ? list : [])).map((lock) => String((lock as { name?: unknown } | null)?.name ?? ''));
    } catch {
      // A page whose Web Locks fail: nothing it holds is known here, as with a page without them.
    }
    const inside = names.find((lockName) => lockName.startsWith(prefix));
    if (inside !== undefined) {
      const path = inside.slice(prefix.length);
      return { outcome: 'failed', error: `snapshot ${path.slice(path.lastIndexOf('/') + 1)} inside it${path.includes('/') ? ` (in ${path.slice(0, path.lastIndexOf('/'))})` : ''} is being written right now (its export holds its lock); nothing was changed` };
    }
  }
  const file = handle.kind === 'file' ? await handle.getFile() : null;
  // A file listed with its size: one of another size, or a folder now in its place, is not what was chosen.
  if (expectedSize !== null && (!file || file.size !== expectedSize)) return { outcome: 'changed' };

  let targetParent: FileSystemDirectoryHandle;
  const newName = target[target.length - 1];
  try {
    targetParent = await folderOf(target.slice(0, -1));
  } catch (error) {
    return { outcome: 'failed', error: errorNameOf(error) === 'NotFoundError' ? 'the destination folder does not exist' : `${errorNameOf(error) || 'Error'}: ${messageOf(error)}` };
  }
  // Taken by a file or by a folder: either way, nothing is overwritten.
  for (const lookup of [() => targetParent.getFileHandle(newName), () => targetParent.getDirectoryHandle(newName)]) {
    try {
      await lookup();
      return { outcome: 'exists' };
    } catch (error) {
      if (errorNameOf(error) !== 'NotFoundError' && errorNameOf(error) !== 'TypeMismatchError') return { outcome: 'failed', error: `${errorNameOf(error) || 'Error'}: ${messageOf(error)}` };
    }
  }

  const move = (handle as unknown as { move?: (parent: FileSystemDirectoryHandle, name: string) => Promise<void> }).move;
  let refused = 'this browser has no FileSystemHandle.move()';
  if (typeof move === 'function') {
    try {
      await move.call(handle, targetParent, newName);
      return { outcome: 'done', method: 'move' };
    } catch (error) {
      const errorName = errorNameOf(error);
      if (heldOpen(error)) return { outcome: 'locked' };
      if (errorName === 'NotFoundError') return { outcome: 'missing' };
      refused = `${errorName || 'Error'}: ${messageOf(error)}`;
    }
  }
  if (!file) {
    // A folder where only files can move (Chrome): made anew, each file moved into it, the
    // old folders removed once empty. A step that fails puts back what moved (never over a
    // file written under its old name meanwhile), and removes what was made.
    // Each moved file: its handle, the folder and name it had, and its path below the new folder.
    const moved: [FileSystemFileHandle, FileSystemDirectoryHandle, string, string][] = [];
    const made: [FileSystemDirectoryHandle, string][] = [];
    const emptied: [FileSystemDirectoryHandle, string][] = [];
    const moveFile = (entry: FileSystemFileHandle) => (entry as unknown as { move?: (parent: FileSystemDirectoryHandle, name?: string) => Promise<void> }).move;
    const carry = async (from: FileSystemDirectoryHandle, into: FileSystemDirectoryHandle, below: string): Promise<void> => {
      for await (const [childName, child] of (from as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (child.kind === 'directory') {
          const sub = await into.getDirectoryHandle(childName, { create: true });
          made.push([into, childName]);
          await carry(child as FileSystemDirectoryHandle, sub, `${below}${childName}/`);
          emptied.push([from, childName]);
        } else {
          const fileMove = moveFile(child as FileSystemFileHandle);
          if (typeof fileMove !== 'function') throw new Error(refused);
          await fileMove.call(child, into);
          moved.push([child as FileSystemFileHandle, from, childName, `${below}${childName}`]);
          report(moved.length);
        }
      }
    };
    /** Whether `name` in `dir` holds anything now (a file or a folder); a lookup that fails otherwise counts as taken. */
    const taken = async (dir: FileSystemDirectoryHandle, name: string): Promise<boolean> => {
      try {
        await dir.getFileHandle(name);
        return true;
      } catch (error) {
        return errorNameOf(error) !== 'NotFoundError';
      }
    };
    try {
      const top = await targetParent.getDirectoryHandle(newName, { create: true });
      made.push([targetParent, newName]);
      await carry(handle as FileSystemDirectoryHandle, top, '');
    } catch (error) {
      // Each moved file goes back under its old name, unless something took that name
      // meanwhile (the app wrote its file anew there): move() would replace it, so the moved
      // file stays in the new folder instead, and so does that folder.
      const stayed: string[] = [];
      for (const [entry, from, childName, below] of moved.reverse()) {
        if (await taken(from, childName)) stayed.push(below);
        else await moveFile(entry)!.call(entry, from, childName).catch(() => stayed.push(below));
      }
      for (const [parent, childName] of made.reverse()) await parent.removeEntry(childName).catch(() => undefined);
      const errorName = errorNameOf(error);
      const held = heldOpen(error);
      if (stayed.length === 0) {
        return held ? { outcome: 'locked' } : { outcome: 'failed', error: `the folder could not be moved (${errorName || 'Error'}: ${messageOf(error)}); everything in it is back where it was` };
      }
      const why = held ? 'a file in it is held open by the page or a worker' : `${errorName || 'Error'}: ${messageOf(error)}`;
      const names = stayed.reverse().slice(0, 5).join(', ') + (stayed.length > 5 ? ` and ${stayed.length - 5} more` : '');
      const files = stayed.length === 1 ? '1 file stays' : `${stayed.length} files stay`;
      return { outcome: 'failed', error: `${why}; everything else went back, but ${files} in ${to} (${names}): something wrote a new file under ${stayed.length === 1 ? 'its old name' : 'each old name'} meanwhile, and none was overwritten` };
    }
    // Everything moved: the old folders go, deepest first, each only if empty (one that
    // something was written into meanwhile stays, with that file).
    for (const [parent, childName] of emptied) await parent.removeEntry(childName).catch(() => undefined);
    await sourceParent.removeEntry(name).catch(() => undefined);
    return { outcome: 'done', method: 'copy' };
  }

  // Copy, check, then remove the original.
  let copied = false;
  try {
    const writable = await (await targetParent.getFileHandle(newName, { create: true })).createWritable();
    copied = true;
    let bytes = 0;
    const counted = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        report((bytes += chunk.byteLength));
        controller.enqueue(chunk);
      },
    });
    await file.stream().pipeThrough(counted).pipeTo(writable);
    const copy = await (await targetParent.getFileHandle(newName)).getFile();
    if (copy.size !== file.size) throw new Error(`the copy has ${copy.size} bytes, not ${file.size}`);
  } catch (error) {
    if (copied) await targetParent.removeEntry(newName).catch(() => undefined);
    return { outcome: 'failed', error: `copying failed (${errorNameOf(error) || 'Error'}: ${messageOf(error)}); the original is untouched` };
  }
  try {
    // Written to while it was copied: the copy is not what the file now holds, and the file is kept.
    const now = await (handle as FileSystemFileHandle).getFile();
    if (now.size !== file.size || now.lastModified !== file.lastModified) {
      await targetParent.removeEntry(newName).catch(() => undefined);
      return { outcome: 'changed' };
    }
    await sourceParent.removeEntry(name);
    return { outcome: 'done', method: 'copy' };
  } catch (error) {
    // The original cannot go (held open): the copy goes instead, so there are not two.
    await targetParent.removeEntry(newName).catch(() => undefined);
    const errorName = errorNameOf(error);
    return heldOpen(error) ? { outcome: 'locked' } : { outcome: 'failed', error: `${errorName || 'Error'}: ${messageOf(error)}` };
  }
}

/**
 * Makes the folder `path` inside an existing folder: `exists` when the name is taken (by a
 * folder or a file), `done` when made.
 *
 * Self-contained: sent to the inspected page as source text.
 */
export async function makeOpfsFolder(root: FileSystemDirectoryHandle, path: string): Promise<EditResult> {
  const errorNameOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '');
  const segments = String(path).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) return { outcome: 'failed', error: 'not a valid path' };
  const name = segments.pop() as string;
  let parent = root;
  try {
    for (const segment of segments) parent = await parent.getDirectoryHandle(segment);
  } catch (error) {
    return { outcome: 'failed', error: errorNameOf(error) === 'NotFoundError' ? 'the folder it goes in does not exist' : `${errorNameOf(error) || 'Error'}: could not open the folder it goes in` };
  }
  for (const lookup of [() => parent.getFileHandle(name), () => parent.getDirectoryHandle(name)]) {
    try {
      await lookup();
      return { outcome: 'exists' };
    } catch (error) {
      if (errorNameOf(error) !== 'NotFoundError' && errorNameOf(error) !== 'TypeMismatchError') return { outcome: 'failed', error: `${errorNameOf(error) || 'Error'}: could not look the name up` };
    }
  }
  try {
    await parent.getDirectoryHandle(name, { create: true });
    return { outcome: 'done', method: 'none' };
  } catch (error) {
    return { outcome: 'failed', error: `${errorNameOf(error) || 'Error'}: the folder could not be made` };
  }
}

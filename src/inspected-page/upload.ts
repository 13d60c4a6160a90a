import type { ReplaceCondition, UploadOutcome, UploadState } from '../opfs/scan-types';

/**
 * Uploads into OPFS in three steps, so that no message carries more than a chunk and no
 * partial file is ever left under a real name:
 * 1. {@link beginOpfsUpload} makes the destination's folders and an empty file under a
 *    temporary name ending `.tmp` (the panel flags any such file as temporary), with a
 *    writable open on it;
 * 2. {@link writeOpfsUpload} queues a chunk (written in order) and answers at once how far
 *    the writes are, so the panel sends the next while this one is written;
 * 3. {@link finishOpfsUpload} closes the writable, checks the size, and only then gives the
 *    file its name — never over an existing entry unless `replace` was chosen.
 * An upload that hears nothing for `idleMs` (the panel closed, DevTools went away) aborts
 * itself and removes its temporary file; {@link abortOpfsUpload} does the same at once. The
 * bytes written so far live in the browser's swap file until close, so a navigation
 * mid-upload leaves at most the empty temporary file.
 *
 * Each is self-contained: sent to the inspected page as source text (and called directly
 * on the extension's own storage). Their state lives in `globalThis[registryName].uploads`.
 */
export async function beginOpfsUpload(root: FileSystemDirectoryHandle, registryName: string, id: string, folder: string, tempName: string, idleMs: number): Promise<'started'> {
  const scope = globalThis as unknown as Record<string, { uploads?: Record<string, unknown> } | undefined>;
  const registry = scope[registryName] ?? (scope[registryName] = {});
  const uploads = registry.uploads ?? (registry.uploads = {});
  const segments = folder === '' ? [] : String(folder).split('/');
  if ([...segments, tempName].some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) throw new TypeError('not a valid path');
  let dir = root;
  for (const segment of segments) dir = await dir.getDirectoryHandle(segment, { create: true });
  const writable = await (await dir.getFileHandle(tempName, { create: true })).createWritable();
  const entry = {
    dir,
    tempName,
    writable,
    written: 0,
    queued: 0,
    error: null as string | null,
    chain: Promise.resolve(),
    timer: undefined as ReturnType<typeof setTimeout> | undefined,
    touch() {
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => void entry.giveUp(), idleMs);
    },
    giveUp() {
      clearTimeout(entry.timer);
      if (uploads[id] === entry) delete uploads[id];
      // Not after the writes queued: one the page never settles would keep the file forever.
      // Aborting rejects those still queued (one under way ends first).
      return writable
        .abort()
        .catch(() => undefined)
        .then(() => dir.removeEntry(tempName))
        .catch(() => undefined);
    },
  };
  entry.touch();
  uploads[id] = entry;
  return 'started';
}

/**
 * Queues `chunk` (base64 text from the panel, or bytes when called directly) after the
 * chunks before it, and answers how far the writes are: `queued` bytes handed over,
 * `written` bytes written, the first write error. An empty chunk only asks. Null when no
 * such upload runs (it finished, was aborted, or gave up waiting).
 */
export function writeOpfsUpload(registryName: string, id: string, chunk: string | Uint8Array): UploadState | null {
  const scope = globalThis as unknown as Record<string, { uploads?: Record<string, unknown> } | undefined>;
  const entry = scope[registryName]?.uploads?.[id] as
    | { writable: FileSystemWritableFileStream; written: number; queued: number; error: string | null; chain: Promise<void>; touch(): void }
    | undefined;
  if (!entry) return null;
  entry.touch();
  let bytes: Uint8Array;
  if (typeof chunk === 'string') {
    const binary = atob(chunk);
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  } else bytes = chunk;
  if (bytes.length > 0 && entry.error === null) {
    entry.queued += bytes.length;
    entry.chain = entry.chain.then(
      () =>
        entry.error === null
          ? entry.writable.write(bytes as Uint8Array<ArrayBuffer>).then(
              () => void (entry.written += bytes.length),
              (error: unknown) => {
                const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'Error';
                const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
                entry.error = `${name}: ${message}`;
              },
            )
          : undefined,
    );
  }
  return { queued: entry.queued, written: entry.written, error: entry.error };
}

/** Aborts an upload at once and removes its temporary file. */
export async function abortOpfsUpload(registryName: string, id: string): Promise<boolean> {
  const scope = globalThis as unknown as Record<string, { uploads?: Record<string, unknown> } | undefined>;
  const entry = scope[registryName]?.uploads?.[id] as { giveUp(): Promise<void> } | undefined;
  if (!entry) return false;
  await entry.giveUp();
  return true;
}

/**
 * Closes the upload's writable once every chunk is written, checks the file holds
 * `expectedSize` bytes, and renames it to `finalName`: `exists` (temporary file removed)
 * when the name is taken and `replace` is null. With `replace` (the file the user chose to
 * replace, as they saw it), a file there of another size or time is kept (`changed`: the
 * app wrote it since); one that is still so is set aside, replaced, and only then removed,
 * or (without `move()`) overwritten through a writable that swaps the bytes in when it
 * closes: whatever fails, the file there stays whole (`locked` if it is held open: nothing
 * replaced), and one written under the name while the file was set aside is never replaced
 * by putting it back (both are kept). A folder of that name is never replaced. A write
 * landing between that look and the replacement is not detected.
 */
export async function finishOpfsUpload(registryName: string, id: string, finalName: string, expectedSize: number, replace: ReplaceCondition | null): Promise<UploadOutcome> {
  const scope = globalThis as unknown as Record<string, { uploads?: Record<string, unknown> } | undefined>;
  const uploads = scope[registryName]?.uploads;
  const entry = uploads?.[id] as
    | { dir: FileSystemDirectoryHandle; tempName: string; writable: FileSystemWritableFileStream; error: string | null; chain: Promise<void>; timer: ReturnType<typeof setTimeout> | undefined }
    | undefined;
  if (!uploads || !entry) return { outcome: 'failed', error: 'the upload had stopped (nothing was heard from the panel for too long)' };
  clearTimeout(entry.timer);
  delete uploads[id];
  const { dir, tempName } = entry;
  const errorNameOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'Error');
  const messageOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error));
  const dropTemp = () => dir.removeEntry(tempName).catch(() => undefined);
  await entry.chain;
  if (entry.error !== null) {
    await entry.writable.abort().catch(() => undefined);
    await dropTemp();
    return { outcome: 'failed', error: entry.error };
  }
  try {
    await entry.writable.close();
    const size = (await (await dir.getFileHandle(tempName)).getFile()).size;
    if (size !== expectedSize) throw new Error(`${size} bytes arrived, not ${expectedSize}`);
  } catch (error) {
    await dropTemp();
    return { outcome: 'failed', error: `${errorNameOf(error)}: ${messageOf(error)}` };
  }
  if (String(finalName).includes('/') || finalName === '' || finalName === '.' || finalName === '..') {
    await dropTemp();
    return { outcome: 'failed', error: 'not a valid name' };
  }
  // What holds the name now: a file, a folder, or nothing.
  let taken: 'file' | 'folder' | null = null;
  try {
    await dir.getFileHandle(finalName);
    taken = 'file';
  } catch (error) {
    if (errorNameOf(error) === 'TypeMismatchError') taken = 'folder';
    else if (errorNameOf(error) !== 'NotFoundError') {
      await dropTemp();
      return { outcome: 'failed', error: `${errorNameOf(error)}: ${messageOf(error)}` };
    }
  }
  if (taken === 'folder' || (taken === 'file' && !replace)) {
    await dropTemp();
    return { outcome: 'exists' };
  }
  if (taken === 'file' && replace) {
    try {
      const there = await (await dir.getFileHandle(finalName)).getFile();
      if (there.size !== replace.size || (typeof replace.lastModified === 'number' && there.lastModified !== replace.lastModified)) {
        await dropTemp();
        return { outcome: 'changed' };
      }
    } catch (error) {
      await dropTemp();
      return { outcome: 'failed', error: `${errorNameOf(error)}: ${messageOf(error)}` };
    }
  }
  const temp = await dir.getFileHandle(tempName);
  const move = (temp as unknown as { move?: (name: string) => Promise<void> }).move;
  const isLock = (error: unknown) => errorNameOf(error) === 'NoModificationAllowedError' || errorNameOf(error) === 'InvalidStateError';
  const failed = (error: unknown): UploadOutcome => ({ outcome: 'failed', error: `${errorNameOf(error)}: ${messageOf(error)}` });
  // The bytes copied through a writable, which the browser swaps in only when it closes: a
  // copy that fails (a full disk) leaves what the file held as it was.
  const copyInto = async (handle: FileSystemFileHandle) => (await temp.getFile()).stream().pipeTo(await handle.createWritable());
  if (taken === 'file') {
    // Never a moment without one of the two: the file there is set aside under another name,
    // the upload takes its name, and only then is it removed; a failure puts it back.
    const aside = `${finalName}.${id}.replaced`;
    if (typeof move === 'function') {
      let setAside = false;
      try {
        await move.call(await dir.getFileHandle(finalName), aside);
        setAside = true;
        await move.call(temp, finalName);
        await dir.removeEntry(aside).catch(() => undefined);
        return { outcome: 'done' };
      } catch (error) {
        if (!setAside && isLock(error)) {
          await dropTemp();
          return { outcome: 'locked' };
        }
        if (setAside) {
          // Put back only while the name is free: something may have written a file under it
          // in the moment it was (move() would replace that one), and then both are kept.
          const free = await dir.getFileHandle(finalName).then(
            () => false,
            (lookup: unknown) => errorNameOf(lookup) === 'NotFoundError',
          );
          if (!free) {
            await dropTemp();
            return { outcome: 'failed', error: `${errorNameOf(error)}: ${messageOf(error)}; something wrote ${finalName} anew meanwhile, which was kept, and the file that was there before is kept as ${aside}: nothing was overwritten`, kept: aside };
          }
          try {
            await move.call(await dir.getFileHandle(aside), finalName);
          } catch (putBack) {
            await dropTemp();
            return { outcome: 'failed', error: `${errorNameOf(error)}: ${messageOf(error)}; the file that was there is kept as ${aside} (${errorNameOf(putBack)})`, kept: aside };
          }
        }
        // Refused: copied below instead.
      }
    }
    try {
      await copyInto(await dir.getFileHandle(finalName));
      await dropTemp();
      return { outcome: 'done' };
    } catch (error) {
      await dropTemp();
      return isLock(error) ? { outcome: 'locked' } : failed(error);
    }
  }
  try {
    if (typeof move === 'function') {
      await move.call(temp, finalName);
      return { outcome: 'done' };
    }
  } catch {
    // Refused: copied below instead.
  }
  try {
    await copyInto(await dir.getFileHandle(finalName, { create: true }));
    await dropTemp();
    return { outcome: 'done' };
  } catch (error) {
    // Only the empty file made for the copy goes: one that something else wrote there meanwhile stays.
    const left = await dir.getFileHandle(finalName).then((handle) => handle.getFile()).catch(() => null);
    if (left?.size === 0) await dir.removeEntry(finalName).catch(() => undefined);
    await dropTemp();
    return failed(error);
  }
}

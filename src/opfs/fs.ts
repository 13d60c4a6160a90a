/**
 * Small helpers over the Origin Private File System, shared by every extension context
 * (they all see the same OPFS, being one origin).
 */

/** Splits `a/b/c.csv` into folders and a file name, refusing `..`, empty and absolute parts. */
export function splitPath(path: string): { folders: string[]; name: string } {
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new Error(`Invalid OPFS path: "${path}"`);
  return { folders: segments.slice(0, -1), name: segments.at(-1)! };
}

/** Why `name` cannot name a file or folder in OPFS (null when it can): what the browsers refuse, said before asking them. */
export function entryNameProblem(name: string): string | null {
  if (name === '') return 'A name cannot be empty.';
  if (name === '.' || name === '..') return `"${name}" is not a name a file can have.`;
  if (name.includes('/') || name.includes('\\')) return 'A name cannot hold / or \\ (folders are chosen apart).';
  if (name.includes('\0')) return 'A name cannot hold a NUL character.';
  return null;
}

export async function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  return navigator.storage.getDirectory();
}

/** Walks (and with `create`, makes) the folders of `folderPath` below `root`. */
export async function getDirectory(
  root: FileSystemDirectoryHandle,
  folderPath: string,
  options: { create?: boolean } = {},
): Promise<FileSystemDirectoryHandle> {
  let dir = root;
  for (const segment of folderPath.split('/').filter(Boolean)) {
    if (segment === '.' || segment === '..') throw new Error(`Invalid OPFS folder: "${folderPath}"`);
    dir = await dir.getDirectoryHandle(segment, { create: options.create ?? false });
  }
  return dir;
}

/** Writes `data` to `dir/name`, replacing it. On failure the writable is aborted. */
export async function writeFile(dir: FileSystemDirectoryHandle, name: string, data: Uint8Array<ArrayBuffer> | Blob | string): Promise<FileSystemFileHandle> {
  const handle = await dir.getFileHandle(name, { create: true });
  await writeHandle(handle, data);
  return handle;
}

/** Writes `data` as the whole of the file `handle`. On failure the writable is aborted. */
export async function writeHandle(handle: FileSystemFileHandle, data: Uint8Array<ArrayBuffer> | Blob | string): Promise<void> {
  const writable = await handle.createWritable();
  try {
    await writable.write(data);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => undefined /* the write error below is the one that matters */);
    throw error;
  }
}

/**
 * Removes the file `dir/name` if it exists; returns whether it did. A folder of that name is
 * never removed (every caller cleans up files it wrote). Other errors propagate.
 */
export async function removeIfExists(dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  try {
    await dir.getFileHandle(name);
    await dir.removeEntry(name);
    return true;
  } catch (error) {
    if (error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')) return false;
    throw error;
  }
}

/** Names of the files and folders directly in `dir`. */
export async function listEntryNames(dir: FileSystemDirectoryHandle): Promise<string[]> {
  const names: string[] = [];
  for await (const [name] of dir.entries()) names.push(name);
  return names.sort();
}

/**
 * Removes `dir/name` if it exists; returns whether it did. A file still held open (a sync
 * access handle of a worker that is being stopped: Chrome lets a dedicated worker run for
 * up to 2 s after its document is gone, and the browser closes its handles after that) is
 * tried again for up to {@link RELEASE_WAIT_MS}. With `onlyWhile`, each attempt first asks
 * it whether the file is still the one to remove (whoever held it open may have rewritten
 * it meanwhile), and a `false` ends the attempts, the file kept.
 */
export async function removeOnceReleased(dir: FileSystemDirectoryHandle, name: string, onlyWhile?: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + RELEASE_WAIT_MS;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    try {
      // A file held open cannot be read either (Chrome): then neither is tried until it is released.
      if (onlyWhile && !(await onlyWhile())) return false;
      return await removeIfExists(dir, name);
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'NoModificationAllowedError') || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** How long {@link removeOnceReleased} waits for a file's last handle to close. */
export const RELEASE_WAIT_MS = 4_000;

/** The file `dir/name` as it is now; null when there is none (no entry, or a folder of that name). */
export async function fileIfExists(dir: FileSystemDirectoryHandle, name: string): Promise<File | null> {
  try {
    return await (await dir.getFileHandle(name)).getFile();
  } catch (error) {
    if (error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')) return null;
    throw error;
  }
}

export async function fileExists(dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  try {
    await dir.getFileHandle(name);
    return true;
  } catch (error) {
    if (error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')) return false;
    throw error;
  }
}

/** Names of the files (not folders) directly in `dir`. */
export async function listFileNames(dir: FileSystemDirectoryHandle): Promise<string[]> {
  const names: string[] = [];
  for await (const [name, handle] of dir.entries()) if (handle.kind === 'file') names.push(name);
  return names.sort();
}

/**
 * Renames a file within its folder. Chrome implements `FileSystemHandle.move()` for OPFS
 * (https://github.com/whatwg/fs/pull/10); it is not yet in TypeScript's DOM types.
 */
export async function renameFile(handle: FileSystemFileHandle, newName: string): Promise<void> {
  await (handle as FileSystemFileHandle & { move(name: string): Promise<void> }).move(newName);
}

/**
 * Driving the extension from one of its own pages opened in a tab: its
 * own messages, and direct reads of the extension's OPFS (one origin with the offscreen
 * document), so tests check bytes on disk independently of the extension's code.
 */
import type { Browser, Frame, Page } from 'puppeteer-core';
import type { OperationProgress } from '../../src/protocol';
import { call, recordProgress, sendRaw, stageFromUrl } from './extension-client';

/**
 * Opens one of the extension's pages in a tab to drive it from. By default the
 * devtools_page, which outside DevTools does nothing: unlike the panel app, it does not
 * scan, sweep or follow imports by itself while a test works.
 */
export async function openExtensionPage(browser: Browser, extensionId: string, path = 'panel/devtools.html'): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`chrome-extension://${extensionId}/${path}`);
  await recordProgress(page);
  return page;
}

export { call, sendRaw, stageFromUrl };

export async function progressEvents(page: Page): Promise<OperationProgress[]> {
  return page.evaluate(() => (window as unknown as { __progress: OperationProgress[] }).__progress.slice());
}

/** Writes `text` into the extension's OPFS at `path`. */
export async function writeOpfsText(page: Page, path: string, text: string): Promise<void> {
  await page.evaluate(async (path, text) => {
    const segments = path.split('/');
    let dir = await navigator.storage.getDirectory();
    for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder, { create: true });
    const writable = await (await dir.getFileHandle(segments.at(-1)!, { create: true })).createWritable();
    await writable.write(text);
    await writable.close();
  }, path, text);
}

/** Writes `bytes` into the extension's OPFS at `path` (folders created), replacing the file. */
export async function writeOpfsBytes(page: Page, path: string, bytes: Uint8Array): Promise<void> {
  const base64 = Buffer.from(bytes).toString('base64');
  await page.evaluate(
    async (path, base64) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const segments = path.split('/');
      let dir = await navigator.storage.getDirectory();
      for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder, { create: true });
      const writable = await (await dir.getFileHandle(segments.at(-1)!, { create: true })).createWritable();
      await writable.write(data);
      await writable.close();
    },
    path,
    base64,
  );
}

/** Removes a file of the OPFS of `page` (the extension's, or a page's). */
export async function removeOpfsFile(page: Page, path: string): Promise<void> {
  await page.evaluate(async (path) => {
    const segments = path.split('/');
    let dir = await navigator.storage.getDirectory();
    for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder);
    await dir.removeEntry(segments.at(-1)!);
  }, path);
}

export interface OpfsFileInfo {
  name: string;
  size: number;
}

/** The files directly in `folder` of the extension's OPFS (empty if the folder does not exist). */
export async function listOpfs(page: Page, folder: string): Promise<OpfsFileInfo[]> {
  return page.evaluate(async (folder) => {
    let dir = await navigator.storage.getDirectory();
    try {
      for (const segment of folder.split('/').filter(Boolean)) dir = await dir.getDirectoryHandle(segment);
    } catch {
      return [];
    }
    const files: { name: string; size: number }[] = [];
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (handle.kind === 'file') files.push({ name, size: (await (handle as FileSystemFileHandle).getFile()).size });
    }
    return files.sort((a, b) => a.name.localeCompare(b.name));
  }, folder);
}

/** Reads a file of the extension's OPFS into Node, byte for byte. */
export async function readOpfsFile(page: Page | Frame, path: string): Promise<Buffer> {
  const base64 = await page.evaluate(async (path) => {
    const segments = path.split('/');
    let dir = await navigator.storage.getDirectory();
    for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder);
    const bytes = new Uint8Array(await (await (await dir.getFileHandle(segments.at(-1)!)).getFile()).arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }, path);
  return Buffer.from(base64, 'base64');
}

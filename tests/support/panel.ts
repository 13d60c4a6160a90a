/** Reading and driving the panel through its stable `data-testid` hooks. */
import type { Frame, Page } from 'puppeteer-core';

export interface PanelRow {
  path: string;
  size: number;
  status: string;
  /** `data-format` (see src/opfs/formats.ts). */
  format: string;
  /** `data-in-use`: 'true' when a handle of the page held it when listed. */
  inUse: string;
}

/** The file rows the panel currently renders (it renders the visible ones plus a margin). */
export async function panelRows(panel: Frame | Page): Promise<PanelRow[]> {
  return panel.$$eval('[data-testid="file-row"]', (rows) =>
    rows.map((row) => ({
      path: row.getAttribute('data-path') ?? '',
      size: Number(row.getAttribute('data-size')),
      status: row.getAttribute('data-status') ?? '',
      format: row.getAttribute('data-format') ?? '',
      inUse: row.getAttribute('data-in-use') ?? '',
    })),
  );
}

/**
 * Every row of the current filter: the list renders only the rows in view, so this scrolls
 * it from top to bottom, a screen at a time, and collects what each screen renders.
 */
export async function allPanelRows(panel: Frame | Page): Promise<PanelRow[]> {
  const byPath = new Map<string, PanelRow>();
  const total = await panel.$eval('[role="grid"]', (e) => Number(e.getAttribute('aria-rowcount')));
  for (let top = 0; ; ) {
    await panel.$eval('.file-viewport', (e, top) => e.scrollTo({ top }), top);
    await untilViewportRendered(panel);
    for (const row of await panelRows(panel)) byPath.set(row.path, row);
    const { height, scrollHeight } = await panel.$eval('.file-viewport', (e) => ({ height: e.clientHeight, scrollHeight: e.scrollHeight }));
    if (byPath.size >= total || top + height >= scrollHeight) break;
    top += height;
  }
  await panel.$eval('.file-viewport', (e) => e.scrollTo({ top: 0 }));
  return [...byPath.values()];
}

/**
 * Waits until the rows the list renders cover its viewport where it is scrolled now: the
 * panel draws a scrolled-to window a frame or more later, and on a busy machine a fixed
 * pause read the window before, skipping a screen of rows.
 */
async function untilViewportRendered(panel: Frame | Page): Promise<void> {
  await panel.waitForFunction(
    () => {
      const viewport = document.querySelector<HTMLElement>('.file-viewport');
      const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="file-row"]')];
      if (!viewport || rows.length === 0) return true;
      const tops = rows.map((row) => row.offsetTop);
      const last = rows[tops.indexOf(Math.max(...tops))];
      // The rows' own height: scrollHeight is at least the viewport's, however few rows there are.
      const content = (viewport.firstElementChild as HTMLElement | null)?.offsetHeight ?? 0;
      const wanted = Math.min(viewport.scrollTop + viewport.clientHeight, content);
      return Math.min(...tops) <= viewport.scrollTop && Math.max(...tops) + last.offsetHeight >= wanted;
    },
    // On a timer: the panel may be behind other windows, where animation frames stop.
    { polling: 20, timeout: 10_000 },
  );
}

export async function waitForScan(panel: Frame | Page): Promise<string> {
  await panel.waitForSelector('[data-testid="summary"][data-state="done"], [data-testid="summary"][data-state="failed"]', { timeout: 60_000 });
  return panel.$eval('[data-testid="summary"]', (e) => e.textContent ?? '');
}

/**
 * Clicks refresh and waits for the new listing. The button is disabled while a scan runs
 * (the one the panel starts when it opens, say): a click then would do nothing, so this
 * waits for the button first; then for a listing other than the one shown before the click.
 */
export async function refresh(panel: Frame | Page): Promise<string> {
  await panel.waitForSelector('[data-testid="refresh"]:not([disabled])', { timeout: 60_000 });
  const before = await panel.$eval('[data-testid="summary"]', (e) => e.getAttribute('data-scan') ?? '');
  // A DOM click: a mouse click at the button's place can land elsewhere while DevTools still lays itself out.
  await panel.$eval('[data-testid="refresh"]', (button) => (button as HTMLButtonElement).click());
  // The listing of this click, not the last one still on screen until the panel renders.
  await panel.waitForSelector(`[data-testid="summary"][data-state="failed"], [data-testid="summary"][data-state="done"]:not([data-scan="${before}"])`, { timeout: 60_000 });
  return panel.$eval('[data-testid="summary"]', (e) => e.textContent ?? '');
}

/**
 * Clicks the element `selector` names once it is there and enabled, as a DOM click: a
 * mouse click goes to the element's place on screen, which can move while DevTools lays
 * itself out or a status line rewraps, and then lands elsewhere.
 */
export async function press(panel: Frame | Page, selector: string): Promise<void> {
  const element = await panel.waitForSelector(`${selector}:not([disabled])`);
  await element!.evaluate((e) => {
    e.scrollIntoView({ block: 'nearest' });
    (e as HTMLElement).click();
  });
}

/** Sets the value of the input or text area `selector` as typing would (its `input` event). */
export async function fillIn(panel: Frame | Page, selector: string, value: string): Promise<void> {
  await panel.$eval(
    selector,
    (input, value) => {
      (input as HTMLInputElement | HTMLTextAreaElement).value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

/** Types `value` into the panel's filter box and gives the list a moment to render (it renders only the rows in view). */
export async function setFilter(panel: Frame | Page, value: string): Promise<void> {
  await fillIn(panel, '[data-testid="filter"]', value);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

export async function text(panel: Frame | Page, testId: string): Promise<string> {
  return panel.$eval(`[data-testid="${testId}"]`, (e) => e.textContent ?? '');
}

/** Files in the OPFS of whatever origin `page` (or frame) is on, read without the extension. */
export async function opfsFilesOf(context: Page | Frame, folder = ''): Promise<Record<string, number>> {
  return context.evaluate(async (folder) => {
    const out: Record<string, number> = {};
    let start = await navigator.storage.getDirectory();
    for (const segment of folder.split('/').filter(Boolean)) start = await start.getDirectoryHandle(segment);
    const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
      for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, path);
        else out[path] = (await (handle as FileSystemFileHandle).getFile()).size;
      }
    };
    await walk(start, folder);
    return out;
  }, folder);
}

/** The bytes of the file at `path` in the OPFS of whatever origin `page` (or frame) is on, read without the extension. */
export async function opfsBytesOf(context: Page | Frame, path: string): Promise<Buffer> {
  const base64 = await context.evaluate(async (path) => {
    let dir = await navigator.storage.getDirectory();
    const segments = path.split('/');
    for (const segment of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(segment);
    const bytes = new Uint8Array(await (await (await dir.getFileHandle(segments[segments.length - 1])).getFile()).arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }, path);
  return Buffer.from(base64, 'base64');
}

/** Writes `files` (path → bytes, folders made) into the OPFS of whatever origin `page` is on, without the extension. */
export async function writePageFiles(page: Page | Frame, files: Record<string, Uint8Array>): Promise<void> {
  const wire = Object.fromEntries(Object.entries(files).map(([path, bytes]) => [path, Buffer.from(bytes).toString('base64')]));
  await page.evaluate(async (wire) => {
    const root = await navigator.storage.getDirectory();
    await Promise.all(
      Object.entries(wire).map(async ([path, base64]) => {
        const segments = path.split('/');
        let dir = root;
        for (const segment of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(segment, { create: true });
        const writable = await (await dir.getFileHandle(segments.at(-1)!, { create: true })).createWritable();
        await writable.write(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
        await writable.close();
      }),
    );
  }, wire);
}

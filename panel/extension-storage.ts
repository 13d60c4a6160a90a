/**
 * The extension's own OPFS, as the panel reads it: the panel page is of the extension's
 * origin, so it runs the page functions (src/inspected-page/) directly on its own storage,
 * and validates what they answer exactly as it validates the inspected page (one code path).
 */
import { askedByPath, parseCheckEntry, parseEditResult, parseUploadOutcome, parseUploadState, parseLiveChanges, parsePurgeEntry, parsePurgeResult, parseWalkEntry, parseWalkSummary, requestedPaths, walkAnswerParser, deliverWalkAnswers, type CheckedFile, type LiveChanges, type WalkAnswer, type WalkListener } from '../src/opfs/page-answers';
import type { CheckOptions, CheckRequest, PurgeEntry, PurgeResult, PurgeTarget, ReplaceCondition, UploadOutcome, WalkEntry, WalkOptions, WalkSummary } from '../src/opfs/scan-types';
import { statOpfsPaths, walkOpfs } from '../src/inspected-page/walk';
import { collectOpfsChanges, unwatchOpfs, watchOpfs } from '../src/inspected-page/live';
import { checkOpfsFiles, readForVerdict } from '../src/inspected-page/check';
import { purgeOpfsFiles } from '../src/inspected-page/purge';
import { makeOpfsFolder, moveOpfsEntry } from '../src/inspected-page/edit';
import { abortOpfsUpload, beginOpfsUpload, finishOpfsUpload, writeOpfsUpload } from '../src/inspected-page/upload';
import { LIVE_WATCH_ID, MAX_READ_BYTES, UPLOAD_CHUNK_BYTES, UPLOAD_IDLE_MS } from './page-expressions';
import { PageTaskStoppedError } from './inspected-window';
import { PAGE_GLOBAL } from '../src/opfs/scan-types';

/** Hands entries over in batches (a batch per turn of the event loop), as polling the page would. */
function batcher<T>(deliver: (batch: readonly T[]) => void): { push(item: T): void; flush(): void } {
  let batch: T[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (batch.length === 0) return;
    const full = batch;
    batch = [];
    deliver(full);
  };
  return {
    push(item) {
      batch.push(item);
      if (batch.length >= 2000) flush();
      else if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 0);
      }
    },
    flush,
  };
}

let uploads = 0;

async function root(): Promise<FileSystemDirectoryHandle> {
  return navigator.storage.getDirectory();
}

export const extensionStorage = {
  async walk(listener: WalkListener, options: WalkOptions, wanted: () => boolean = () => true): Promise<WalkSummary> {
    const out = batcher<WalkAnswer>((answers) => deliverWalkAnswers(answers, listener));
    const parse = walkAnswerParser();
    let n = 0;
    const summary = await walkOpfs(
      await root(),
      { origin: location.origin, estimate: () => navigator.storage.estimate(), wanted },
      options,
      (_seen, entry) => out.push(parse(entry, `entry ${n++}`)),
      readForVerdict,
    );
    if (!wanted()) throw new PageTaskStoppedError();
    out.flush();
    return parseWalkSummary(summary);
  },

  async stat(paths: readonly string[], onEntries: (entries: readonly WalkEntry[]) => void): Promise<void> {
    const out = batcher(onEntries);
    let n = 0;
    await statOpfsPaths(await root(), paths, walkOpfs, (_seen, entry) => out.push(parseWalkEntry(entry, `entry ${n++}`)));
    out.flush();
  },

  watch: () => watchOpfs(PAGE_GLOBAL, LIVE_WATCH_ID),
  collectChanges: (): LiveChanges | null => parseLiveChanges(collectOpfsChanges(PAGE_GLOBAL, LIVE_WATCH_ID)),
  unwatch: () => void unwatchOpfs(PAGE_GLOBAL, LIVE_WATCH_ID),

  async check(requests: readonly CheckRequest[], options: CheckOptions, onChecked: (files: readonly CheckedFile[]) => void, wanted: () => boolean = () => true): Promise<void> {
    const asked = askedByPath(requests);
    const out = batcher(onChecked);
    let n = 0;
    await checkOpfsFiles(await root(), requests, options, readForVerdict, (_checked, entry) => out.push(parseCheckEntry(entry, `entry ${n++}`, asked)), wanted);
    if (!wanted()) throw new PageTaskStoppedError();
    out.flush();
  },

  /**
   * The same purge as in the page: files of a snapshot go only while holding its lock, taken
   * without waiting, so those of a running export are skipped as locked.
   */
  async purge(targets: readonly PurgeTarget[], onProgress: (filesDone: number, finished: readonly PurgeEntry[]) => void): Promise<PurgeResult> {
    const allowed = requestedPaths(targets);
    const wire = await purgeOpfsFiles(await root(), targets, (done, entry) => onProgress(done, [parsePurgeEntry(entry, 'entry', allowed)]));
    return parsePurgeResult(wire, targets);
  },

  move: async (from: string, to: string, size: number | null) => parseEditResult(await moveOpfsEntry(await root(), from, to, size)),
  makeFolder: async (path: string) => parseEditResult(await makeOpfsFolder(await root(), path)),

  /** The same three steps as an upload into the page (src/inspected-page/upload.ts), with the bytes handed over directly. */
  async upload(file: Blob, folder: string, name: string, replace: ReplaceCondition | null, onBytes: (written: number) => void, signal: AbortSignal): Promise<UploadOutcome> {
    const uploadId = `up${Date.now().toString(36)}${(uploads += 1)}`;
    await beginOpfsUpload(await root(), PAGE_GLOBAL, uploadId, folder, `${name}.${uploadId}.upload.tmp`, UPLOAD_IDLE_MS);
    try {
      for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
        signal.throwIfAborted();
        let state = parseUploadState(writeOpfsUpload(PAGE_GLOBAL, uploadId, new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer())));
        // A few chunks wait at most: memory stays bounded whatever the size.
        while (state && state.error === null && state.queued - state.written > 4 * UPLOAD_CHUNK_BYTES) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          state = parseUploadState(writeOpfsUpload(PAGE_GLOBAL, uploadId, ''));
        }
        if (!state || state.error !== null) break; // finishing reports it, and removes the temporary file
        onBytes(state.written);
      }
      signal.throwIfAborted();
      return parseUploadOutcome(await finishOpfsUpload(PAGE_GLOBAL, uploadId, name, file.size, replace));
    } catch (error) {
      await abortOpfsUpload(PAGE_GLOBAL, uploadId);
      throw error;
    }
  },

  async read(path: string, start: number, end: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; size: number; lastModified: number }> {
    const segments = path.split('/');
    let dir = await root();
    for (const folder of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(folder);
    const file = await (await dir.getFileHandle(segments.at(-1) ?? '')).getFile();
    const last = Math.min(end, file.size);
    if (last - start > MAX_READ_BYTES * 64) throw new RangeError(`asked for ${last - start} bytes at once`);
    return { bytes: new Uint8Array(await file.slice(start, Math.max(start, last)).arrayBuffer()), size: file.size, lastModified: file.lastModified };
  },
};

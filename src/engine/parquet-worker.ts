/**
 * The worker of the engine's Parquet codec (parquet-worker-codec.ts): parquet-wasm on a
 * thread of its own, which also writes what it encodes, through a sync access handle
 * (only workers have them: several times faster than a writable stream, and no copy of
 * the bytes back to the engine's thread). Each request is answered with its outputs,
 * handed over, or the error.
 */
import { openAnswered } from './open-again';
import { startParquetWasm } from './parquet-codec';
import { transferOf, type CodecReply, type CodecRequest } from './parquet-worker-codec';

const scope = self as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent<CodecRequest>) => void): void;
  postMessage(message: CodecReply, transfer: Transferable[]): void;
};

/** What a worker's sync access handle offers (typed in TypeScript's worker library only). */
interface SyncAccessHandle {
  truncate(size: number): void;
  write(buffer: Uint8Array, options: { at: number }): number;
  close(): void;
}

scope.addEventListener('message', ({ data: request }) => {
  // Opened now, while this worker is idle: the open's round trips to the browser need this
  // thread between them, which an encode holds for tens of milliseconds.
  if (request.op === 'open') return void openedAhead.set(request.id, opening(request.file));
  void answer(request);
});

/** The files opened ahead of their encode (the `open` requests), by the request's id. */
const openedAhead = new Map<number, Promise<SyncAccessHandle>>();

/** `file` opened for writing; a failure is the encode's to report, not an unhandled one. */
function opening(file: FileSystemFileHandle): Promise<SyncAccessHandle> {
  const access = openForWriting(file);
  access.catch(() => undefined);
  return access;
}

/** What the `open` of id `id` opened, taken (once). */
function takeOpened(id: number | undefined): Promise<SyncAccessHandle> | undefined {
  if (id === undefined) return undefined;
  const access = openedAhead.get(id);
  openedAhead.delete(id);
  return access;
}

async function answer(request: Exclude<CodecRequest, { op: 'open' }>): Promise<void> {
  let encoding = false;
  try {
    if (request.op === 'close') {
      await takeOpened(request.ahead)?.then((access) => access.close(), () => undefined);
      return scope.postMessage({ id: request.id, ok: true, outputs: [], written: 0, timings: { encodeMs: 0, writeMs: 0 } }, []);
    }
    const wasm = await startParquetWasm(request.wasmUrl);
    const started = performance.now();
    if (request.op === 'encode') {
      // Opened ahead, or else now: then it opens while the part encodes, as far as the encode
      // lets it, and the rest of the open's wait comes after.
      const access = takeOpened(request.ahead) ?? opening(request.file);
      let bytes: Uint8Array;
      try {
        encoding = true;
        bytes = wasm.encode(request.ipc, request.settings);
        encoding = false;
      } catch (error) {
        await access.then((opened) => opened.close(), () => undefined);
        throw error;
      }
      const encoded = performance.now();
      // Said before the write: the engine may send the next part to another worker meanwhile.
      scope.postMessage({ id: request.id, encoded: true }, []);
      const opened = await access;
      const openWaitMs = performance.now() - encoded;
      const written = writeWhole(opened, request.file.name, reused(bytes));
      const timings = { encodeMs: encoded - started, writeMs: performance.now() - encoded, openWaitMs };
      scope.postMessage({ id: request.id, ok: true, outputs: [], written, timings }, []);
    } else {
      const outputs = wasm.decode(request.parquet, request.rowGroups, request.numbers) as Uint8Array<ArrayBuffer>[];
      scope.postMessage({ id: request.id, ok: true, outputs, written: 0, timings: { encodeMs: performance.now() - started, writeMs: 0 } }, transferOf(...outputs));
    }
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    const said = encoding && request.op === 'encode' ? `parquet-wasm could not encode ${request.file.name}: ${message}` : message;
    // Judged on the error itself: a trap while encoding must retire this worker too.
    scope.postMessage({ id: request.id, ok: false, error: { name, message: said }, trapped: error instanceof WebAssembly.RuntimeError }, []);
  }
}

/** The buffer parts are written from, kept from one part to the next (see `reused`). */
let outgoing = new Uint8Array(0);

/**
 * `bytes` copied into a buffer this worker keeps from one part to the next. Each part's
 * encoded bytes are a fresh buffer (parquet-wasm copies them out of its memory), and a sync
 * access handle writes a buffer allocated just before several times slower than one that
 * was written from before, even counting this copy (measured: bench/README.md, 2026-12-06).
 */
function reused(bytes: Uint8Array): Uint8Array {
  if (outgoing.byteLength < bytes.byteLength) outgoing = new Uint8Array(Math.ceil((bytes.byteLength * 1.25) / 65536) * 65536);
  outgoing.set(bytes);
  return outgoing.subarray(0, bytes.byteLength);
}

/**
 * Opens `file`, which the engine created, for writing. Never creates it: after a cleanup
 * removed it (this worker outliving the engine's document), opening it fails.
 */
function openForWriting(file: FileSystemFileHandle): Promise<SyncAccessHandle> {
  // Asked again if the browser leaves the open unanswered (see openAnswered).
  return openAnswered(() => (file as FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> }).createSyncAccessHandle());
}

/**
 * Writes `bytes` as the whole of the file `access` holds open, then closes it; its length.
 * A write that stops short is a full disk.
 */
function writeWhole(access: SyncAccessHandle, name: string, bytes: Uint8Array): number {
  try {
    access.truncate(0);
    for (let at = 0; at < bytes.byteLength; ) {
      const wrote = access.write(bytes.subarray(at), { at });
      if (wrote <= 0) throw new DOMException(`Only ${at} of ${bytes.byteLength} bytes of ${name} could be written.`, 'QuotaExceededError');
      at += wrote;
    }
    // No flush(): it is an fsync per part (measured: it halved the write phase's throughput),
    // which the writable streams this replaced never did either; the part is read back
    // and checked before it is renamed, and an OS crash before the manifest leaves an
    // intent record that the sweep finishes.
  } finally {
    access.close();
  }
  return bytes.byteLength;
}

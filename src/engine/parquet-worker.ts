/**
 * The worker of the engine's Parquet codec (parquet-worker-codec.ts): parquet-wasm on a
 * thread of its own, which also writes what it encodes, through a sync access handle
 * (only workers have them: several times faster than a writable stream, and no copy of
 * the bytes back to the engine's thread). Each request is answered with its outputs,
 * handed over, or the error.
 */
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

scope.addEventListener('message', ({ data: request }) => void answer(request));

async function answer(request: CodecRequest): Promise<void> {
  let encoding = false;
  try {
    const wasm = await startParquetWasm(request.wasmUrl);
    const started = performance.now();
    if (request.op === 'encode') {
      encoding = true;
      const bytes = wasm.encode(request.ipc, request.settings);
      encoding = false;
      const encoded = performance.now();
      const written = await writeWhole(request.file, bytes);
      const timings = { encodeMs: encoded - started, writeMs: performance.now() - encoded };
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

/**
 * Writes `bytes` as the whole of `file`, which the engine created; its length. A write that
 * stops short is a full disk. Never creates the file: after a cleanup removed it (this
 * worker outliving the engine's document), opening it fails.
 */
async function writeWhole(file: FileSystemFileHandle, bytes: Uint8Array): Promise<number> {
  const { name } = file;
  const access = await (file as FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> }).createSyncAccessHandle();
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

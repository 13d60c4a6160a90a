/**
 * The Parquet codec in workers of its own: the engine's thread hands each part's Arrow
 * stream over (transferred, not copied) with the folder and name to write it to, and a
 * worker encodes and writes it (sync access handle), so that encoding runs beside DuckDB's
 * worker, and the engine's thread is left with checking the parts written. Each worker
 * serves one request at a time, in order; with several, as many parts are encoded (or
 * decoded) at once.
 *
 * A worker that fails (an error it did not catch, a message it could not read, parquet-wasm
 * trapping, which leaves its memory unusable) is stopped; every request it held is rejected
 * saying so, and the next request starts a fresh one: the engine keeps working. Workers
 * idle for `idleMs` are stopped too (WebAssembly memory never shrinks; a worker that encoded
 * 250,000-row parts keeps tens of MiB).
 */
import type { EncodeSettings, ParquetCodec } from './parquet-codec';
import type { RowNumbers } from './row-numbers';

type CodecOperation =
  | { op: 'encode'; ipc: Uint8Array; settings: EncodeSettings; file: FileSystemFileHandle }
  | { op: 'decode'; parquet: Uint8Array; rowGroups: readonly number[] | undefined; numbers: RowNumbers | undefined };

export type CodecRequest = CodecOperation & { id: number; wasmUrl: string };

export type CodecReply =
  /** Before the reply to an encode: the part is encoded, only its write is left. */
  | { id: number; encoded: true }
  | { id: number; ok: true; outputs: Uint8Array<ArrayBuffer>[]; written: number; /** Where the worker's time went (read by the benchmark). */ timings: { encodeMs: number; writeMs: number } }
  | { id: number; ok: false; error: { name: string; message: string }; trapped: boolean };

/** The codec's worker stopped: what it was doing is lost, the next request starts a new one. */
export class CodecWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodecWorkerError';
  }
}

interface Pending {
  what: string;
  onEncoded?: () => void;
  resolve(reply: { outputs: Uint8Array<ArrayBuffer>[]; written: number }): void;
  reject(error: unknown): void;
}

/**
 * The transfer list that hands `bytes` over without a copy: its buffer, which must be
 * this caller's alone (not WebAssembly memory, not shared), as DuckDB's query results and
 * parquet-wasm's outputs are (copies out of their memory). The view keeps its offset.
 */
export function transferOf(...views: Uint8Array[]): Transferable[] {
  return views.flatMap((bytes) => (bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : []));
}

/** The codec's worker, as this module uses it (a `Worker`, or a test's stand-in). */
export type CodecWorker = Pick<Worker, 'postMessage' | 'terminate' | 'addEventListener'>;

/** How long the codec's worker is kept without a request before it is stopped. */
export const CODEC_IDLE_MS = 15_000;

/**
 * A codec served by up to `workers` workers from `startWorker`, loading parquet-wasm from
 * `wasmUrl`: a request goes to an idle worker (started if need be), else waits behind the
 * one with the fewest requests. Workers all idle for `idleMs` are stopped.
 */
export function parquetCodecInWorker(startWorker: () => CodecWorker, wasmUrl: string, { idleMs = CODEC_IDLE_MS, workers = 1 }: { idleMs?: number; workers?: number } = {}): ParquetCodec {
  type Slot = { worker: CodecWorker; pending: Map<number, Pending>; stop(reason: string, cause?: unknown): void };
  const slots: (Slot | undefined)[] = Array.from({ length: workers }, () => undefined);
  let nextId = 1;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const busy = () => slots.some((slot) => slot !== undefined && slot.pending.size > 0);
  /** Once no worker has a request: all stopped after `idleMs`, unless one gets a request first. */
  const stopWhenIdle = () => {
    if (busy() || slots.every((slot) => slot === undefined)) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (!busy()) for (const slot of slots) slot?.stop('it was idle');
    }, idleMs);
  };

  function connect(index: number): Slot {
    const worker = startWorker();
    const stop = (reason: string, cause?: unknown) => {
      if (slots[index] === state) slots[index] = undefined;
      worker.terminate();
      for (const request of state.pending.values()) {
        request.reject(new CodecWorkerError(`The Parquet codec's worker stopped while ${request.what}: ${reason}. It starts again for the next operation.`, { cause }));
      }
      state.pending.clear();
      stopWhenIdle();
    };
    const state: Slot = { worker, pending: new Map<number, Pending>(), stop };
    worker.addEventListener('message', ({ data }: MessageEvent<CodecReply>) => {
      const request = state.pending.get(data.id);
      if (!request) return;
      // The request stays this worker's until its reply: the next goes to an idle worker.
      if ('encoded' in data) return request.onEncoded?.();
      state.pending.delete(data.id);
      stopWhenIdle();
      if (data.ok) return request.resolve(data);
      const error = Object.assign(new Error(data.error.message), { name: data.error.name });
      if (!data.trapped) return request.reject(error);
      // A trap leaves parquet-wasm's memory in an unknown state: this worker serves no more.
      state.pending.set(data.id, request);
      stop(`parquet-wasm failed (${data.error.message})`, error);
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      stop(event.message || 'its script failed');
    });
    worker.addEventListener('messageerror', () => stop('a message to it could not be read'));
    return state;
  }

  /** An idle worker, else a slot to start one in, else the worker with the fewest requests. */
  function pick(): Slot {
    const idle = slots.find((slot) => slot !== undefined && slot.pending.size === 0);
    if (idle) return idle;
    const free = slots.indexOf(undefined);
    if (free >= 0) return (slots[free] = connect(free));
    return slots.reduce((a, b) => (b!.pending.size < a!.pending.size ? b : a))!;
  }

  function call(operation: CodecOperation, input: Uint8Array, what: string, onEncoded?: () => void): Promise<{ outputs: Uint8Array<ArrayBuffer>[]; written: number }> {
    clearTimeout(idleTimer);
    const { worker, pending } = pick();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { what, onEncoded, resolve, reject });
      worker.postMessage({ ...operation, id, wasmUrl } satisfies CodecRequest, transferOf(input));
    });
  }

  return {
    concurrency: workers,
    encodeToFile: async (ipc, settings, file, onEncoded) => (await call({ op: 'encode', ipc, settings, file }, ipc, `writing ${file.name}`, onEncoded)).written,
    // The caller keeps its bytes (a restore reads them again to say where damage is): a
    // copy is handed over, which costs less than having postMessage clone them.
    decode: async (parquet, rowGroups, numbers) => {
      const copy = parquet.slice();
      return (await call({ op: 'decode', parquet: copy, rowGroups, numbers }, copy, 'decoding a part')).outputs;
    },
  };
}

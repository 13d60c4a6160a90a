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
 * 250,000-row parts keeps tens of MiB). A decode given up (its signal aborted) stops the
 * worker that holds it: a worker gives no answer before it is done, and one that never is
 * (parquet-wasm looping on a damaged file) would otherwise hold its caller for good.
 */
import { rejectWhenAborted } from '../errors';
import type { EncodeSettings, ParquetCodec } from './parquet-codec';
import type { RowNumbers } from './row-numbers';

type CodecOperation =
  /** `ahead`: the id of the `open` that opened `file` in this worker, if one did. */
  | { op: 'encode'; ipc: Uint8Array; settings: EncodeSettings; file: FileSystemFileHandle; ahead: number | undefined }
  | { op: 'decode'; parquet: Uint8Array; rowGroups: readonly number[] | undefined; numbers: RowNumbers | undefined }
  /** Opens `file` for the encode that names this request's id as `ahead`; not answered. */
  | { op: 'open'; file: FileSystemFileHandle }
  /** Closes what the `open` of id `ahead` opened, if no encode took it. */
  | { op: 'close'; ahead: number };

export type CodecRequest = CodecOperation & { id: number; wasmUrl: string };

export type CodecReply =
  /** Before the reply to an encode: the part is encoded, only its write is left. */
  | { id: number; encoded: true }
  | { id: number; ok: true; outputs: Uint8Array<ArrayBuffer>[]; written: number; /** Where the worker's time went (read by the benchmark). */ timings: { encodeMs: number; writeMs: number; /** Of `writeMs`, the wait for the part's file to open. */ openWaitMs?: number } }
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
  /** `opened`: the ids of the files opened ahead in this worker that no encode took yet. */
  type Slot = { worker: CodecWorker; pending: Map<number, Pending>; opened: Set<number>; stop(reason: string, cause?: unknown): void };
  const slots: (Slot | undefined)[] = Array.from({ length: workers }, () => undefined);
  /** The files opened ahead (see `openAhead`): in which worker, under which id. */
  const ahead = new Map<FileSystemFileHandle, { slot: Slot; id: number }>();
  let nextAhead = 0;
  let nextId = 1;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  // A worker holding a file open ahead is kept: stopping it would close the file under its encode.
  const busy = () => slots.some((slot) => slot !== undefined && (slot.pending.size > 0 || slot.opened.size > 0));
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
    const state: Slot = { worker, pending: new Map<number, Pending>(), opened: new Set<number>(), stop };
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

  /** The slot at `index`, its worker started if need be. */
  const slotAt = (index: number): Slot => slots[index] ?? (slots[index] = connect(index));
  /** An idle worker, else a slot to start one in, else the worker with the fewest requests. */
  function pick(): Slot {
    const idle = slots.find((slot) => slot !== undefined && slot.pending.size === 0);
    if (idle) return idle;
    const free = slots.indexOf(undefined);
    if (free >= 0) return slotAt(free);
    return slots.reduce((a, b) => (b!.pending.size < a!.pending.size ? b : a))!;
  }

  /** Whether `slot`'s worker still runs (a stopped one closed what it held open). */
  const alive = (slot: Slot) => slots.includes(slot);

  function call(operation: CodecOperation, input: Uint8Array | undefined, what: string, onEncoded?: () => void, slot = pick()): Promise<{ outputs: Uint8Array<ArrayBuffer>[]; written: number }> {
    clearTimeout(idleTimer);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { what, onEncoded, resolve, reject });
      slot.worker.postMessage({ ...operation, id, wasmUrl } satisfies CodecRequest, input ? transferOf(input) : []);
    });
  }

  /**
   * `call` of a decode that `signal` can give up: the request rejects with the signal's
   * reason, and its worker is stopped (with whatever else it held: the engine runs one
   * operation at a time, so that is the same operation's).
   */
  async function decodeCall(operation: Extract<CodecOperation, { op: 'decode' }>, signal: AbortSignal | undefined): Promise<Uint8Array<ArrayBuffer>[]> {
    signal?.throwIfAborted();
    const slot = pick();
    const reply = call(operation, operation.parquet, 'decoding a part', undefined, slot);
    if (!signal) return (await reply).outputs;
    // Rejected first, so that the reply's own rejection (its worker stopped) is not the one reported.
    const givenUp = rejectWhenAborted(signal, () => {
      if (alive(slot)) slot.stop('the operation it decoded for was stopped');
    });
    reply.catch(() => undefined);
    try {
      return (await Promise.race([reply, givenUp.aborted])).outputs;
    } finally {
      givenUp.stop();
    }
  }

  /** The worker `file` was opened ahead in, and the open's id, taken (once) from `ahead`. */
  function takeAhead(file: FileSystemFileHandle): { slot: Slot; id: number } | undefined {
    const opened = ahead.get(file);
    ahead.delete(file);
    opened?.slot.opened.delete(opened.id);
    return opened && alive(opened.slot) ? opened : undefined;
  }

  return {
    concurrency: workers,
    // The workers take files in turn: a pipeline that opens the next part's file while this
    // part is encoded has it opened by the worker that did not take this part.
    openAhead(file) {
      if (ahead.has(file)) return;
      clearTimeout(idleTimer);
      const slot = slotAt(nextAhead);
      nextAhead = (nextAhead + 1) % workers;
      const id = nextId++;
      slot.opened.add(id);
      ahead.set(file, { slot, id });
      slot.worker.postMessage({ op: 'open', file, id, wasmUrl } satisfies CodecRequest, []);
    },
    async closeAhead(file) {
      const opened = takeAhead(file);
      // Its reply lets the worker be stopped when idle, as any reply does.
      if (opened) await call({ op: 'close', ahead: opened.id }, undefined, `closing ${file.name}`, undefined, opened.slot);
    },
    encodeToFile: async (ipc, settings, file, onEncoded) => {
      // Opened ahead: encoded by the worker that holds it open (else it opens it itself).
      const opened = takeAhead(file);
      return (await call({ op: 'encode', ipc, settings, file, ahead: opened?.id }, ipc, `writing ${file.name}`, onEncoded, opened?.slot)).written;
    },
    // The caller keeps its bytes (a restore reads them again to say where damage is): a
    // copy is handed over, which costs less than having postMessage clone them.
    decode: (parquet, rowGroups, numbers, signal) => decodeCall({ op: 'decode', parquet: parquet.slice(), rowGroups, numbers }, signal),
  };
}

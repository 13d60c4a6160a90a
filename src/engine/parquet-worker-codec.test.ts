import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../tests/support/random';
import { CodecWorkerError, parquetCodecInWorker, type CodecReply, type CodecRequest, type CodecWorker } from './parquet-worker-codec';

/** A stand-in for the codec's worker: records what it is sent, answers when told. */
class FakeWorker extends EventTarget {
  readonly requests: { message: CodecRequest; transfer: Transferable[] }[] = [];
  terminated = false;

  postMessage(message: CodecRequest, transfer: Transferable[]): void {
    this.requests.push({ message, transfer });
  }

  terminate(): void {
    this.terminated = true;
  }

  reply(data: CodecReply): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }

  /** An error the worker did not catch, as the browser reports it. */
  fail(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }
}

/** A stand-in for a file the caller created: the codec only hands it to its worker. */
const file = (name: string) => ({ name }) as FileSystemFileHandle;
const timings = { encodeMs: 1, writeMs: 1 };
const settings = { rowGroupSize: 10 };

function codecWithFakes(idleMs = 1000, size = 1) {
  const workers: FakeWorker[] = [];
  const codec = parquetCodecInWorker(
    () => {
      const worker = new FakeWorker();
      workers.push(worker);
      return worker as unknown as CodecWorker;
    },
    'wasm-url',
    { idleMs, workers: size },
  );
  return { codec, workers };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  );

afterEach(() => {
  vi.useRealTimers();
});

describe('the Parquet codec in a worker', () => {
  it('answers each request with its own reply, whatever order the replies come in; hands encode input over and decode input as a copy', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const random = seededRandom(seed);
      const { codec, workers } = codecWithFakes();
      const inputs = Array.from({ length: 6 }, (_, i) => new Uint8Array([i, i, i]));
      const calls = inputs.map((input, i) => (i % 2 === 0 ? codec.encodeToFile(input, settings, file(`part-${i}.tmp`)) : codec.decode(input, [i])));
      expect(workers).toHaveLength(1);
      const [worker] = workers;
      const requests = worker.requests.map((r) => r);
      for (const [i, { message, transfer }] of requests.entries()) {
        expect(message.wasmUrl).toBe('wasm-url');
        if (message.op === 'encode') {
          expect(message.file.name).toBe(`part-${i}.tmp`);
          expect(transfer).toEqual([inputs[i].buffer]);
        } else {
          expect(message.op).toBe('decode');
          if (message.op !== 'decode') continue;
          expect(message.rowGroups).toEqual([i]);
          expect([...message.parquet]).toEqual([i, i, i]);
          expect(transfer).not.toContain(inputs[i].buffer);
        }
      }
      const order = requests.map((_, i) => i).sort(() => random() - 0.5);
      for (const i of order) {
        const { message } = requests[i];
        worker.reply({ id: message.id, ok: true, outputs: message.op === 'decode' ? [new Uint8Array([100 + i])] : [], written: 1000 + i, timings });
      }
      const results = await Promise.all(calls);
      results.forEach((result, i) => expect(result).toEqual(i % 2 === 0 ? 1000 + i : [new Uint8Array([100 + i])]));
      // The caller's bytes of a decode are still whole.
      expect([...inputs[1]]).toEqual([1, 1, 1]);
      expect(worker.terminated).toBe(false);
    }
  });

  it.each(['an uncaught error', 'an unreadable message'])('%s in the worker rejects every request it holds, in words, and the next request gets a fresh worker', async (how) => {
    for (let pending = 1; pending <= 3; pending++) {
      for (let answered = 0; answered < pending; answered++) {
        const { codec, workers } = codecWithFakes();
        const calls = Array.from({ length: pending }, (_, i) => outcome(codec.encodeToFile(new Uint8Array(4), settings, file(`p${i}.tmp`))));
        const [worker] = workers;
        for (let i = 0; i < answered; i++) worker.reply({ id: worker.requests[i].message.id, ok: true, outputs: [], written: 4, timings });
        if (how === 'an uncaught error') worker.fail('injected: out of memory');
        else worker.dispatchEvent(new Event('messageerror'));
        const settled = await Promise.all(calls);
        settled.slice(0, answered).forEach((s) => expect(s).toEqual({ value: 4 }));
        for (const [i, s] of settled.slice(answered).entries()) {
          const error = (s as { error: Error }).error;
          expect(error).toBeInstanceOf(CodecWorkerError);
          expect(error.message).toContain(`stopped while writing p${answered + i}.tmp`);
          expect(error.message).toContain(how === 'an uncaught error' ? 'injected: out of memory' : 'could not be read');
        }
        expect(worker.terminated).toBe(true);
        const next = codec.decode(new Uint8Array(2));
        expect(workers).toHaveLength(2);
        workers[1].reply({ id: workers[1].requests[0].message.id, ok: true, outputs: [new Uint8Array([7])], written: 0, timings });
        expect(await next).toEqual([new Uint8Array([7])]);
      }
    }
  });

  it('an error the codec reports fails that request only; a WebAssembly trap also retires the worker', async () => {
    for (const trapped of [false, true]) {
      const { codec, workers } = codecWithFakes();
      const first = outcome(codec.decode(new Uint8Array(1)));
      const second = outcome(codec.decode(new Uint8Array(1)));
      const [worker] = workers;
      worker.reply({ id: worker.requests[0].message.id, ok: false, error: { name: trapped ? 'RuntimeError' : 'ParquetError', message: 'bad footer' }, trapped });
      const failed = (await first) as { error: Error };
      if (trapped) {
        expect(failed.error).toBeInstanceOf(CodecWorkerError);
        expect(failed.error.message).toContain('parquet-wasm failed (bad footer)');
        expect(((await second) as { error: Error }).error).toBeInstanceOf(CodecWorkerError);
        expect(worker.terminated).toBe(true);
      } else {
        expect(failed.error.name).toBe('ParquetError');
        expect(failed.error.message).toBe('bad footer');
        worker.reply({ id: worker.requests[1].message.id, ok: true, outputs: [new Uint8Array([1])], written: 0, timings });
        expect(await second).toEqual({ value: [new Uint8Array([1])] });
        expect(worker.terminated).toBe(false);
      }
      void codec.decode(new Uint8Array(1));
      expect(workers).toHaveLength(trapped ? 2 : 1);
    }
  });

  it('stops a worker idle for the idle time, not one that got a request meanwhile, and ignores a reply to nothing', async () => {
    vi.useFakeTimers();
    const { codec, workers } = codecWithFakes(1000);
    const answer = (worker: FakeWorker, index: number) => worker.reply({ id: worker.requests[index].message.id, ok: true, outputs: [], written: 1, timings });
    const first = codec.encodeToFile(new Uint8Array(1), settings, file('a.tmp'));
    answer(workers[0], 0);
    await first;
    await vi.advanceTimersByTimeAsync(900);
    const second = codec.encodeToFile(new Uint8Array(1), settings, file('b.tmp'));
    await vi.advanceTimersByTimeAsync(900);
    expect(workers[0].terminated).toBe(false); // busy: no idle stop
    answer(workers[0], 1);
    await second;
    workers[0].reply({ id: 999, ok: true, outputs: [], written: 1, timings });
    await vi.advanceTimersByTimeAsync(999);
    expect(workers[0].terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(workers[0].terminated).toBe(true);
    const third = codec.encodeToFile(new Uint8Array(1), settings, file('c.tmp'));
    expect(workers).toHaveLength(2);
    answer(workers[1], 0);
    expect(await third).toBe(1);
  });

  it('a pool of workers: a request goes to an idle worker, else to the one with the fewest; a worker that fails takes only its own requests with it', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const random = seededRandom(seed);
      const { codec, workers } = codecWithFakes(1000, 2);
      expect(codec.concurrency).toBe(2);
      const count = 3 + Math.floor(random() * 4);
      const calls = Array.from({ length: count }, (_, i) => outcome(codec.decode(new Uint8Array([i]))));
      expect(workers).toHaveLength(2);
      // Spread evenly: the first two start a worker each, the rest queue behind the one with fewer.
      expect(Math.abs(workers[0].requests.length - workers[1].requests.length)).toBeLessThanOrEqual(1);
      const [failing, healthy] = random() < 0.5 ? workers : [workers[1], workers[0]];
      for (const { message } of healthy.requests) {
        if (message.op === 'decode') healthy.reply({ id: message.id, ok: true, outputs: [new Uint8Array([200 + message.parquet[0]])], written: 0, timings });
      }
      failing.fail('injected: worker lost');
      const settled = await Promise.all(calls);
      const byInput = (worker: FakeWorker) => worker.requests.map(({ message }) => (message.op === 'decode' ? message.parquet[0] : -1));
      for (const i of byInput(healthy)) expect(settled[i]).toEqual({ value: [new Uint8Array([200 + i])] });
      for (const i of byInput(failing)) expect((settled[i] as { error: Error }).error).toBeInstanceOf(CodecWorkerError);
      expect(failing.terminated).toBe(true);
      expect(healthy.terminated).toBe(false);
      // The healthy worker is idle: it takes the next request; the one after starts a worker in the failed one's place.
      void codec.decode(new Uint8Array([9]));
      expect(healthy.requests.at(-1)!.message.op).toBe('decode');
      void codec.decode(new Uint8Array([10]));
      expect(workers).toHaveLength(3);
      expect(workers[2].requests).toHaveLength(1);
    }
  });

  it('a decode given up (its signal aborted) rejects with the signal’s reason and stops the worker that holds it, whatever else it held; the other worker lives on', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const random = seededRandom(seed);
      const { codec, workers } = codecWithFakes(1000, 2);
      const controller = new AbortController();
      const count = 2 + Math.floor(random() * 5);
      const givenUp = Math.floor(random() * count);
      const calls = Array.from({ length: count }, (_, i) => outcome(codec.decode(new Uint8Array([i]), undefined, undefined, i === givenUp ? controller.signal : undefined)));
      const holder = workers.find((w) => w.requests.some(({ message }) => message.op === 'decode' && message.parquet[0] === givenUp))!;
      const other = workers.find((w) => w !== holder)!;
      const reason = new DOMException('cancelled', 'AbortError');
      controller.abort(reason);
      for (const { message } of other.requests) {
        if (message.op === 'decode') other.reply({ id: message.id, ok: true, outputs: [new Uint8Array([200 + message.parquet[0]])], written: 0, timings });
      }
      const settled = await Promise.all(calls);
      expect(settled[givenUp]).toEqual({ error: reason });
      expect(holder.terminated).toBe(true);
      expect(other.terminated).toBe(false);
      const inputsOf = (worker: FakeWorker) => worker.requests.map(({ message }) => (message.op === 'decode' ? message.parquet[0] : -1));
      for (const i of inputsOf(holder).filter((i) => i !== givenUp)) expect((settled[i] as { error: Error }).error).toBeInstanceOf(CodecWorkerError);
      for (const i of inputsOf(other)) expect(settled[i]).toEqual({ value: [new Uint8Array([200 + i])] });
      // Given up before it is sent: rejected at once, nothing sent.
      const sent = workers.reduce((sum, w) => sum + w.requests.length, 0);
      expect(await outcome(codec.decode(new Uint8Array([1]), undefined, undefined, controller.signal))).toEqual({ error: reason });
      expect(workers.reduce((sum, w) => sum + w.requests.length, 0)).toBe(sent);
    }
  });

  it('says when a part is encoded, keeps the worker busy until it is written, and sends the next part to another worker meanwhile', async () => {
    for (const writeFails of [false, true]) {
      const { codec, workers } = codecWithFakes(1000, 2);
      const encoded: string[] = [];
      const first = outcome(codec.encodeToFile(new Uint8Array(1), settings, file('a.tmp'), () => encoded.push('a')));
      const id = workers[0].requests[0].message.id;
      workers[0].reply({ id, encoded: true });
      expect(encoded).toEqual(['a']);
      // Still this worker's request: the next one starts a second worker.
      void codec.encodeToFile(new Uint8Array(1), settings, file('b.tmp'), () => encoded.push('b'));
      expect(workers).toHaveLength(2);
      expect(workers[1].requests.map((r) => (r.message as { file: { name: string } }).file.name)).toEqual(['b.tmp']);
      if (writeFails) workers[0].reply({ id, ok: false, error: { name: 'QuotaExceededError', message: 'disk full' }, trapped: false });
      else workers[0].reply({ id, ok: true, outputs: [], written: 7, timings });
      expect(await first).toEqual(writeFails ? { error: expect.objectContaining({ name: 'QuotaExceededError' }) } : { value: 7 });
      expect(encoded).toEqual(['a']);
    }
  });

  it('a pool stops its workers only once all of them are idle', async () => {
    vi.useFakeTimers();
    const { codec, workers } = codecWithFakes(1000, 2);
    const answer = (worker: FakeWorker, index: number) => worker.reply({ id: worker.requests[index].message.id, ok: true, outputs: [], written: 1, timings });
    const a = codec.encodeToFile(new Uint8Array(1), settings, file('a.tmp'));
    const b = codec.encodeToFile(new Uint8Array(1), settings, file('b.tmp'));
    answer(workers[0], 0);
    await a;
    await vi.advanceTimersByTimeAsync(1500);
    expect(workers.map((w) => w.terminated)).toEqual([false, false]);
    answer(workers[1], 0);
    await b;
    await vi.advanceTimersByTimeAsync(999);
    expect(workers.map((w) => w.terminated)).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect(workers.map((w) => w.terminated)).toEqual([true, true]);

    // The busy one failing leaves the other idle: it is stopped after the idle time too.
    const c = outcome(codec.encodeToFile(new Uint8Array(1), settings, file('c.tmp')));
    const d = outcome(codec.encodeToFile(new Uint8Array(1), settings, file('d.tmp')));
    answer(workers[2], 0);
    await c;
    workers[3].fail('injected');
    expect(((await d) as { error: Error }).error).toBeInstanceOf(CodecWorkerError);
    await vi.advanceTimersByTimeAsync(999);
    expect(workers[2].terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(workers[2].terminated).toBe(true);
  });

  describe('files opened ahead of their encode', () => {
    const opens = (worker: FakeWorker) => worker.requests.filter((r) => r.message.op === 'open').map((r) => r.message as Extract<CodecRequest, { op: 'open' }>);
    const encodes = (worker: FakeWorker) => worker.requests.filter((r) => r.message.op === 'encode').map((r) => r.message as Extract<CodecRequest, { op: 'encode' }>);

    it("opens files in the workers in turn, and sends each file's encode to the worker that holds it open, idle workers or not", () => {
      for (const size of [1, 2, 3]) {
        const { codec, workers } = codecWithFakes(1000, size);
        const files = Array.from({ length: 7 }, (_, i) => file(`part-${i}.tmp`));
        for (const f of files) codec.openAhead(f);
        expect(workers).toHaveLength(size);
        for (const [w, worker] of workers.entries()) expect(opens(worker).map((o) => o.file.name)).toEqual(files.filter((_, i) => i % size === w).map((f) => f.name));
        // Encoded in another order than opened: each still goes where its file is open.
        for (const i of [3, 0, 6, 1, 5, 2, 4]) void codec.encodeToFile(new Uint8Array(1), settings, files[i]);
        for (const worker of workers) {
          const openIds = new Map(opens(worker).map((o) => [o.file.name, o.id]));
          expect(encodes(worker).map((e) => e.file.name).sort()).toEqual([...openIds.keys()].sort());
          for (const e of encodes(worker)) expect(e.ahead).toBe(openIds.get(e.file.name));
        }
        // A file opened by no one: opened by the worker that takes it.
        void codec.encodeToFile(new Uint8Array(1), settings, file('other.tmp'));
        const other = workers.flatMap(encodes).find((e) => e.file.name === 'other.tmp');
        expect(other?.ahead).toBeUndefined();
      }
    });

    it('closes a file no encode took, once; a file encoded, or never opened ahead, is not closed', async () => {
      const { codec, workers } = codecWithFakes(1000, 2);
      const [a, b, c] = [file('a.tmp'), file('b.tmp'), file('c.tmp')];
      codec.openAhead(a);
      codec.openAhead(b);
      void codec.encodeToFile(new Uint8Array(1), settings, a);
      let closed = false;
      const closing = codec.closeAhead(b).then(() => (closed = true));
      await Promise.all([codec.closeAhead(a), codec.closeAhead(c), codec.closeAhead(b)]);
      const closes = workers.flatMap((w) => w.requests.filter((r) => r.message.op === 'close').map((r) => r.message as Extract<CodecRequest, { op: 'close' }>));
      expect(closes.map((m) => m.ahead)).toEqual([opens(workers[1])[0].id]);
      expect(workers[1].requests.at(-1)?.message).toBe(closes[0]);
      // Resolved once the worker says the file is closed.
      await Promise.resolve();
      expect(closed).toBe(false);
      workers[1].reply({ id: closes[0].id, ok: true, outputs: [], written: 0, timings });
      await closing;
      expect(closed).toBe(true);
      // Encoding it after all: it is no longer open anywhere, the worker that takes it opens it.
      void codec.encodeToFile(new Uint8Array(1), settings, b);
      expect(workers.flatMap(encodes).find((e) => e.file.name === 'b.tmp')?.ahead).toBeUndefined();
    });

    it('keeps a worker holding a file open until the file is encoded or closed, however long it is idle', async () => {
      vi.useFakeTimers();
      for (const end of ['encode', 'close'] as const) {
        const { codec, workers } = codecWithFakes(1000, 1);
        const a = file('a.tmp');
        codec.openAhead(a);
        // Another request answered meanwhile: the worker has no other request left.
        const decoding = codec.decode(new Uint8Array(1));
        workers[0].reply({ id: workers[0].requests.at(-1)!.message.id, ok: true, outputs: [], written: 0, timings });
        await decoding;
        await vi.advanceTimersByTimeAsync(5000);
        expect(workers[0].terminated).toBe(false);
        const done = end === 'encode' ? codec.encodeToFile(new Uint8Array(1), settings, a) : codec.closeAhead(a);
        const request = workers[0].requests.at(-1)!.message;
        expect(request.op).toBe(end);
        workers[0].reply({ id: request.id, ok: true, outputs: [], written: 1, timings });
        await done;
        await vi.advanceTimersByTimeAsync(999);
        expect(workers[0].terminated).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        expect(workers[0].terminated).toBe(true);
      }
    });

    it('sends the encode of a file opened in a worker that stopped since to a running worker, which opens it itself', async () => {
      const { codec, workers } = codecWithFakes(1000, 2);
      const [a, b] = [file('a.tmp'), file('b.tmp')];
      codec.openAhead(a);
      codec.openAhead(b);
      const pending = outcome(codec.encodeToFile(new Uint8Array(1), settings, file('x.tmp')));
      expect(encodes(workers[0]).map((e) => e.file.name)).toEqual(['x.tmp']);
      workers[0].fail('injected');
      expect(((await pending) as { error: Error }).error).toBeInstanceOf(CodecWorkerError);
      void codec.encodeToFile(new Uint8Array(1), settings, a);
      const takers = workers.filter((w) => encodes(w).some((e) => e.file === a));
      expect(takers).toHaveLength(1);
      expect(takers[0].terminated).toBe(false);
      expect(encodes(takers[0]).find((e) => e.file === a)?.ahead).toBeUndefined();
      // Closing it asks nothing of anyone: the stopped worker closed what it held.
      await codec.closeAhead(a);
      expect(workers.flatMap((w) => w.requests).filter((r) => r.message.op === 'close')).toEqual([]);
      void codec.encodeToFile(new Uint8Array(1), settings, b);
      expect(encodes(workers[1]).find((e) => e.file === b)?.ahead).toBe(opens(workers[1])[0].id);
    });
  });
});

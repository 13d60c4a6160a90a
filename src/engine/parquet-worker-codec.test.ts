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
});

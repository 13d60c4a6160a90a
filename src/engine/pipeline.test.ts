import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../tests/support/random';
import { runPipeline } from './pipeline';

type Stage = 'fetch' | 'transform' | 'store';
const STAGES: Stage[] = ['fetch', 'transform', 'store'];

/** The transform on the pipeline's thread (synchronous), or in a worker (a promise that takes a while). */
type TransformKind = 'sync' | 'async';
const TRANSFORMS: TransformKind[] = ['sync', 'async'];

/**
 * Stages that take a random short while (seeded), log when each part enters and leaves
 * each stage, count what is in flight, and fail where told.
 */
function recordingStages(seed: number, fail?: { stage: Stage; part: number }, abort?: { controller: AbortController; stage: Stage; part: number }, kind: TransformKind = 'sync') {
  const random = seededRandom(seed);
  const log: string[] = [];
  const inFlight: Record<Stage, number> = { fetch: 0, transform: 0, store: 0 };
  const most: Record<Stage, number> = { fetch: 0, transform: 0, store: 0 };
  const pause = () => new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
  const enter = (stage: Stage, part: number) => {
    log.push(`${stage}+${part}`);
    inFlight[stage]++;
    most[stage] = Math.max(most[stage], inFlight[stage]);
    if (abort && abort.stage === stage && abort.part === part) abort.controller.abort();
  };
  const leave = (stage: Stage, part: number) => {
    inFlight[stage]--;
    log.push(`${stage}-${part}`);
    if (fail && fail.stage === stage && fail.part === part) throw new Error(`${stage} of part ${part} failed`);
  };
  const stages = {
    async fetch(part: number) {
      enter('fetch', part);
      await pause();
      leave('fetch', part);
      return { part, rows: part * 10 };
    },
    transform(input: { part: number; rows: number }, part: number): string | Promise<string> {
      enter('transform', part);
      expect(input.part).toBe(part);
      const done = () => {
        leave('transform', part);
        return `bytes of ${part}`;
      };
      return kind === 'sync' ? done() : pause().then(done);
    },
    async store(output: string, part: number) {
      enter('store', part);
      expect(output).toBe(`bytes of ${part}`);
      await pause();
      leave('store', part);
      return `stored ${part}`;
    },
  };
  return { stages, log, inFlight, most };
}

const SIZES = [1, 2, 3, 6];
/** Transforms at once: one codec worker, or a pool of them. */
const WIDTHS = [1, 2, 3];

describe('runPipeline', () => {
  it.each(WIDTHS.flatMap((width) => TRANSFORMS.flatMap((kind) => SIZES.map((n) => [n, kind, width] as const))))('%i part(s), %s transform, width %i: every part goes through every stage once, in order; stages overlap, each holds at most one part (the transform: width)', async (n, kind, width) => {
    let mostTransforms = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { stages, log, most } = recordingStages(seed, undefined, undefined, kind);
      const parts = Array.from({ length: n }, (_, i) => i);
      expect(await runPipeline(parts, stages, undefined, width)).toEqual(parts.map((i) => `stored ${i}`));
      mostTransforms = Math.max(mostTransforms, most.transform);
      for (const stage of STAGES) {
        expect(log.filter((e) => e.startsWith(`${stage}+`))).toEqual(parts.map((i) => `${stage}+${i}`));
        expect(most[stage]).toBeLessThanOrEqual(stage === 'transform' ? width : 1);
      }
      if (kind === 'sync' || n === 1) expect(most.transform).toBe(1);
      for (let i = 0; i + 1 < n; i++) {
        // The next part's fetch starts before this part is transformed (DuckDB works meanwhile)…
        expect(log.indexOf(`fetch+${i + 1}`)).toBeLessThan(log.indexOf(`transform+${i}`));
        // …and a part is stored only after the next one was transformed or while it is: never two stores at once.
        expect(log.indexOf(`store+${i + 1}`)).toBeGreaterThan(log.indexOf(`store-${i}`));
      }
    }
    // Transforms in a worker do run side by side when the width allows it.
    if (kind === 'async' && width > 1 && n > 1) expect(mostTransforms).toBeGreaterThan(1);
  });

  it('with no part, calls nothing', async () => {
    const { stages, log } = recordingStages(1);
    expect(await runPipeline([], stages)).toEqual([]);
    expect(log).toEqual([]);
  });

  describe.each(STAGES.flatMap((stage) => TRANSFORMS.flatMap((kind) => WIDTHS.map((width) => [stage, kind, width] as const))))('a failure in %s (%s transform, width %i)', (stage, kind, width) => {
    it.each(SIZES)('at any part of %i: rejects with it, starts nothing after, and only once nothing is in flight', async (n) => {
      for (let part = 0; part < n; part++) {
        for (let seed = 1; seed <= 8; seed++) {
          const { stages, log, inFlight } = recordingStages(seed * 31 + part, { stage, part }, undefined, kind);
          const parts = Array.from({ length: n }, (_, i) => i);
          const outcome = await runPipeline(parts, stages, undefined, width).then(
            () => 'resolved',
            (error: Error) => error.message,
          );
          expect(outcome).toBe(`${stage} of part ${part} failed`);
          expect(inFlight).toEqual({ fetch: 0, transform: 0, store: 0 });
          // Nothing starts once the failure is known.
          const failedAt = log.indexOf(`${stage}-${part}`);
          expect(log.slice(failedAt + 1).filter((e) => e.includes('+'))).toEqual([]);
          // Stores form a prefix that ends before the failed part (with it, when its own store failed).
          const storedParts = log.filter((e) => e.startsWith('store+')).map((e) => Number(e.slice('store+'.length)));
          expect(storedParts).toEqual(storedParts.map((_, i) => i));
          expect(storedParts.length).toBeLessThanOrEqual(stage === 'store' ? part + 1 : part);
        }
      }
    });
  });

  it.each(STAGES.flatMap((stage) => TRANSFORMS.flatMap((kind) => WIDTHS.map((width) => [stage, kind, width] as const))))('an abort as a part enters %s (%s transform, width %i): rejects with AbortError once nothing is in flight, and stores no later part', async (stage, kind, width) => {
    for (const n of SIZES) {
      for (let part = 0; part < n; part++) {
        const controller = new AbortController();
        const { stages, log, inFlight } = recordingStages(part + 7, undefined, { controller, stage, part }, kind);
        const parts = Array.from({ length: n }, (_, i) => i);
        const error = await runPipeline(parts, stages, controller.signal, width).then(
          () => null,
          (e: unknown) => e,
        );
        expect((error as DOMException | null)?.name).toBe('AbortError');
        expect(inFlight).toEqual({ fetch: 0, transform: 0, store: 0 });
        expect(log.some((e) => e.startsWith('store+') && Number(e.slice(6)) > part)).toBe(false);
      }
    }
  });

  /** Work that ends only when released (a write or an encode still under way), and whether it has. */
  function heldWork<T>(value: T) {
    let ended = false;
    let release: () => void = () => undefined;
    const promise = new Promise<T>((resolve) => {
      release = () => {
        ended = true;
        resolve(value);
      };
    });
    return { promise, release: () => release(), ended: () => ended };
  }

  /** The pipeline's outcome (resolved, or its error's message), and whether it has come yet. */
  function watch(run: Promise<unknown>) {
    let done = false;
    const outcome = run.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    void outcome.then(() => (done = true));
    return { outcome, done: () => done };
  }

  it('a store still writing when a later fetch fails: the rejection waits for that store to end', async () => {
    let store: ReturnType<typeof heldWork<number>> | undefined;
    const stages = {
      fetch: async (part: number) => {
        if (part === 1) throw new Error('query of part 1 failed');
        return part;
      },
      transform: (input: number) => input,
      store: (output: number) => (store = heldWork(output)).promise,
    };
    const run = watch(runPipeline([0, 1, 2], stages));
    // The store of part 0 cannot start before part 0 is transformed; then part 1's fetch fails while it writes.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(run.done()).toBe(false);
    store!.release();
    expect(await run.outcome).toBe('query of part 1 failed');
    expect(store!.ended()).toBe(true);
  });

  it('a transform (in a worker) still running when the store before fails: the rejection waits for the transform to end', async () => {
    let transform: ReturnType<typeof heldWork<number>> | undefined;
    const stages = {
      fetch: async (part: number) => part,
      transform: (input: number) => (input === 0 ? input : (transform = heldWork(input)).promise),
      store: async (output: number) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw new Error(`write of part ${output} failed`);
      },
    };
    const run = watch(runPipeline([0, 1, 2], stages));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(run.done()).toBe(false);
    transform!.release();
    expect(await run.outcome).toBe('write of part 0 failed');
    expect(transform!.ended()).toBe(true);
  });
});

describe('runPipeline, with a stage that would never end', () => {
  /** Work that ends only when `halted` aborts, rejecting with its reason (a decode in a worker that says nothing, given up). */
  const untilHalted = (halted: AbortSignal) => new Promise<never>((_, reject) => halted.addEventListener('abort', () => reject(halted.reason as Error), { once: true }));

  it.each(STAGES.flatMap((stage) => WIDTHS.map((width) => [stage, width] as const)))('a cancel while a %s never ends (width %i): the stage is told, and the pipeline rejects with the cancel', async (stage, width) => {
    for (const n of SIZES) {
      for (let stuck = 0; stuck < n; stuck++) {
        const controller = new AbortController();
        const told: number[] = [];
        const stall = (part: number, halted: AbortSignal) => {
          halted.addEventListener('abort', () => told.push(part));
          setTimeout(() => controller.abort(), 1);
          return untilHalted(halted);
        };
        const stages = {
          fetch: async (part: number, halted: AbortSignal) => (stage === 'fetch' && part === stuck ? stall(part, halted) : part),
          transform: (input: number, part: number, halted: AbortSignal) => (stage === 'transform' && part === stuck ? stall(part, halted) : input),
          store: async (output: number, part: number, halted: AbortSignal) => (stage === 'store' && part === stuck ? stall(part, halted) : output),
        };
        const error = await runPipeline(Array.from({ length: n }, (_, i) => i), stages, controller.signal, width).then(
          () => null,
          (e: unknown) => e,
        );
        expect((error as DOMException | null)?.name, `part ${stuck} of ${n}`).toBe('AbortError');
        expect(told, `part ${stuck} of ${n}`).toEqual([stuck]);
      }
    }
  });

  it.each(WIDTHS)('a store that fails while the next part’s transform never ends (width %i): the transform is told, and the pipeline rejects with the store’s failure', async (width) => {
    for (const n of SIZES.filter((size) => size > 1)) {
      for (let failing = 0; failing + 1 < n; failing++) {
        const told: number[] = [];
        const stages = {
          fetch: async (part: number) => part,
          transform: (input: number, part: number, halted: AbortSignal) => {
            if (part !== failing + 1) return input;
            halted.addEventListener('abort', () => told.push(part));
            return untilHalted(halted);
          },
          store: async (output: number) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            if (output === failing) throw new Error(`write of part ${output} failed`);
            return output;
          },
        };
        const error = await runPipeline(Array.from({ length: n }, (_, i) => i), stages, undefined, width).then(
          () => null,
          (e: Error) => e.message,
        );
        expect(error, `part ${failing} of ${n}`).toBe(`write of part ${failing} failed`);
        expect(told, `part ${failing} of ${n}`).toEqual([failing + 1]);
      }
    }
  });
});

/**
 * Parts through three stages at once: while part i is transformed (Parquet encoding, in the
 * codec's worker), part i+1 is fetched (a DuckDB query, in DuckDB's own worker) and part
 * i−1 is stored (written to OPFS and read back, on this thread). Each stage holds at most
 * one part, so the memory in use is bounded by parts, never by the table.
 */
import { rejectWhenAborted } from '../errors';

/**
 * A part's three stages. Each is given `halted`, which aborts once the pipeline stops (a
 * stage failed, or the caller's signal aborted): a stage that can give its work up then
 * settles at once instead of at its end, or at all, when that work would never end.
 */
export interface PipelineStages<P, Fetched, Transformed, Stored> {
  /** Starts getting part `part`'s input. Runs while the part before is transformed. */
  fetch(part: P, halted: AbortSignal): Promise<Fetched>;
  /** Turns the input into what is stored. Runs while the next part is fetched and the one before stored. */
  transform(input: Fetched, part: P, halted: AbortSignal): Transformed | Promise<Transformed>;
  /** Stores one part. Runs while the part after is transformed. */
  store(output: Transformed, part: P, halted: AbortSignal): Promise<Stored>;
}

/**
 * Runs every part through `stages` and resolves with what `store` answered, in part
 * order. Up to `width` parts are transformed at once (for a codec with that many workers;
 * each is stored in turn, in order). The first failure (or `signal`'s abort, noticed at
 * once) stops it: nothing new starts, the stages are told (`halted`), and the call rejects
 * with that failure only once every stage already started has settled, so that a clean-up
 * after it sees every file a store created and none appears later.
 */
export async function runPipeline<P, Fetched, Transformed, Stored>(
  parts: readonly P[],
  stages: PipelineStages<P, Fetched, Transformed, Stored>,
  signal?: AbortSignal,
  width = 1,
): Promise<Stored[]> {
  const stored: Stored[] = [];
  const halt = new AbortController();
  const halted = halt.signal;
  let fetching: Promise<Fetched> | undefined;
  const transforming: { part: P; output: Promise<Transformed> }[] = [];
  let storing: Promise<Stored> | undefined;
  // A stage may fail while this function awaits another one: its failure is kept (and not
  // reported as unhandled), and nothing starts once it is known.
  let failed: { error: unknown } | undefined;
  const started = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch((error: unknown) => {
      failed ??= { error };
      halt.abort(error);
    });
    return promise;
  };
  // Settles only if `signal` aborts: a cancel is noticed while a stage that would never end is awaited.
  const { aborted, stop: stopListening } = rejectWhenAborted(signal, () => halt.abort(signal!.reason));
  const mayStart = () => {
    signal?.throwIfAborted();
    if (failed) throw failed.error;
  };
  // An async function runs to its first await at once: the query is on its way before this
  // thread turns to the transform, and a fetch that throws becomes a rejection.
  const fetchPart = (part: P): Promise<Fetched> => started((async () => stages.fetch(part, halted))());
  // Settles only if `promise` fails: whichever stage fails first is noticed while another one is awaited.
  const failureOf = (promise: Promise<unknown> | undefined): Promise<never>[] => (promise ? [promise.then(() => new Promise<never>(() => undefined))] : []);
  const failureOfAny = () => [aborted, ...failureOf(fetching), ...failureOf(storing), ...transforming.flatMap((t) => failureOf(t.output))];
  // The oldest transform's output, stored once the store before it has ended.
  const storeOldest = async () => {
    const { part, output } = transforming[0];
    const result = await Promise.race([output, ...failureOfAny()]);
    transforming.shift();
    if (storing) stored.push(await Promise.race([storing, ...failureOfAny()]));
    storing = undefined;
    mayStart();
    storing = started(stages.store(result, part, halted));
  };
  try {
    signal?.throwIfAborted();
    fetching = parts.length > 0 ? fetchPart(parts[0]) : undefined;
    for (let i = 0; i < parts.length; i++) {
      const next = fetching as Promise<Fetched>;
      const input = await Promise.race([next, ...failureOfAny()]);
      fetching = undefined;
      mayStart();
      if (i + 1 < parts.length) fetching = fetchPart(parts[i + 1]);
      const part = parts[i];
      transforming.push({ part, output: started((async () => stages.transform(input, part, halted))()) });
      if (transforming.length >= width) await storeOldest();
    }
    while (transforming.length > 0) await storeOldest();
    if (storing) stored.push(await Promise.race([storing, aborted]));
    storing = undefined;
    signal?.throwIfAborted();
    return stored;
  } catch (error) {
    halt.abort(error);
    await Promise.allSettled([fetching, ...transforming.map((t) => t.output), storing]);
    throw error;
  } finally {
    stopListening();
  }
}

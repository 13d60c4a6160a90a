/**
 * Repeated measurement: a warm-up, then `runs` timed runs; the figure is their median,
 * with min and max. Absolute times on shared machines drift, so every figure that has a
 * baseline is reported as a ratio against it, measured in the same run.
 */

export interface Sample {
  /** The timed runs (after warm-up), in run order. */
  runs: number[];
  median: number;
  min: number;
  max: number;
}

export function summarize(runs: number[]): Sample {
  if (runs.length === 0) throw new Error('no runs to summarize');
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { runs, median, min: sorted[0], max: sorted.at(-1)! };
}

export interface RepeatOptions {
  /** Timed runs after the warm-up. At least 3 for every reported figure. */
  runs: number;
  /** Untimed runs first. */
  warmup?: number;
  /** Called before each run (warm-up included), outside the timing: cleanup, staging. */
  before?: (index: number) => Promise<void>;
  /** Called after each run, outside the timing. */
  after?: (index: number) => Promise<void>;
}

/**
 * Runs `run` warm-up + `runs` times. `run` returns the value to record for that run
 * (usually milliseconds it timed itself, so that set-up inside it can be left out).
 */
export async function repeat(options: RepeatOptions, run: (index: number) => Promise<number>): Promise<Sample> {
  const warmup = options.warmup ?? 1;
  const values: number[] = [];
  for (let i = 0; i < warmup + options.runs; i++) {
    await options.before?.(i);
    const value = await run(i);
    await options.after?.(i);
    if (i >= warmup) values.push(value);
  }
  return summarize(values);
}

export const MiB = 1024 * 1024;

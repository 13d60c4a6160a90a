/** What a benchmark run measures, in full and in quick (smoke) mode. */

export interface BenchConfig {
  mode: 'quick' | 'full';
  seed: number;
  /** Timed runs per figure, after `warmup` untimed ones. */
  runs: number;
  warmup: number;
  /** The two table sizes: growth between them shows what scales with the table. */
  rowsSmall: number;
  rowsLarge: number;
  /** The exporter's defaults, stated so that the native baseline uses the same. */
  rowsPerPart: number;
  rowGroupSize: number;
  /** Files in the inspected page's OPFS for the panel figures, one size per fresh browser; a quarter of them are empty. */
  panelSizes: number[];
  /** How long the panel sits open, idle, while the page's OPFS calls are counted. */
  idleSeconds: number;
  /** Size of the raw OPFS write figure. */
  rawWriteMiB: number;
  /** Size of the file uploaded and downloaded through the panel (the channel moves about 2 MB/s). */
  transferMiB: number;
  /** One more cold refresh of the panel under V8's profiler (`--panel-profile`): where its thread's CPU goes. */
  panelProfile: boolean;
}

/**
 * Full mode measures what the issue asks for. Quick mode is a smoke run of every figure
 * in under two minutes: smaller tables cut into smaller parts (so that the part count
 * still grows 2 → 6 between the sizes), fewer files, a shorter idle wait.
 */
export function configFor(mode: 'quick' | 'full', seed: number): BenchConfig {
  const common = { mode, seed, warmup: 1, runs: 3, panelProfile: false } as const;
  return mode === 'full'
    ? { ...common, rowsSmall: 1_000_000, rowsLarge: 3_000_000, rowsPerPart: 250_000, rowGroupSize: 100_000, panelSizes: [10_000, 100_000], idleSeconds: 10, rawWriteMiB: 100, transferMiB: 64 }
    : { ...common, rowsSmall: 150_000, rowsLarge: 450_000, rowsPerPart: 75_000, rowGroupSize: 25_000, panelSizes: [600, 3_000], idleSeconds: 3, rawWriteMiB: 16, transferMiB: 8 };
}

/** 1_000_000 → "1M", 750_000 → "750k". */
export function rowsLabel(rows: number): string {
  return rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`;
}

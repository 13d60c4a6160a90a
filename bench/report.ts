/** Figures as records (bench/results/latest.json) and as a markdown table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MachineDescription } from './machine';
import type { Sample } from './stats';

export interface Baseline {
  name: string;
  value: number;
  unit: string;
  runs: number[];
  min: number;
  max: number;
}

export interface Target {
  /** The target in words, e.g. "≤ 2× native". */
  text: string;
  /** null when it could not be judged (not measured). */
  met: boolean | null;
}

export interface FigureRecord {
  /** Stable key, e.g. `export.time.1m`. */
  key: string;
  name: string;
  /** The median; null when not measured. */
  value: number | null;
  unit: string;
  runs: number[];
  min: number | null;
  max: number | null;
  baseline: Baseline | null;
  /** value / baseline.value. For times, above 1 means slower than the baseline. */
  ratio: number | null;
  target?: Target;
  /** How it was measured, caveats, and what "not measured" means here. */
  note?: string;
  /** Extra numbers behind the figure (phase breakdowns, per-run memory, counters). */
  details?: Record<string, unknown>;
  machine: MachineDescription;
}

export class Results {
  readonly figures: FigureRecord[] = [];
  constructor(readonly machine: MachineDescription, readonly mode: 'quick' | 'full', readonly seed: number) {}

  add(figure: Omit<FigureRecord, 'machine' | 'runs' | 'min' | 'max' | 'value' | 'ratio'> & { sample: Sample | null; ratio?: number | null }): FigureRecord {
    const { sample, ...rest } = figure;
    const ratio = figure.ratio !== undefined ? figure.ratio : sample && rest.baseline ? sample.median / rest.baseline.value : null;
    const record: FigureRecord = {
      ...rest,
      value: sample?.median ?? null,
      runs: sample?.runs ?? [],
      min: sample?.min ?? null,
      max: sample?.max ?? null,
      ratio,
      machine: this.machine,
    };
    this.figures.push(record);
    return record;
  }

  write(path: string, extra: Record<string, unknown>): void {
    mkdirSync(dirname(path), { recursive: true });
    const document = { mode: this.mode, seed: this.seed, machine: this.machine, ...extra, figures: this.figures };
    writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  }
}

export function baselineOf(name: string, sample: Sample, unit: string): Baseline {
  return { name, value: sample.median, unit, runs: sample.runs, min: sample.min, max: sample.max };
}

function fmt(value: number | null, unit: string): string {
  if (value === null) return 'not measured';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const number = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${number} ${unit}` : number;
}

/** The table printed at the end and pasted into bench/README.md. */
export function markdownTable(figures: FigureRecord[]): string {
  const lines = ['| Figure | Median (min–max) | Baseline (median) | Ratio | Target | Met |', '|---|---|---|---|---|---|'];
  for (const f of figures) {
    const spread = f.value !== null && f.runs.length > 1 ? ` (${fmt(f.min, '')}–${fmt(f.max, '')})` : '';
    const baseline = f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value, f.baseline.unit)}` : '';
    const ratio = f.ratio !== null ? `${f.ratio.toFixed(2)}×` : '';
    const met = f.target ? (f.target.met === null ? '–' : f.target.met ? 'yes' : '**no**') : '';
    lines.push(`| ${f.name} | ${fmt(f.value, f.unit)}${spread} | ${baseline} | ${ratio} | ${f.target?.text ?? ''} | ${met} |`);
  }
  return lines.join('\n');
}

/**
 * The benchmark's table, generated deterministically from a seed and written as CSV:
 * 8 columns that after loading become BIGINT, INTEGER, DOUBLE, DECIMAL(12,2), VARCHAR of
 * varied length, DATE, TIMESTAMP and BOOLEAN with NULLs (see {@link TYPED_SELECT}).
 * ~100 bytes a row, so 1,000,000 rows are a CSV of about 100 MB.
 *
 * Files are cached by seed and row count under the system's temp folder: a rerun with
 * the same seed reads the same bytes.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../tests/support/random';

export const BENCH_COLUMNS = ['id', 'qty', 'price', 'amount', 'label', 'day', 'ts', 'flag'] as const;

/**
 * How a loaded CSV table becomes the typed table that is exported: CSV sniffing yields
 * BIGINT and DOUBLE, so INTEGER and DECIMAL are cast here. The same statement runs in
 * DuckDB-WASM and in native DuckDB, so both engines hold the same rows, in the same order.
 */
export function typedTableSql(source: string, target: string, rowId = '"__row_id"'): string {
  return (
    `CREATE OR REPLACE TABLE ${target} AS SELECT ${rowId}, id, qty::INTEGER AS qty, price, ` +
    `amount::DECIMAL(12,2) AS amount, label, day, ts, flag FROM ${source} ORDER BY ${rowId}`
  );
}

const WORDS = [
  'north', 'south', 'east', 'west', 'alpha', 'beta', 'gamma', 'delta', 'order', 'invoice', 'refund', 'shipping',
  'express', 'standard', 'priority', 'bulk', 'retail', 'wholesale', 'partner', 'internal', 'review', 'pending',
  'approved', 'rejected', 'München', 'Zürich', 'São Paulo', '東京', 'Kraków', 'Île-de-France', 'naïve', 'café',
];

const DAY_MS = 86_400_000;
const isoDays = (from: number, count: number) => Array.from({ length: count }, (_, i) => new Date(from + i * DAY_MS).toISOString().slice(0, 10));
/** Ten years of dates, and seven years for timestamps (formatting dates is the slow part). */
const DAYS = isoDays(Date.UTC(2015, 0, 1), 3650);
const TS_DAYS = isoDays(Date.UTC(2018, 0, 1), 7 * 365);
const TS_SPAN_MS = TS_DAYS.length * DAY_MS;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `HH:MM:SS.mmm` of a millisecond offset within a day. */
function timeOfDay(ms: number): string {
  return `${pad(Math.floor(ms / 3_600_000), 2)}:${pad(Math.floor(ms / 60_000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)}.${pad(ms % 1000, 3)}`;
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes `rows` rows generated from `seed` (with a header) to `path`. */
export async function writeBenchCsv(path: string, rows: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const out = createWriteStream(path);
  out.write(`${BENCH_COLUMNS.join(',')}\n`);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const id = 1_000_000_000 + i * 7 + Math.floor(random() * 7);
    const qty = random() < 0.02 ? '' : String(Math.floor(random() * random() * 100_000));
    const price = (Math.exp(random() * 9) / 3).toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
    const amount = (Math.floor(random() * 10_000_000) / 100).toFixed(2);
    // Varied length: a short category most of the time, sometimes a long free text.
    const wordCount = random() < 0.85 ? 1 + Math.floor(random() * 3) : 4 + Math.floor(random() * 14);
    const words: string[] = [];
    for (let w = 0; w < wordCount; w++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
    let label = `${words.join(' ')} ${Math.floor(random() * 5000)}`;
    if (random() < 0.03) label += ', with comma';
    if (random() < 0.01) label += ' "quoted"';
    const day = DAYS[Math.floor(random() * DAYS.length)];
    const tsMs = Math.floor(random() * TS_SPAN_MS);
    const ts = `${TS_DAYS[Math.floor(tsMs / DAY_MS)]} ${timeOfDay(tsMs % DAY_MS)}`;
    const r = random();
    const flag = r < 0.1 ? '' : r < 0.55 ? 'true' : 'false';
    lines.push(`${id},${qty},${price},${amount},${csvField(label)},${day},${ts},${flag}`);
    if (lines.length === 20_000 || i === rows - 1) {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
}

export const DATA_DIR = join(tmpdir(), 'opfs-snapshot-bench-data');

/** The CSV for (`rows`, `seed`), generated once and cached. Returns its path and size. */
export async function benchCsv(rows: number, seed: number): Promise<{ path: string; name: string; bytes: number }> {
  mkdirSync(DATA_DIR, { recursive: true });
  const name = `bench-s${seed}-r${rows}.csv`;
  const path = join(DATA_DIR, name);
  if (!existsSync(path)) {
    const partial = `${path}.${process.pid}.partial`;
    await writeBenchCsv(partial, rows, seed);
    renameSync(partial, path);
  }
  return { path, name, bytes: statSync(path).size };
}

/**
 * Deterministic test tables written as CSV. Every value is a function of the row id,
 * so a reader can recompute any row without keeping the file in memory.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const MIXED_HEADER = 'id,qty,price,label,day,at,flag';

const LABELS = ['alpha', 'beta', 'gamma, with comma', 'delta "quoted"', 'épsilon', '東京', 'zeta'];

/** One row of the generated table, as CSV text (without the newline). */
export function mixedRow(id: number): string {
  const qty = (id * 7919) % 10_007;
  const price = ((id * 104_729) % 1_000_000) / 100;
  const label = `${LABELS[id % LABELS.length]}-${id % 97}`;
  const quoted = /[",]/.test(label) ? `"${label.replaceAll('"', '""')}"` : label;
  const day = new Date(Date.UTC(2020, 0, 1) + (id % 2000) * 86_400_000).toISOString().slice(0, 10);
  const at = new Date(Date.UTC(2021, 5, 1) + id * 1000).toISOString().replace('T', ' ').replace('Z', '');
  const flag = id % 5 === 0 ? '' : id % 2 === 0 ? 'true' : 'false';
  return `${id},${qty},${price},${quoted},${day},${at},${flag}`;
}

/** Writes `rows` rows of {@link mixedRow} with a header to `path`. */
export async function writeMixedCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${MIXED_HEADER}\n`);
  const batch: string[] = [];
  for (let id = 0; id < rows; id++) {
    batch.push(mixedRow(id));
    if (batch.length === 10_000 || id === rows - 1) {
      if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
      batch.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
}

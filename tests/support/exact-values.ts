/**
 * What "kept exactly" means, for tests: whether a value read back (as DuckDB prints it)
 * holds exactly what the CSV said — the same number, date, time or truth value, leading
 * zeros, precision and range included; spelling that only formats it differently (1.50 and
 * 1.5) does not count. And the families of values that DuckDB's sample-based typing used
 * to change without a word.
 */

/** Decimal text → [sign, significant digits, exponent of the last digit], or undefined. */
function decimalParts(text: string): [string, string, number] | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  let digits = `${match[2]}${match[3] ?? ''}`;
  let exponent = Number(match[4] ?? 0) - (match[3] ?? '').length;
  digits = digits.replace(/^0+/, '');
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  if (digits === '') return ['', '0', 0];
  return [match[1] === '-' ? '-' : '', digits, exponent];
}

/** True when `stored` (DuckDB's text of the stored value) holds exactly what `source` says. */
export function sameValue(type: string, source: string, stored: string): boolean {
  if (type === 'VARCHAR') return source === stored;
  if (type === 'BIGINT' || type === 'DOUBLE' || type.startsWith('DECIMAL')) {
    if (/^[+-]?0\d/.test(source)) return false; // a leading zero a number drops
    const a = decimalParts(source);
    const b = decimalParts(stored);
    return a !== undefined && b !== undefined && a.join() === b.join();
  }
  if (type === 'BOOLEAN') return ['true', 't'].includes(source.toLowerCase()) === (stored === 'true');
  if (type === 'DATE') {
    const [y, m, d] = source.split('-').map(Number);
    return stored === `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }
  if (type === 'TIMESTAMP' || type === 'TIME') {
    const norm = (t: string) => {
      let s = t.replace('T', ' ');
      if (/(^| )\d\d:\d\d$/.test(s)) s += ':00';
      if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
      return s;
    };
    return norm(source) === norm(stored);
  }
  return false;
}

export interface ValueFamily {
  name: string;
  /** The value most rows have, as a function of the row index. */
  usual: (i: number) => string;
  /** Values that the usual type would change. */
  odd: string[];
}

export const LATE_VALUE_FAMILIES: ValueFamily[] = [
  { name: 'fractions in an integer column', usual: (i) => String(i * 3), odd: ['200000.5', '-0.25', '1.5e3'] },
  { name: 'leading zeros in an integer column', usual: (i) => String(10_000 + i), odd: ['08027', '-007', '00'] },
  { name: 'integers beyond 64 bits', usual: (i) => String(i), odd: ['9223372036854775808', '-9223372036854775809', '123456789012345678901234567890'] },
  { name: 'doubles out of range or precision', usual: (i) => (i / 8).toString(), odd: ['1e400', '1e-400', '0.1234567890123456789', '12345678901234567.5', '007.5'] },
  { name: 'dates with a time, out of range, or impossible', usual: (i) => new Date(Date.UTC(2020, 0, 1) + (i % 3000) * 86_400_000).toISOString().slice(0, 10), odd: ['2024-01-01 10:00', '2024-02-30', '10000-01-01', '2024-13-01'] },
  { name: 'timestamps with an offset or nanoseconds', usual: (i) => `2021-06-01 10:00:${String(i % 60).padStart(2, '0')}`, odd: ['2024-01-01 10:00:00+02', '2024-01-01T10:00:00Z', '2024-01-01 10:00:00.1234567', '2024-01-01 10:00:00-05:00'] },
  { name: 'booleans spelled otherwise', usual: (i) => (i % 2 ? 'true' : 'false'), odd: ['yes', '1', 'n'] },
];

/** DuckDB's sniffer looks at this many rows (its default sample_size). */
export const SNIFFER_SAMPLE_ROWS = 20_480;

/** Formatting for people: numbers as the panel shows them. */

const COUNT = new Intl.NumberFormat('en-US');

/**
 * A count with thousands separators, as `n.toLocaleString('en-US')` writes it: `1,234,567`.
 * One formatter for every call (`toLocaleString` builds one each time: at 100,000 files
 * that was seconds of the panel's time).
 */
export function formatCount(n: number | bigint): string {
  return COUNT.format(n);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * Formats a byte count in binary units: `0 B`, `1023 B`, `1.5 KiB`, `12.3 MiB`, `512 GiB`.
 * One decimal below 100 of a unit (dropped when it is `.0`), none above.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) throw new RangeError(`Not a byte count: ${bytes}`);
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  let shown = value < 100 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.96 KiB rounds to 1024 KiB: show it as 1 MiB instead.
  if (shown >= 1024 && unit < BYTE_UNITS.length - 1) {
    shown = 1;
    unit++;
  }
  return `${shown} ${BYTE_UNITS[unit]}`;
}

import { describe, expect, test } from 'vitest';
import { formatBytes } from './format';

describe('formatBytes', () => {
  test.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [1.5 * 1024 ** 2, '1.5 MiB'],
    [12.34 * 1024 ** 2, '12.3 MiB'],
    [512 * 1024 ** 3, '512 GiB'],
    [1024 ** 2 - 1, '1 MiB'],
    [-2048, '-2 KiB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  test('refuses what is not a number of bytes', () => {
    expect(() => formatBytes(Number.NaN)).toThrow(RangeError);
    expect(() => formatBytes(Infinity)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../tests/support/random';
import { DECODE_BATCH_BYTES, decodeBatches } from './restore';

describe('decodeBatches', () => {
  it('keeps every row group once, in order, in batches within the budget (a larger group alone), none of which could have taken the next group', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed);
      const count = Math.floor(random() * 40);
      // Sizes from empty to twice the budget, many near it.
      const groups = Array.from({ length: count }, (_, index) => ({ index, valueBytes: Math.floor(random() * random() * 2 * DECODE_BATCH_BYTES) }));
      const batches = decodeBatches(groups);
      expect(batches.flat()).toEqual(groups);
      for (const [i, batch] of batches.entries()) {
        const size = batch.reduce((sum, g) => sum + g.valueBytes, 0);
        expect(batch.length).toBeGreaterThan(0);
        if (batch.length > 1) expect(size).toBeLessThanOrEqual(DECODE_BATCH_BYTES);
        const next = batches[i + 1]?.[0];
        if (next) expect(size + next.valueBytes).toBeGreaterThan(DECODE_BATCH_BYTES);
      }
    }
  });
});

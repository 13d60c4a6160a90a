/**
 * What a failed decode is reported as, for every pairing of what the codec said with what
 * the file is: sound, damaged in one column chunk (in each row group), or sound but too large
 * for the memory left while the damage is looked for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParquetWriter, ordersSql } from '../../tests/support/parquet-fixtures';
import { damageZstdFrame } from '../../tests/support/parquet-damage';
import { UserFacingError } from '../errors';
import { CodecWorkerError } from './parquet-worker-codec';
import { decodeFailure } from './restore';

let sound: Uint8Array;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'decode-failure-'));
  const writer = await createParquetWriter();
  try {
    sound = await writer.write(join(workDir, 'orders.parquet'), ordersSql(0, 6000), { rowGroupSize: 2048 });
  } finally {
    writer.close();
  }
}, 60_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const named = (name: string, message: string) => Object.assign(new Error(message), { name });
const MEMORY = [
  named('RangeError', 'Array buffer allocation failed'),
  new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'),
  named('RangeError', 'Out of memory: Cannot allocate Wasm memory for new instance'),
];
const NOT_MEMORY = [
  named('RangeError', 'Offset is outside the bounds of the DataView'),
  named('Error', 'parquet-wasm could not decode'),
  new TypeError('Cannot read properties of undefined'),
];
const WORKER = new CodecWorkerError("The Parquet codec's worker stopped while decoding a part: parquet-wasm failed (unreachable). It starts again for the next operation.");

/** `bytes` whose whole copy (the damage search's first step) fails as memory running out would. */
function tooLargeToCopy(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy.slice = function (this: Uint8Array, ...args: Parameters<Uint8Array['slice']>) {
    if (args.length === 0) throw new RangeError('Array buffer allocation failed');
    return Uint8Array.prototype.slice.apply(this, args);
  };
  return copy;
}

describe('decodeFailure', () => {
  it('a sound file: memory running out is said as memory, whoever ran out; a worker that stopped is the worker; anything else is "damaged, though every chunk reads"', async () => {
    for (const error of MEMORY) {
      const said = await decodeFailure(error, sound, 'Part p');
      expect(said, error.message).toBeInstanceOf(UserFacingError);
      expect(said.name).toBe('EngineMemoryError');
      expect(said.message).toBe(`Part p could not be decoded: memory ran out (RangeError: ${error.message}). Nothing shows that the file is damaged; drop tables the engine keeps, or close other tabs, and try again.`);
    }
    expect(await decodeFailure(WORKER, sound, 'Part p')).toBe(WORKER);
    for (const error of NOT_MEMORY) {
      const said = await decodeFailure(error, sound, 'Part p');
      expect(said.name, error.message).toBe('SnapshotDamagedError');
      expect(said.message).toBe('Part p could not be decoded: its data is damaged, though every column chunk reads with another Parquet reader.');
    }
  });

  it('the damage search itself running out of memory: said as memory, whatever the codec said, its worker stopping included', async () => {
    for (const error of [...MEMORY, ...NOT_MEMORY]) {
      const said = await decodeFailure(error, tooLargeToCopy(sound), 'Part p');
      expect(said.name, error.message).toBe('EngineMemoryError');
      const ranOut = MEMORY.includes(error) ? error.message : 'Array buffer allocation failed';
      expect(said.message).toContain(`memory ran out (RangeError: ${ranOut})`);
    }
    const said = await decodeFailure(WORKER, tooLargeToCopy(sound), 'Part p');
    expect(said.name).toBe('EngineMemoryError');
  });

  it('a file damaged in one column chunk: the damage is named, whatever the codec said, in every row group and column', async () => {
    const groups = parquetMetadata(sound.slice().buffer).row_groups.length;
    expect(groups).toBeGreaterThanOrEqual(3);
    for (let group = 0; group < groups; group++) {
      for (const column of ['order_id', 'amount', 'order_date']) {
        const damaged = sound.slice();
        damageZstdFrame(damaged, column, group);
        for (const error of [...MEMORY, ...NOT_MEMORY, WORKER]) {
          const said = await decodeFailure(error, damaged, 'Part p');
          expect(said.name, `${column}, group ${group}, ${error.message}`).toBe('SnapshotDamagedError');
          expect(said.message).toMatch(new RegExp(`^Part p could not be decoded: row group ${group + 1} of ${groups}, column "${column}" \\(ZSTD\\) is damaged \\(.+\\)\\.$`));
        }
      }
    }
  });
});

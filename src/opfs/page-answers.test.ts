import { describe, expect, test } from 'vitest';
import { InvalidPageAnswerError, parseCheckEntry, parseHandleProbe, parseReadResult, parseUploadOutcome } from './page-answers';
import type { CheckEntry, CheckRequest } from './scan-types';
import { seededRandom } from '../../tests/support/random';

describe('the probe of handles, as the panel reads what the page answers', () => {
  const asked = ['app.duckdb', 'app.duckdb.wal', 'db/notes.sqlite3'];
  const locks = { held: [{ name: 'app-db:db/notes.sqlite3', mode: 'exclusive' }], pending: [] };

  test('held, free and failed files; the longest hold of a free one; the locks', () => {
    const probe = parseHandleProbe(
      {
        probed: true,
        results: [
          ['app.duckdb', 'held', 'NoModificationAllowedError: held', 0],
          ['app.duckdb.wal', 'free', '', 2.5],
          ['db/notes.sqlite3', 'failed', 'NotFoundError: gone', 0],
        ],
        locks,
      },
      asked,
    );
    expect([...probe.held]).toEqual(['app.duckdb']);
    expect([...probe.failed]).toEqual([['db/notes.sqlite3', 'NotFoundError: gone']]);
    expect(probe).toMatchObject({ probed: true, asked: 3, longestHoldMs: 2.5, locks });
  });

  test('a page that could not be probed says why, and holds nothing', () => {
    const probe = parseHandleProbe({ probed: false, why: 'SecurityError: blob: workers are not allowed', locks }, asked);
    expect(probe).toMatchObject({ probed: false, why: 'SecurityError: blob: workers are not allowed', asked: 0 });
    expect(probe.held.size).toBe(0);
  });

  test.each([
    ['a file not asked about', { probed: true, results: [['other.db', 'held', '', 0]] }],
    ['a file twice', { probed: true, results: [['app.duckdb', 'free', '', 1], ['app.duckdb', 'held', '', 0]] }],
    ['an outcome the probe does not give', { probed: true, results: [['app.duckdb', 'maybe', '', 0]] }],
    ['more results than files asked', { probed: true, results: [...asked, 'x', 'y'].map((p) => [p, 'free', '', 1]) }],
    ['a path that climbs out', { probed: true, results: [['../app.duckdb', 'held', '', 0]] }],
    ['a hold time that is not a number', { probed: true, results: [['app.duckdb', 'free', '', 'soon']] }],
    ['a lock without a name', { probed: true, results: [], locks: { held: [{ mode: 'exclusive' }] } }],
    ['no object at all', 'held'],
  ])('a lying page is refused: %s', (_what, answer) => {
    expect(() => parseHandleProbe(answer, asked)).toThrow(InvalidPageAnswerError);
  });
});

describe('the bytes a check keeps of each file', () => {
  const randomBytes = (random: () => number, length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));

  test.each([1, 2, 3])('are the bytes the page sent, in views that share few buffers and never overlap (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const sent = new Map<string, Uint8Array[]>();
    const requested = new Map<string, { size: number; lastModified: number; read: CheckRequest['read'] }>();
    const entries: CheckEntry[] = [];
    for (let i = 0; i < 3000; i++) {
      const path = `d${i % 7}/f${i}`;
      if (random() < 0.6) {
        // A Parquet file: its ends, and a footer (none, a few bytes to a few KiB, or now and then one past a block's quarter).
        const size = 12 + Math.floor(random() * 200_000);
        const footerLength = random() < 0.1 ? null : Math.min(size, random() < 0.02 ? 60_000 + Math.floor(random() * 80_000) : 8 + Math.floor(random() * 4000));
        const parts = [randomBytes(random, 4), randomBytes(random, 8), ...(footerLength === null ? [] : [randomBytes(random, footerLength)])];
        requested.set(`${path}.parquet`, { size, lastModified: 0, read: 'parquet' });
        entries.push(['p', `${path}.parquet`, base64(parts[0]), base64(parts[1]), footerLength === null ? null : base64(parts[2]), null]);
        sent.set(`${path}.parquet`, parts);
      } else {
        // Another file: its first bytes, and those at 4096 and 8192 when it is that long.
        const size = 1 + Math.floor(random() * 10_000);
        const head = randomBytes(random, Math.min(size, 128));
        const at = (offset: number) => (size > offset ? randomBytes(random, Math.min(100, size - offset)) : null);
        const [at4096, at8192] = [at(4096), at(8192)];
        requested.set(`${path}.bin`, { size, lastModified: 0, read: 'head' });
        entries.push(['h', `${path}.bin`, base64(head), at4096 && base64(at4096), at8192 && base64(at8192)]);
        sent.set(`${path}.bin`, [head, ...(at4096 ? [at4096] : []), ...(at8192 ? [at8192] : [])]);
      }
    }
    const kept: Uint8Array[] = [];
    const wrong: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const checked = parseCheckEntry(entry, `entry ${i}`, requested);
      const got = checked.kind === 'parquet' ? [checked.probe.head, checked.probe.tail, ...(checked.probe.footer ? [checked.probe.footer] : [])] : checked.kind === 'head' ? [checked.head.head, ...(checked.head.at4096 ? [checked.head.at4096] : []), ...(checked.head.at8192 ? [checked.head.at8192] : [])] : [];
      if (!sameArrays(got, sent.get(checked.path)!)) wrong.push(`${checked.path} as decoded`);
      kept.push(...got);
    }
    // Every array still holds what was sent once all the others are decoded: none was written over.
    let at = 0;
    for (const entry of entries) {
      const expected = sent.get(entry[1])!;
      if (!sameArrays(kept.slice(at, at + expected.length), expected)) wrong.push(`${entry[1]} at the end`);
      at += expected.length;
    }
    expect(wrong).toEqual([]);
    const byBuffer = new Map<ArrayBufferLike, Uint8Array[]>();
    for (const bytes of kept) {
      const views = byBuffer.get(bytes.buffer);
      if (views) views.push(bytes);
      else byBuffer.set(bytes.buffer, [bytes]);
    }
    expect(byBuffer.size).toBeLessThan(kept.length / 20);
    for (const views of byBuffer.values()) {
      const ranges = views.map((v) => [v.byteOffset, v.byteOffset + v.byteLength]).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
    }
  });

  test('a read of a file gets a buffer of its own: the details hand its `buffer` on whole', () => {
    for (const length of [0, 1, 100, 64 * 1024, 300 * 1024]) {
      const sent = Uint8Array.from({ length }, (_, i) => (i * 7) & 255);
      const { bytes } = parseReadResult({ base64: base64(sent), size: length, lastModified: 1 }, length);
      expect(sameArrays([bytes], [sent])).toBe(true);
      expect(bytes.buffer.byteLength).toBe(length);
    }
  });
});

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary);
}

function sameArrays(got: readonly Uint8Array[], expected: readonly Uint8Array[]): boolean {
  return got.length === expected.length && got.every((bytes, i) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(expected[i]));
}

describe('how an upload ended, as the panel reads what the page answers', () => {
  test('a failed replace names the file it kept; a name that is not one is dropped, never a path', () => {
    expect(parseUploadOutcome({ outcome: 'failed', error: 'NotAllowedError: no', kept: 'data.bin.u1.replaced' })).toEqual({ outcome: 'failed', error: 'NotAllowedError: no', kept: 'data.bin.u1.replaced' });
    for (const kept of ['', '.', '..', 'a/b', '../x', 'a\\b', 'nul\0', 5, null, ['x']]) {
      expect(parseUploadOutcome({ outcome: 'failed', error: 'e', kept }), String(kept)).toEqual({ outcome: 'failed', error: 'e' });
    }
    // Only a failed upload keeps a file aside.
    expect(parseUploadOutcome({ outcome: 'done', kept: 'x.replaced' })).toEqual({ outcome: 'done' });
  });
});

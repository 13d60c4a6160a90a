import { describe, expect, test } from 'vitest';
import { InvalidPageAnswerError, parseHandleProbe } from './page-answers';

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

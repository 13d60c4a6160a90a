import { afterEach, describe, expect, test, vi } from 'vitest';
import type { PageTaskState } from '../src/opfs/scan-types';
import { parsePoll } from '../src/opfs/page-answers';
import { pageProblem, PageTaskStoppedError, PageUnavailableError, runPageTask } from './inspected-window';

describe('pageProblem: what the user reads when a page cannot be read', () => {
  test('DevTools refusing extension code (chrome://, about:blank, data:) is "no OPFS the panel may read", and final', () => {
    const error = pageProblem({ eval: { isError: true, code: 'E_FAILED', description: 'Operation failed: %s', details: ['Permission denied'] } });
    expect(error).toBeInstanceOf(PageUnavailableError);
    expect(error.problem).toBe('no-access');
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      'This page has no Origin Private File System that the panel may read: DevTools does not let extensions run code in chrome://, about:, data: and Chrome Web Store pages (“Operation failed: Permission denied”).',
    );
    expect(pageProblem({ eval: { isError: true, description: 'Cannot access a chrome:// URL' } }).problem).toBe('no-access');
  });

  test('any other E_FAILED is the page swapping documents: worth another try', () => {
    const error = pageProblem({ eval: { isError: true, code: 'E_FAILED', description: 'Operation failed: %s', details: ['Inspected frame has gone'] } });
    expect(error).toMatchObject({ problem: 'navigating', transient: true, message: 'DevTools could not run code in the inspected page: Operation failed: Inspected frame has gone' });
  });

  test('an exception of our code in the page names the first line only', () => {
    const error = pageProblem({ eval: { isException: true, value: "TypeError: x is not a function\n    at <anonymous>:3:59" } });
    expect(error).toMatchObject({ problem: 'page-broken', transient: false });
    expect(error.message).toBe("The inspected page broke the inspector's code (it may replace built-in functions): TypeError: x is not a function");
  });

  test.each<[string, Parameters<typeof pageProblem>[0], RegExp, string]>([
    ['a file:// page', { task: { state: 'failed', stage: 'storage', error: 'SecurityError: unsafe', origin: 'null', protocol: 'file:' } }, /^This page has no Origin Private File System: its origin is opaque \(“null”\), and Chrome gives file:\/\/ pages none \(SecurityError: unsafe\)\.$/, 'no-opfs'],
    ['file:// whose window.origin says file://', { task: { state: 'failed', stage: 'storage', error: 'SecurityError: unsafe', origin: 'file://', protocol: 'file:' } }, /opaque \(“null”\), and Chrome gives file:\/\/ pages none/, 'no-opfs'],
    ['a sandboxed frame', { task: { state: 'failed', stage: 'storage', error: 'SecurityError: denied', origin: 'null', protocol: 'https:' } }, /gives pages of an opaque origin \(file:\/\/, data:, sandboxed frames\) none/, 'no-opfs'],
    ['an insecure context', { task: { state: 'failed', stage: 'storage', error: 'TypeError: navigator.storage is not available here', origin: 'http://10.0.0.2', secureContext: false } }, /^This page has no Origin Private File System: http:\/\/10\.0\.0\.2 is not a secure context/, 'no-opfs'],
    ['storage blocked', { task: { state: 'failed', stage: 'storage', error: 'SecurityError: blocked', origin: 'https://a.example', secureContext: true } }, /^This page may not use its Origin Private File System: Chrome blocks storage for https:\/\/a\.example/, 'no-opfs'],
    ['a replaced getDirectory()', { task: { state: 'failed', stage: 'storage', error: 'Error: nope', origin: 'https://a.example', secureContext: true } }, /^The page's Origin Private File System could not be opened: navigator\.storage\.getDirectory\(\) failed in the page \(Error: nope\)\. The page may have replaced it/, 'page-broken'],
    ['a failure of the walk itself', { task: { state: 'failed', stage: 'task', error: 'TypeError: Promise.all is not a function' } }, /^Reading the page's Origin Private File System failed: TypeError: Promise\.all is not a function$/, 'page-broken'],
  ])('%s', (_what, report, message, problem) => {
    const error = pageProblem(report);
    expect(error.message).toMatch(message);
    expect(error.problem).toBe(problem);
    expect(error.transient).toBe(false);
  });

  test('long details are shortened', () => {
    const error = pageProblem({ task: { state: 'failed', stage: 'task', error: 'x'.repeat(5000) } });
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('runPageTask: no deadline while the page makes progress', () => {
  /** A fake `chrome.devtools.inspectedWindow.eval` whose page task reports `progress(poll)` on each poll. */
  function fakePage(progress: (poll: number) => { state: string; filesSeen: number; entries: never[] } | { state: 'done'; result: number; entries: never[] }) {
    let polls = 0;
    vi.stubGlobal('chrome', {
      devtools: {
        inspectedWindow: {
          eval(expression: string, callback: (result: unknown) => void) {
            setTimeout(() => callback(expression === 'start' ? 'started' : progress(++polls)), 0);
          },
        },
      },
    });
  }
  const parse = (value: unknown) => value as PageTaskState<number>;
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  test('a task that keeps reporting progress runs as long as it needs, far past the stall limit', async () => {
    vi.useFakeTimers();
    // 2,500 polls of 60 ms each: 150 s of a purge that never stops moving (a fixed 120 s deadline failed it).
    fakePage((poll) => (poll < 2500 ? { state: 'running', filesSeen: poll * 40, entries: [] } : { state: 'done', result: poll, entries: [] }));
    const done = runPageTask('req', 'start', parse, { stallMs: 10_000 });
    await vi.advanceTimersByTimeAsync(200_000);
    await expect(done).resolves.toBe(2500);
  });

  test('a task that stops moving fails after the stall limit, saying so', async () => {
    vi.useFakeTimers();
    fakePage((poll) => ({ state: 'running', filesSeen: Math.min(poll, 10), entries: [] }));
    const done = runPageTask('req', 'start', parse, { stallMs: 5_000 });
    const outcome = done.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toMatchObject({ name: 'TimeoutError', message: 'The inspected page made no progress for 5 s.' });
  });

  test('a poll the busy page does not answer in time is asked again; the task goes on', async () => {
    vi.useFakeTimers();
    let polls = 0;
    vi.stubGlobal('chrome', {
      devtools: {
        inspectedWindow: {
          eval(expression: string, callback: (result: unknown) => void) {
            if (expression === 'start') return void setTimeout(() => callback('started'), 0);
            polls++;
            // The 2nd and 3rd polls are never answered (the page is busy for 20 s); the task moves on meanwhile.
            if (polls === 2 || polls === 3) return;
            setTimeout(() => callback(polls < 6 ? { state: 'running', filesSeen: polls, entries: [] } : { state: 'done', result: polls, entries: [] }), 0);
          },
        },
      },
    });
    const done = runPageTask('req', 'start', parse, { stallMs: 60_000 });
    await vi.advanceTimersByTimeAsync(40_000);
    await expect(done).resolves.toBe(6);
  });

  test('a task the panel no longer wants is released from the page, and rejects as stopped', async () => {
    const evaluated: string[] = [];
    let wanted = true;
    vi.stubGlobal('chrome', {
      devtools: {
        inspectedWindow: {
          eval(expression: string, callback: (result: unknown) => void) {
            evaluated.push(expression);
            setTimeout(() => callback(expression === 'start' ? 'started' : expression.includes('releasePageTask') ? true : { state: 'running', filesSeen: evaluated.length, entries: [] }), 0);
          },
        },
      },
    });
    const done = runPageTask('req', 'start', parse, { intervalMs: 1, wanted: () => wanted });
    await new Promise((resolve) => setTimeout(resolve, 20));
    wanted = false;
    await expect(done).rejects.toBeInstanceOf(PageTaskStoppedError);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(evaluated.at(-1)).toContain('releasePageTask');
    expect(evaluated.at(-1)).toContain('"req"');
  });
});

describe('runPageTask: entries that travel as JSON texts', () => {
  /** A fake page whose task answers `answers` in turn (the last one over again). */
  function fakePage(answers: unknown[]) {
    let polls = 0;
    vi.stubGlobal('chrome', {
      devtools: {
        inspectedWindow: {
          eval(expression: string, callback: (result: unknown) => void) {
            setTimeout(() => callback(expression === 'start' ? 'started' : answers[Math.min(polls++, answers.length - 1)]), 0);
          },
        },
      },
    });
  }
  const parse = (value: unknown) => parsePoll(value, (result) => result as number, (entry) => entry as number);
  afterEach(() => vi.unstubAllGlobals());

  // Texts of several sizes and counts per answer, over several answers.
  test.each([1, 2, 7, 40])('%i texts an answer: every entry handed over once, in order, texts parsed in separate tasks', async (texts) => {
    let next = 0;
    const answer = (state: 'running' | 'done') => ({
      state,
      filesSeen: next,
      more: state === 'running',
      result: 1,
      entryChunks: Array.from({ length: texts }, (_, t) => JSON.stringify(Array.from({ length: 1 + ((t * 37) % 11) }, () => next++))),
    });
    fakePage([answer('running'), answer('running'), answer('done')]);
    const heard: number[] = [];
    // The browser's scheduler, counting how often the panel gives the thread back: between every two texts of an answer.
    const yields = vi.fn(() => Promise.resolve());
    vi.stubGlobal('scheduler', { yield: yields });
    const onEntries = (entries: readonly number[]) => void heard.push(...entries);
    await expect(runPageTask('req', 'start', parse, { intervalMs: 1, onEntries })).resolves.toBe(1);
    expect(heard).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(yields).toHaveBeenCalledTimes(3 * (texts - 1));
  });

  test.each<[string, unknown, RegExp]>([
    ['a text that is not JSON', ['[1,2]', '[3,'], /^The inspected page returned an invalid answer: entry text 1 is not JSON \(/],
    ['a text that is not an array', ['[1]', '{"a":1}'], /^The inspected page returned an invalid answer: entry text 1 is not an array\.$/],
    ['a text that is a number', [42], /^The inspected page returned an invalid answer: entry text 0 is not a string\.$/],
    ['texts that are not a list', 'not a list', /^The inspected page returned an invalid answer: entryChunks is not an array\.$/],
    ['more texts than any answer has', new Array(100_001).fill('[]'), /^The inspected page returned an invalid answer: entryChunks has 100001 entries, more than the 100000 this panel handles\.$/],
  ])('a page that lies, %s: a clear error', async (_what, entryChunks, message) => {
    fakePage([{ state: 'running', filesSeen: 1, entryChunks }]);
    await expect(runPageTask('req', 'start', parse, { intervalMs: 1 })).rejects.toThrow(message);
  });
});

import { TimeoutError, withTimeout } from '../errors';

/**
 * How long an open of a sync access handle may go unanswered before it is asked again: room
 * for a slow disk to answer, and short next to an export's own timeout (60 minutes).
 */
const OPEN_UNANSWERED_MS = 10_000;

/**
 * `open()`'s answer. If `open()` has not settled after `unansweredMs`, it is called once
 * more and the second answer is used.
 *
 * Why: Chromium 156, with two codec workers opening parts while the machine was loaded,
 * left a `createSyncAccessHandle()` unanswered. It neither resolved nor rejected for more
 * than ten minutes. Another open of the same file, from either worker, succeeded at once
 * (seen twice in a row: `core-promise-engine.test.ts` run beside two other browser test
 * files; the export then waited on its part for good).
 *
 * A first answer that comes after all is closed, so that no handle is left holding its
 * file's lock. If the second open fails, its error is the answer: a first open that was
 * only slow and took the lock makes the second fail with NoModificationAllowedError. The
 * export then fails in words instead of waiting.
 */
export async function openAnswered<H extends { close(): void }>(open: () => Promise<H>, unansweredMs = OPEN_UNANSWERED_MS): Promise<H> {
  const first = open();
  try {
    return await withTimeout(first, unansweredMs, 'the open was not answered');
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
  }
  void first.then((handle) => handle.close(), () => undefined);
  return open();
}

/**
 * The inspected page, reached through `chrome.devtools.inspectedWindow.eval`: it needs no
 * host permission, but does not await promises. So work is started in the page, keeps
 * its state on a page global, and is polled (only while that work runs) until done.
 * The page is untrusted: every answer goes through a validating parser.
 */
import { TimeoutError } from '../src/errors';
import type { PageTaskState } from '../src/opfs/page-scan';

/** True inside DevTools; false when the panel page is opened in a tab. */
export function hasInspectedWindow(): boolean {
  return typeof chrome !== 'undefined' && chrome.devtools?.inspectedWindow !== undefined;
}

/** A page that cannot run our expression (no OPFS, a chrome:// page, a crashed renderer). */
export class PageUnavailableError extends Error {
  constructor(
    message: string,
    /** True when the page was between documents (navigating): trying again may work. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'PageUnavailableError';
  }
}

/** Evaluates `expression` in the inspected page and resolves with its JSON value. */
export function evalInPage(expression: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`The inspected page did not answer within ${timeoutMs / 1000} s.`)), timeoutMs);
    chrome.devtools.inspectedWindow.eval(expression, (result: unknown, info?: chrome.devtools.inspectedWindow.EvaluationExceptionInfo) => {
      clearTimeout(timer);
      const exceptionInfo = info as { isError?: boolean; isException?: boolean; value?: unknown; description?: string; code?: string } | undefined;
      if (exceptionInfo && (exceptionInfo.isError || exceptionInfo.isException)) {
        // isError: DevTools could not evaluate at all ("E_FAILED" while the page swaps
        // documents during a navigation); isException: our code threw in the page.
        const detail = exceptionInfo.isException ? exceptionInfo.value : (exceptionInfo.description ?? exceptionInfo.code);
        reject(new PageUnavailableError(`The inspected page could not run the operation: ${String(detail ?? 'unknown error').slice(0, 300)}`, exceptionInfo.isError === true));
        return;
      }
      resolve(result);
    });
  });
}

/**
 * Starts a page task and polls it until it is done. Polls every `intervalMs` only while
 * the task runs: nothing runs in the page when the panel is idle. A task that only reads
 * can set `retries`: when the page navigates under it, it starts again in the new document.
 */
export async function runPageTask<T>(
  startExpression: string,
  pollExpression: string,
  parsePoll: (value: unknown) => PageTaskState<T>,
  options: { timeoutMs: number; intervalMs?: number; onProgress?: (filesSeen: number) => void; retries?: number },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await runPageTaskOnce(startExpression, pollExpression, parsePoll, options);
    } catch (error) {
      if (!(error instanceof PageUnavailableError && error.transient) || attempt >= (options.retries ?? 0)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
    }
  }
}

async function runPageTaskOnce<T>(
  startExpression: string,
  pollExpression: string,
  parsePoll: (value: unknown) => PageTaskState<T>,
  options: { timeoutMs: number; intervalMs?: number; onProgress?: (filesSeen: number) => void },
): Promise<T> {
  const started = await evalInPage(startExpression);
  if (started !== 'started') throw new PageUnavailableError(`The inspected page refused the task (${JSON.stringify(started)?.slice(0, 100)}).`);
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 60));
    const state = parsePoll(await evalInPage(pollExpression));
    if (state.state === 'done') return state.result;
    if (state.state === 'failed') throw new PageUnavailableError(`The inspected page reported: ${state.error}`);
    if (state.state === 'missing') throw new PageUnavailableError('The inspected page navigated or reloaded during the operation.', true);
    options.onProgress?.(state.filesSeen);
    if (performance.now() > deadline) throw new TimeoutError(`The inspected page did not finish within ${Math.round(options.timeoutMs / 1000)} s.`);
  }
}

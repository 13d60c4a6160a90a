/**
 * The inspected page, reached through `chrome.devtools.inspectedWindow.eval`: it needs no
 * host permission, but does not await promises. So work is started in the page, keeps
 * its state on a page global, and is polled (only while that work runs) until done.
 * The page is untrusted: every answer goes through a validating parser.
 *
 * {@link pageProblem} is the one place that turns what DevTools and the page report
 * (E_FAILED "Permission denied", a SecurityError from `getDirectory()`, a replaced
 * `getDirectory()`…) into words for the user.
 */
import { TimeoutError } from '../src/errors';
import type { PageTaskFailure, PageTaskState } from '../src/opfs/scan-types';
import { LOG_SLICE, pollExpression, releaseExpression } from './page-expressions';
import { decodeEntryChunk } from '../src/opfs/page-answers';
import { yieldToBrowser } from './slicing';

/** True inside DevTools; false when the panel page is opened in a tab. */
export function hasInspectedWindow(): boolean {
  return typeof chrome !== 'undefined' && chrome.devtools?.inspectedWindow !== undefined;
}

/**
 * Why the page could not be read:
 * - `no-access`: DevTools refuses to run extension code in this page (chrome://, about:,
 *   data:, the Web Store…), so whatever storage it has is out of reach;
 * - `no-opfs`: the page has no Origin Private File System (opaque origin such as file://,
 *   not a secure context, storage blocked);
 * - `navigating`: the page was between documents; trying again may work;
 * - `page-broken`: the page's own code broke ours (it replaced `getDirectory()` or
 *   built-ins with something that throws or answers garbage), or our code failed in it;
 * - `gone`: the page navigated or reloaded while a task ran.
 */
export type PageProblem = 'no-access' | 'no-opfs' | 'navigating' | 'page-broken' | 'gone';

/** A page that cannot run our expression, or has no OPFS to read. The message is written for the user. */
export class PageUnavailableError extends Error {
  constructor(
    message: string,
    /** True when the page was between documents (navigating): trying again may work. */
    readonly transient = false,
    readonly problem: PageProblem = 'page-broken',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PageUnavailableError';
  }
}

/** What `inspectedWindow.eval` reports when it did not get a value. */
export interface EvalFailure {
  /** DevTools could not evaluate at all (E_FAILED: refused, or the page swapped documents). */
  isError?: boolean;
  /** Our expression threw in the page. */
  isException?: boolean;
  code?: string;
  description?: string;
  details?: unknown[];
  value?: unknown;
}

const NO_ACCESS_PAGES = 'DevTools does not let extensions run code in chrome://, about:, data: and Chrome Web Store pages';

/**
 * The user's words for what went wrong in the page, from either what `inspectedWindow.eval`
 * reported (`eval`), or the failed state of a page task (`task`). One place, so that every
 * page operation (scan, purge, read) says the same thing about the same cause.
 */
export function pageProblem(report: { eval: EvalFailure } | { task: PageTaskFailure }): PageUnavailableError {
  if ('eval' in report) {
    const info = report.eval;
    if (info.isException) {
      // The first line: DevTools appends the page's stack, which says nothing to the user.
      const detail = short(String(info.value ?? info.description ?? 'unknown error').split('\n')[0]);
      return new PageUnavailableError(`The inspected page broke the inspector's code (it may replace built-in functions): ${detail}`, false, 'page-broken', { cause: info });
    }
    const details = Array.isArray(info.details) ? info.details.map((d) => short(d)) : [];
    let detail = info.description ?? info.code ?? 'unknown error';
    for (const d of details) detail = detail.replace('%s', d);
    if (details.includes('Permission denied') || CANNOT_ACCESS.test(detail)) {
      return new PageUnavailableError(`This page has no Origin Private File System that the panel may read: ${NO_ACCESS_PAGES} (“${short(detail)}”).`, false, 'no-access', { cause: info });
    }
    // Seen while the page swaps documents during a navigation: worth another try.
    return new PageUnavailableError(`DevTools could not run code in the inspected page: ${short(detail)}`, true, 'navigating', { cause: info });
  }
  const failure = report.task;
  const error = failure.error;
  if (failure.stage === 'storage') {
    const where = failure.protocol === 'file:' ? 'file:// pages' : failure.protocol === 'data:' ? 'data: URLs' : 'pages of an opaque origin (file://, data:, sandboxed frames)';
    if (failure.origin === 'null' || failure.protocol === 'file:' || (error.startsWith('SecurityError') && failure.origin === undefined)) {
      return new PageUnavailableError(`This page has no Origin Private File System: its origin is opaque (“null”), and Chrome gives ${where} none (${short(error)}).`, false, 'no-opfs');
    }
    if (failure.secureContext === false) {
      return new PageUnavailableError(
        `This page has no Origin Private File System: ${failure.origin ?? 'its origin'} is not a secure context (OPFS exists only on https:// and http://localhost pages) (${short(error)}).`,
        false,
        'no-opfs',
      );
    }
    if (error.startsWith('SecurityError')) {
      return new PageUnavailableError(`This page may not use its Origin Private File System: Chrome blocks storage for ${failure.origin ?? 'this origin'} (${short(error)}).`, false, 'no-opfs');
    }
    return new PageUnavailableError(
      `The page's Origin Private File System could not be opened: navigator.storage.getDirectory() failed in the page (${short(error)}). The page may have replaced it with its own code.`,
      false,
      'page-broken',
    );
  }
  return new PageUnavailableError(`Reading the page's Origin Private File System failed: ${short(error)}`, false, 'page-broken');
}

/** What chrome.scripting and DevTools say about pages extensions may not touch. */
const CANNOT_ACCESS = /Cannot access (?:a |contents of )?(?:chrome|about|data|devtools|edge|chrome-extension|chrome-untrusted)[:\w/ -]*|Permission denied|The extensions gallery cannot be scripted/i;

function short(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Evaluates `expression` in the inspected page and resolves with its JSON value. */
export function evalInPage(expression: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`The inspected page did not answer within ${timeoutMs / 1000} s.`)), timeoutMs);
    chrome.devtools.inspectedWindow.eval(expression, (result: unknown, info?: chrome.devtools.inspectedWindow.EvaluationExceptionInfo) => {
      clearTimeout(timer);
      const failure = info as EvalFailure | undefined;
      if (failure && (failure.isError || failure.isException)) {
        reject(pageProblem({ eval: failure }));
        return;
      }
      resolve(result);
    });
  });
}

/** A running page task that has made no progress for this long has stalled. */
export const PAGE_TASK_STALL_MS = 60_000;

/**
 * The page went away (reload, navigation) while a task ran, after it had reported
 * `received` entries (each handed to `onEntries` as it came: whoever needs them keeps them).
 */
export class PageTaskInterruptedError extends PageUnavailableError {
  constructor(readonly received: number) {
    super('The inspected page navigated or reloaded during the operation.', true, 'gone');
    this.name = 'PageTaskInterruptedError';
  }
}

/** The panel stopped following a page task (a newer scan took over): the task was released from the page. */
export class PageTaskStoppedError extends Error {
  constructor() {
    super('The operation was superseded.');
    this.name = 'PageTaskStoppedError';
  }
}

export interface PageTaskOptions<E> {
  intervalMs?: number;
  /** Turns false when the panel no longer wants the task's result: the task is released from the page, and stops there. */
  wanted?: () => boolean;
  onProgress?: (filesSeen: number) => void;
  /** Entries the task logs as it goes (a purge's outcomes), as they arrive. */
  onEntries?: (entries: readonly E[]) => void;
  /** How long the task may go without progress before it counts as stalled. */
  stallMs?: number;
}

/**
 * Starts a page task and polls it until it is done, handing each entry it logs to
 * `onEntries` as it arrives. Polls only while the task runs (nothing runs in the page when
 * the panel is idle): at once again after a full slice of entries, else every
 * `intervalMs`. There is no deadline for a task that makes progress (a purge of 100,000
 * files may take minutes), and a poll the page is too busy to answer in time is tried
 * again (a page stat'ing 100,000 files can leave an evaluation waiting for seconds); a task
 * that makes no progress for `stallMs` fails. A task that fails, stalls or is no longer
 * wanted is released from the page, where it stops: no abandoned walk keeps the page busy.
 */
export async function runPageTask<T, E = never>(
  requestId: string,
  startExpression: string,
  parsePoll: (value: unknown) => PageTaskState<T, E>,
  options: PageTaskOptions<E> = {},
): Promise<T> {
  const started = await evalInPage(startExpression);
  if (isWrongOrigin(started)) {
    throw new PageUnavailableError(`The inspected page is now ${short(started.wrongOrigin)}, not the site whose files are listed: nothing was done there. Refresh to list its files.`, false, 'gone');
  }
  if (started !== 'started') throw new PageUnavailableError(`The inspected page refused the task (${short(started)}).`);
  try {
    return await followPageTask(requestId, parsePoll, options);
  } catch (error) {
    // Best effort: a page that is gone has nothing left to release.
    evalInPage(releaseExpression(requestId)).catch(() => undefined);
    throw error;
  }
}

/** The answer of a task bound to an origin, started in a page of another one (see runPageTask in src/inspected-page/task.ts). */
function isWrongOrigin(answer: unknown): answer is { wrongOrigin: string } {
  return typeof answer === 'object' && answer !== null && 'wrongOrigin' in answer && typeof answer.wrongOrigin === 'string';
}

async function followPageTask<T, E>(requestId: string, parsePoll: (value: unknown) => PageTaskState<T, E>, options: PageTaskOptions<E>): Promise<T> {
  const stallMs = options.stallMs ?? PAGE_TASK_STALL_MS;
  // A count, not the entries: a walk's 100,000 entries kept here as well as in its listing
  // would be that much more heap for the panel's collector to go through while it lists.
  let received = 0;
  let lastProgress = performance.now();
  let lastSeen = -1;
  let wait = options.intervalMs ?? 60;
  for (;;) {
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (options.wanted && !options.wanted()) throw new PageTaskStoppedError();
    let state: PageTaskState<T, E>;
    try {
      state = parsePoll(await decodeInSlices(await evalInPage(pollExpression(requestId, received))));
    } catch (error) {
      if (error instanceof TimeoutError && performance.now() - lastProgress <= stallMs) {
        // The page is busy (its own work, or ours): ask again.
        wait = 0;
        continue;
      }
      // The page went away between two polls: whatever it reported is what is known.
      if (error instanceof PageUnavailableError && error.transient && received > 0) throw new PageTaskInterruptedError(received);
      throw error;
    }
    if (state.state === 'failed') throw pageProblem({ task: state });
    if (state.state === 'missing') throw new PageTaskInterruptedError(received);
    if (state.entries.length > 0) {
      received += state.entries.length;
      options.onEntries?.(state.entries);
    }
    if (state.state === 'done') return state.result;
    if (state.filesSeen !== lastSeen || state.entries.length > 0) {
      lastSeen = state.filesSeen;
      lastProgress = performance.now();
    }
    options.onProgress?.(state.filesSeen);
    // More are waiting: fetch them at once.
    wait = state.more || state.entries.length >= LOG_SLICE ? 0 : (options.intervalMs ?? 60);
    if (performance.now() - lastProgress > stallMs) throw new TimeoutError(`The inspected page made no progress for ${Math.round(stallMs / 1000)} s.`);
  }
}

/**
 * A poll's answer with its entry texts parsed, one text per slice (a megabyte of entries
 * parsed at once would hold the panel's thread for tens of milliseconds). What is not such
 * an answer is returned as it is, for `parsePoll` to judge.
 */
async function decodeInSlices(value: unknown): Promise<unknown> {
  // Anything else (more texts than any answer has, too) is parsePoll's to refuse.
  if (typeof value !== 'object' || value === null || !('entryChunks' in value) || !Array.isArray(value.entryChunks) || value.entryChunks.length > 100_000) return value;
  const { entryChunks, ...rest } = value;
  const entries: unknown[] = [];
  for (let i = 0; i < entryChunks.length; i++) {
    if (i > 0) await yieldToBrowser();
    for (const entry of decodeEntryChunk(entryChunks[i], i)) entries.push(entry);
  }
  return { ...rest, entries };
}

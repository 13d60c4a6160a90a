/**
 * Keeps Firefox's event page alive while it is answering a request.
 *
 * Firefox suspends an event page once it has been idle for
 * `extensions.background.idle.timeout` (30 s), and a request that is still being answered
 * does not count as activity: measured in Firefox ESR 153 with the timeout at 3 s, a
 * `loadCsv` of 3.3 s failed with "Could not establish connection. Receiving end does not
 * exist." and DuckDB's worker died with the page. What Firefox does count is a call from
 * the page to an extension API implemented in the parent process (it resets the idle timer
 * with reason "parentapicall", see toolkit/components/extensions/ExtensionParent.sys.mjs).
 * So while at least one request is in flight, the page makes one such cheap call every
 * {@link KEEP_ALIVE_INTERVAL_MS}; with no request in flight it makes none and Firefox may
 * suspend it as usual (w3c/webextensions#416 proposes `runtime.waitUntil` for exactly this).
 */
import type { Handlers } from '../src/messaging';

/** Well below Firefox's default idle timeout (30 s), and below the 3 s the tests use. */
export const KEEP_ALIVE_INTERVAL_MS = 1_000;

/**
 * Wraps every handler so that `ping` runs every `intervalMs` while any of them is running.
 * Errors of `ping` are logged, never thrown into a request.
 */
export function keepAliveWhileBusy<Api>(
  handlers: Handlers<Api>,
  ping: () => Promise<unknown>,
  intervalMs: number = KEEP_ALIVE_INTERVAL_MS,
): Handlers<Api> {
  let inFlight = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const begin = () => {
    inFlight += 1;
    timer ??= setInterval(() => {
      ping().catch((error: unknown) => console.warn('keep-alive call failed', error));
    }, intervalMs);
  };
  const end = () => {
    inFlight -= 1;
    if (inFlight === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const wrapped: Record<string, (request: unknown) => Promise<unknown>> = {};
  for (const [type, handler] of Object.entries(handlers as Record<string, (request: unknown) => Promise<unknown>>)) {
    wrapped[type] = async (request) => {
      begin();
      try {
        return await handler(request);
      } finally {
        end();
      }
    };
  }
  return wrapped as Handlers<Api>;
}

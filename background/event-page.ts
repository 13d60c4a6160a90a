/**
 * Firefox's background: an event page. Unlike Chrome's service worker it has a DOM and
 * can start Workers, and Firefox has no offscreen documents, so it hosts the engine itself
 * and answers the whole {@link BackgroundApi}: the panel sends the same messages to the
 * same target ('background') in both browsers. Registered at the top level, before any
 * `await`, so the message that wakes a suspended event page is not missed.
 *
 * Firefox suspends the page after 30 s without requests, and DuckDB's worker (with its
 * tables and memory) goes with it; the next request starts a fresh engine. While a request
 * runs, {@link keepAliveWhileBusy} stops Firefox from suspending the page under it.
 */
import browser from 'webextension-polyfill';
import type { BackgroundApi } from '../src/protocol';
import { serve } from '../src/messaging';
import { engineHandlers, startEngine } from '../src/engine/engine';
import { backgroundOwnHandlers } from './badge';
import { keepAliveWhileBusy } from './keep-alive';

serve<BackgroundApi>(
  'background',
  // getPlatformInfo: the cheapest API call that Firefox answers in its parent process.
  keepAliveWhileBusy<BackgroundApi>({ ...engineHandlers, ...backgroundOwnHandlers }, () => browser.runtime.getPlatformInfo()),
);
// Like the offscreen document: clear what an earlier engine left half-done. In Firefox this
// runs at every wake-up, queued before the request that woke the page.
void startEngine();

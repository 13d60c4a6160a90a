/**
 * Typed senders and handlers over `runtime.sendMessage`, derived from the API maps in
 * `src/protocol.ts`. Every call has a time-out; every request gets a reply.
 */
import browser from 'webextension-polyfill';
import {
  CHANNEL,
  REQUEST_TIMEOUT_MS,
  RemoteError,
  isEvent,
  isReply,
  isRequestFor,
  toWireError,
  type BackgroundApi,
  type EventEnvelope,
  type EventMap,
  type Reply,
  type RequestEnvelope,
  type RequestOf,
  type ResponseOf,
  type Target,
} from './protocol';
import { withTimeout } from './errors';

/** Nobody took the request: the addressed context does not exist or is not listening (yet). */
export class NoReceiverError extends Error {
  constructor(target: Target, type: string, cause?: unknown) {
    super(`No ${target} received "${type}".`, { cause });
    this.name = 'NoReceiverError';
  }
}

/**
 * Requests are taken only from this extension's own pages and workers: not from other
 * extensions (`onMessageExternal` is never listened to) and not from content scripts,
 * which run in web pages (this extension has none, but a request from one is refused).
 */
export function fromOwnExtensionPage(sender: { id?: string; url?: string }): boolean {
  return sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(browser.runtime.getURL(''));
}

/** The handlers a context must provide: one per request type, with the declared shapes. */
export type Handlers<Api> = {
  [K in keyof Api]: (request: RequestOf<Api, K>) => Promise<ResponseOf<Api, K>>;
};

let nextId = 0;
function newRequestId(): string {
  nextId += 1;
  return `${Date.now().toString(36)}-${nextId}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Sends one request to `target` and resolves with its typed response, or rejects with
 * the remote error, a connection error, or a TimeoutError (see errors.ts).
 */
export async function sendRequest<Api, K extends keyof Api & string>(
  target: Target,
  type: K,
  request: RequestOf<Api, K>,
  timeoutMs: number,
): Promise<ResponseOf<Api, K>> {
  const envelope: RequestEnvelope<Api, K> = { channel: CHANNEL, target, type, id: newRequestId(), request };
  let reply: unknown;
  try {
    reply = await withTimeout(
      browser.runtime.sendMessage(envelope),
      timeoutMs,
      `No answer to "${type}" from the ${target} within ${Math.round(timeoutMs / 1000)} s.`,
    );
  } catch (error) {
    if (String(error).includes('Receiving end does not exist')) throw new NoReceiverError(target, type, error);
    throw error;
  }
  // Every handler of ours replies; no reply means no context handled it (none was listening yet, or any more).
  if (reply === undefined) throw new NoReceiverError(target, type);
  if (!isReply(reply)) throw new Error(`The ${target} gave no valid answer to "${type}".`);
  if (!reply.ok) throw new RemoteError(reply.error);
  return reply.value as ResponseOf<Api, K>;
}

/** A typed client for the background: what the panel (and tests, via raw messages) use. */
export function backgroundClient() {
  return {
    call<K extends keyof BackgroundApi & string>(
      type: K,
      request: RequestOf<BackgroundApi, K>,
      timeoutMs: number = REQUEST_TIMEOUT_MS[type],
    ): Promise<ResponseOf<BackgroundApi, K>> {
      return sendRequest<BackgroundApi, K>('background', type, request, timeoutMs);
    },
  };
}

/**
 * Serves requests addressed to `target`. Registered synchronously at the top level of a
 * context, before any `await`, so a message that wakes the context is not missed.
 * Requests from outside this extension are ignored.
 */
export function serve<Api>(target: Target, handlers: Handlers<Api>, fallback?: (envelope: RequestEnvelope<Record<string, unknown>, string>) => Promise<unknown> | undefined): void {
  browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
    if (!isRequestFor(message, target)) return undefined;
    if (!fromOwnExtensionPage(sender)) return undefined;
    const handler = (handlers as Record<string, ((request: unknown) => Promise<unknown>) | undefined>)[message.type];
    if (handler) return settle(handler(message.request));
    const forwarded = fallback?.(message);
    if (forwarded) return forwarded;
    return Promise.resolve<Reply<never>>({
      ok: false,
      error: { name: 'UnknownRequest', message: `The ${target} does not handle "${message.type}".` },
    });
  });
}

async function settle(work: Promise<unknown>): Promise<Reply<unknown>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

/** Pushes an event to every listening extension page. Nobody listening is not an error. */
export function emitEvent<K extends keyof EventMap>(event: K, payload: EventMap[K]): void {
  const envelope: EventEnvelope<K> = { channel: CHANNEL, target: 'panel', event, payload };
  browser.runtime.sendMessage(envelope).catch((error: unknown) => {
    // "Receiving end does not exist" just means no panel is open right now.
    if (!String(error).includes('Receiving end does not exist')) console.warn('event not delivered', error);
  });
}

/** Subscribes to pushed events; returns the unsubscribe function. */
export function onEvent<K extends keyof EventMap>(event: K, listener: (payload: EventMap[K]) => void): () => void {
  const wrapped = (message: unknown) => {
    if (isEvent(message) && message.event === event) listener(message.payload);
    return undefined;
  };
  browser.runtime.onMessage.addListener(wrapped);
  return () => browser.runtime.onMessage.removeListener(wrapped);
}

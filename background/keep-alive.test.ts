import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepAliveWhileBusy } from './keep-alive';

interface TestApi {
  slow: { request: { ms: number }; response: string };
  fails: { request: Record<string, never>; response: never };
}

describe('keepAliveWhileBusy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const make = (ping: () => Promise<unknown>) =>
    keepAliveWhileBusy<TestApi>(
      {
        async slow({ ms }) {
          await sleep(ms);
          return 'done';
        },
        async fails() {
          await sleep(1500);
          throw new Error('boom');
        },
      },
      ping,
      1000,
    );

  it('pings every interval while a request runs, and never when idle', async () => {
    const ping = vi.fn(async () => undefined);
    const handlers = make(ping);
    await vi.advanceTimersByTimeAsync(5000);
    expect(ping).not.toHaveBeenCalled();
    const answer = handlers.slow({ ms: 3500 });
    await vi.advanceTimersByTimeAsync(3500);
    await expect(answer).resolves.toBe('done');
    expect(ping).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(ping).toHaveBeenCalledTimes(3);
  });

  it('keeps one timer for overlapping requests and stops it after the last, also when one fails', async () => {
    const ping = vi.fn(async () => undefined);
    const handlers = make(ping);
    const failing = handlers.fails({}).catch((error: unknown) => error);
    const slow = handlers.slow({ ms: 4000 });
    await vi.advanceTimersByTimeAsync(4000);
    expect(await failing).toEqual(new Error('boom'));
    await expect(slow).resolves.toBe('done');
    expect(ping).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(3000);
    expect(ping).toHaveBeenCalledTimes(4);
  });

  it('does not let a failing ping fail the request', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const handlers = make(async () => {
      throw new Error('no API');
    });
    const answer = handlers.slow({ ms: 2500 });
    await vi.advanceTimersByTimeAsync(2500);
    await expect(answer).resolves.toBe('done');
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});

import { describe, expect, it } from 'vitest';
import { CHANNEL, RemoteError, isEvent, isReply, isRequestFor, toWireError } from './protocol';
import { TimeoutError, UserFacingError, withTimeout } from './errors';

describe('protocol envelopes', () => {
  const envelope = { channel: CHANNEL, target: 'offscreen', type: 'ping', id: '1', request: {} };

  it('accepts only our envelopes addressed to the given context', () => {
    expect(isRequestFor(envelope, 'offscreen')).toBe(true);
    expect(isRequestFor(envelope, 'background')).toBe(false);
    expect(isRequestFor({ ...envelope, channel: 'someone-else' }, 'offscreen')).toBe(false);
    expect(isRequestFor({ ...envelope, type: 3 }, 'offscreen')).toBe(false);
    expect(isRequestFor(null, 'offscreen')).toBe(false);
    expect(isRequestFor('ping', 'offscreen')).toBe(false);
  });

  it('recognises events and well-formed replies only', () => {
    expect(isEvent({ channel: CHANNEL, target: 'panel', event: 'progress', payload: {} })).toBe(true);
    expect(isEvent({ channel: CHANNEL, target: 'offscreen', event: 'progress' })).toBe(false);
    expect(isReply({ ok: true, value: 1 })).toBe(true);
    expect(isReply({ ok: true })).toBe(false);
    expect(isReply({ ok: false, error: { name: 'E', message: 'm' } })).toBe(true);
    expect(isReply({ ok: false, error: 'm' })).toBe(false);
    expect(isReply(undefined)).toBe(false);
    expect(isReply({})).toBe(false);
  });
});

describe('errors across contexts', () => {
  it('keep their name and append the cause chain to the message', () => {
    const cause = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const error = new UserFacingError('StorageFullError', 'Not enough storage.', { cause });
    expect(toWireError(error)).toEqual({ name: 'StorageFullError', message: 'Not enough storage. (cause: The quota has been exceeded.)' });
    expect(toWireError('plain')).toEqual({ name: 'Error', message: 'plain' });
    const remote = new RemoteError({ name: 'CsvError', message: 'bad' });
    expect(remote).toBeInstanceOf(Error);
    expect(remote.name).toBe('CsvError');
  });

  it('time out instead of hanging', async () => {
    await expect(withTimeout(new Promise(() => undefined), 10, 'too slow')).rejects.toThrow(TimeoutError);
    await expect(withTimeout(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
  });
});

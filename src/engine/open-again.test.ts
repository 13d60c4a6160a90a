import { describe, expect, it } from 'vitest';
import { openAnswered } from './open-again';

/** A handle that records whether it was closed. */
const handle = (name: string) => ({ name, closed: false, close() { this.closed = true; } });
type Handle = ReturnType<typeof handle>;
const after = <T>(ms: number, value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), ms));
const never = () => new Promise<Handle>(() => undefined);

describe('openAnswered', () => {
  it('uses an open answered in time, and opens only once', async () => {
    for (const delay of [0, 5, 30]) {
      let opens = 0;
      const first = handle('first');
      const got = await openAnswered(() => (opens++, after(delay, () => first)), 50);
      expect(got, `after ${delay} ms`).toBe(first);
      expect(opens).toBe(1);
      expect(first.closed).toBe(false);
    }
  });

  it('passes on an open that fails in time, without asking again', async () => {
    let opens = 0;
    const refused = Object.assign(new Error('held'), { name: 'NoModificationAllowedError' });
    await expect(openAnswered(() => (opens++, Promise.reject(refused)), 50)).rejects.toBe(refused);
    expect(opens).toBe(1);
  });

  it('asks again when the open is never answered, and uses the second answer', async () => {
    const second = handle('second');
    const answers = [never, () => after(5, () => second)];
    const got = await openAnswered(() => answers.shift()!(), 20);
    expect(got).toBe(second);
    expect(second.closed).toBe(false);
  });

  it('closes a first answer that comes after the second, so that no lock is left held', async () => {
    const first = handle('first');
    const second = handle('second');
    const answers = [() => after(60, () => first), () => after(5, () => second)];
    expect(await openAnswered(() => answers.shift()!(), 20)).toBe(second);
    await after(80, () => undefined);
    expect(first.closed).toBe(true);
    expect(second.closed).toBe(false);
  });

  it("says the second open's error when it fails, and still closes a late first answer", async () => {
    const first = handle('first');
    const refused = Object.assign(new Error('held'), { name: 'NoModificationAllowedError' });
    const answers = [() => after(60, () => first), () => Promise.reject(refused)];
    await expect(openAnswered(() => answers.shift()!(), 20)).rejects.toBe(refused);
    await after(80, () => undefined);
    expect(first.closed).toBe(true);
  });
});

/**
 * Typed errors with a message a user can act on. The technical cause stays attached
 * as `cause` (and is appended to the message when the error crosses contexts).
 */
export class UserFacingError extends Error {
  /** The message already says, in plain words, what the cause says: do not append it. */
  readonly explainsCause: boolean;

  constructor(name: string, message: string, options?: { cause?: unknown; explainsCause?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.explainsCause = options?.explainsCause ?? false;
  }
}

/** A promise that did not settle in time: it never hangs a caller forever. */
export class TimeoutError extends UserFacingError {
  constructor(message: string) {
    super('TimeoutError', message);
  }
}

/** An operation stopped because the user (or a failure elsewhere) asked it to. */
export class CancelledError extends UserFacingError {
  constructor(message = 'The operation was cancelled.') {
    super('CancelledError', message);
  }
}

/**
 * A promise that rejects with `signal`'s reason once it aborts, then calls `onAbort`; it
 * never settles otherwise, and its rejection is never reported as unhandled. `stop()` stops
 * listening. Raced against work that cannot be interrupted, it lets the caller give it up.
 */
export function rejectWhenAborted(signal: AbortSignal | undefined, onAbort?: () => void): { aborted: Promise<never>; stop: () => void } {
  let listener!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      reject(signal!.reason as Error);
      onAbort?.();
    };
  });
  aborted.catch(() => undefined);
  signal?.addEventListener('abort', listener, { once: true });
  return { aborted, stop: () => signal?.removeEventListener('abort', listener) };
}

/** Rejects with a {@link TimeoutError} if `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Best-effort name of a DOMException or Error, for branching on storage failures. */
export function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : '';
}

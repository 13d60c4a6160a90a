/** Waiting for a condition in a browser that offers no event for it. */

/**
 * Calls `probe` every 100 ms until it returns a value (errors count as "not yet": the
 * document may be being replaced), or fails after `timeoutMs` saying what it waited for.
 */
export async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, hint = ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.${lastError ? ` Last error: ${String(lastError)}` : ''}${hint ? ` ${hint}` : ''}`);
}

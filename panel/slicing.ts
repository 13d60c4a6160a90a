/**
 * Keeping the panel's main thread free: heavy work (thousands of entries from the page,
 * classifying them, judging folders) runs in slices of a few milliseconds, yielding to the
 * browser between slices, so that no task blocks input or rendering for long.
 */

/** How long one slice of work may run before it yields (well below a 50 ms long task). */
export const SLICE_BUDGET_MS = 8;

/** Yields to the event loop: `scheduler.yield()` where the browser has it, else a message-channel round trip (not clamped like setTimeout). */
export function yieldToBrowser(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** Calls `work` on each item, yielding to the browser whenever a slice has run {@link SLICE_BUDGET_MS}. */
export async function forEachInSlices<T>(items: readonly T[], work: (item: T) => void, budgetMs = SLICE_BUDGET_MS): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    work(items[i]);
    // Every item: one can cost a millisecond (a Parquet footer parsed), and 64 of them a long task.
    if (performance.now() - sliceStart > budgetMs) {
      await yieldToBrowser();
      sliceStart = performance.now();
    }
  }
}

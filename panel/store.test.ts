/**
 * The store's rule for listings on screen: a scan puts its listing there; an update in place
 * (a live change, a purge's or a delete's update) shows the listing it updated anew only
 * while that listing is the one on screen — one still running when a newer scan began must
 * not put the older listing back.
 */
import { describe, expect, test } from 'vitest';
import { createStore, reduce } from './store';
import { Listing } from './listing';
import { seededRandom } from '../tests/support/random';
import type { SourceKind } from './sources';

describe('listings on screen', () => {
  test.each(Array.from({ length: 40 }, (_, seed) => seed))('seed %i: an update of a listing a newer scan replaced changes nothing on screen', (seed) => {
    const random = seededRandom(seed + 1);
    const store = createStore('page');
    const listings: Listing[] = [];
    const shown: Record<SourceKind, Listing | 'failed' | null> = { page: null, extension: null };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    for (let step = 0; step < 60; step++) {
      const source = pick<SourceKind>(['page', 'extension']);
      const roll = random();
      let updatedOnScreen = false;
      if (roll < 0.25 || listings.length === 0) {
        const listing = new Listing();
        listings.push(listing);
        reduce(store, { type: 'scan-started', source, listing });
        shown[source] = listing;
      } else if (roll < 0.3) {
        reduce(store, { type: 'scan-failed', source, error: 'the page went away' });
        shown[source] = 'failed';
      } else {
        // Any listing, older ones included: its rows changed (its version moves on), then it asks to be shown.
        const listing = pick(listings);
        listing.addWalkEntries([['f', `file-${step}.bin`, step, 0]]);
        reduce(store, { type: 'listing-changed', source, listing });
        updatedOnScreen = shown[source] === listing;
      }
      for (const kind of ['page', 'extension'] as const) {
        const state = store.scans[kind].value;
        const expected = shown[kind];
        if (expected === null) expect(state.kind, `step ${step}, ${kind}`).toBe('idle');
        else if (expected === 'failed') expect(state.kind, `step ${step}, ${kind}`).toBe('failed');
        else {
          expect(state.kind === 'listing' && state.listing, `step ${step}, ${kind}`).toBe(expected);
          // The one on screen is shown with its latest rows.
          if (state.kind === 'listing' && kind === source && updatedOnScreen) expect(state.version, `step ${step}`).toBe(expected.version);
        }
      }
    }
  });
});

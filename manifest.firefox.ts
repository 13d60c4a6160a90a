/**
 * Firefox's manifest, derived from the one manifest.json so the two cannot drift: only
 * what differs between the browsers is spelled out here.
 *
 * - background: Firefox MV3 has no extension service workers; an event page (background
 *   `scripts`, which Firefox loads into a generated page) hosts DuckDB-WASM instead of
 *   Chrome's offscreen document, so the `offscreen` permission goes.
 * - browser_specific_settings.gecko: the add-on id (needed for storage and for signing)
 *   and the declaration that it collects no data (required on addons.mozilla.org for new
 *   add-ons; understood from Firefox 140).
 * - minimum_chrome_version means nothing to Firefox (it warns about unknown keys).
 */
import chromeManifest from './manifest.json' with { type: 'json' };

/** The add-on id. Change it (once, before the first signed release) if you publish a fork. */
export const GECKO_ID = 'opfs-snapshot-inspector@opfs-snapshot-inspector';

/** Firefox 140 ESR: `data_collection_permissions`; everything else used is older (see docs/FIREFOX.md). */
export const GECKO_MIN_VERSION = '140.0';

const { minimum_chrome_version: _chromeOnly, background: _serviceWorker, permissions, ...shared } = chromeManifest;

export const firefoxManifest = {
  ...shared,
  background: {
    // crxjs (browser: 'firefox') bundles this and loads it as a module from a loader script.
    scripts: ['background/event-page.ts'],
    type: 'module' as const,
  },
  permissions: permissions.filter((permission) => permission !== 'offscreen'),
  browser_specific_settings: {
    gecko: {
      id: GECKO_ID,
      strict_min_version: GECKO_MIN_VERSION,
      data_collection_permissions: { required: ['none' as const] },
    },
  },
};

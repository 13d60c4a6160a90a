/**
 * What `npm run build:firefox` produces: dist-firefox/ with Firefox's manifest, and a zip
 * of it that Firefox installs and runs (the form addons.mozilla.org takes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIREFOX_ZIP } from '../../scripts/build-firefox';
import { bidi, FIREFOX_DIST_DIR, launchFirefoxWithExtension, type LaunchedFirefox } from '../../scripts/firefox';
import { directoryEntries } from '../../scripts/zip';
import { GECKO_ID } from '../../manifest.firefox.ts';
import chromeManifest from '../../manifest.json' with { type: 'json' };
import { call } from '../support/extension-page';
import { readZip } from '../support/zip-reader';
import { openFirefoxExtensionPage, skipWithoutFirefox } from './support';

interface BuiltManifest {
  manifest_version: number;
  version: string;
  background: { scripts?: string[]; service_worker?: string; type?: string };
  permissions: string[];
  devtools_page: string;
  content_security_policy: { extension_pages: string };
  browser_specific_settings: { gecko: { id: string; strict_min_version: string } };
}

const built = (): BuiltManifest => JSON.parse(readFileSync(join(FIREFOX_DIST_DIR, 'manifest.json'), 'utf8')) as BuiltManifest;

describe('the Firefox package', () => {
  it("has Firefox's manifest: an event page instead of a service worker, no offscreen permission, the gecko id, the same CSP", () => {
    const manifest = built();
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.version).toBe(chromeManifest.version);
    expect(manifest.background.service_worker).toBeUndefined();
    expect(manifest.background.scripts).toHaveLength(1);
    expect(manifest.permissions).toEqual(['unlimitedStorage']);
    expect(manifest.browser_specific_settings.gecko.id).toBe(GECKO_ID);
    expect(manifest.content_security_policy).toEqual(chromeManifest.content_security_policy);
    expect(manifest).not.toHaveProperty('minimum_chrome_version');
    for (const file of [manifest.devtools_page, 'panel/panel.html', ...manifest.background.scripts!]) expect(existsSync(join(FIREFOX_DIST_DIR, file)), file).toBe(true);
    // Same source tree: the panel page is built from the same panel/ sources as for Chrome.
    expect(readFileSync(join(FIREFOX_DIST_DIR, 'panel/panel.html'), 'utf8')).toMatch(/assets\/panel-[\w-]+\.js/);
  });

  it('zips exactly the files of dist-firefox/, byte for byte, with manifest.json at the root', () => {
    const zipped = readZip(readFileSync(FIREFOX_ZIP));
    const files = directoryEntries(FIREFOX_DIST_DIR);
    expect(zipped.map((e) => e.path).sort()).toEqual(files.map((f) => f.path).sort());
    for (const file of files) expect(zipped.find((e) => e.path === file.path)?.data.equals(file.data), file.path).toBe(true);
    expect(zipped.map((e) => e.path)).toContain('manifest.json');
  });

  describe.skipIf(skipWithoutFirefox())('installed from the zip', () => {
    let firefox: LaunchedFirefox;
    beforeAll(async () => {
      firefox = await launchFirefoxWithExtension({ install: false });
    });
    afterAll(async () => firefox?.close());

    it('installs in Firefox as a temporary add-on and its engine answers', async () => {
      const { extension } = await bidi<{ extension: string }>(firefox.browser, 'webExtension.install', { extensionData: { type: 'archivePath', path: FIREFOX_ZIP } });
      expect(extension).toBe(GECKO_ID);
      const page = await openFirefoxExtensionPage(firefox);
      expect((await call(page, 'ping', {})).duckdbVersion).toMatch(/^v?1\./);
    });
  });
});

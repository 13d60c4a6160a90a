/**
 * What `npm run build:firefox` produces: dist-firefox/ with Firefox's manifest, and a zip
 * of it that Firefox installs and runs (the form addons.mozilla.org takes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { FIREFOX_ZIP, directoryFiles, lintFirefox } from '../../scripts/package';
import { bidi, FIREFOX_DIST_DIR, launchFirefoxWithExtension, type LaunchedFirefox } from '../support/firefox';
import { GECKO_ID } from '../../manifest.firefox.ts';
import chromeManifest from '../../manifest.json' with { type: 'json' };
import { call } from '../support/extension-page';
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
    const zipped = unzipSync(readFileSync(FIREFOX_ZIP));
    const files = directoryFiles(FIREFOX_DIST_DIR);
    expect(Object.keys(zipped).sort()).toEqual([...files.keys()].sort());
    for (const [path, data] of files) expect(Buffer.from(zipped[path]).equals(Buffer.from(data)), path).toBe(true);
    expect(Object.keys(zipped)).toContain('manifest.json');
  });

  it("passes Mozilla's add-on linter (web-ext lint) without errors", async () => {
    const report = await lintFirefox();
    expect(report.errors).toEqual([]);
  }, 120_000);

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

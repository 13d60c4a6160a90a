/**
 * Finding and launching Firefox with the Firefox build (dist-firefox/) installed as a
 * temporary add-on, driven by puppeteer over WebDriver BiDi. Order for the browser: an
 * explicit path (FIREFOX_PATH), the system's Firefox (Debian's firefox-esr first), then a
 * Firefox that puppeteer downloaded on a connected machine.
 *
 * Two Firefox facts shape this file (measured with Firefox ESR 153):
 * - A moz-extension:// page's host is a UUID that Firefox draws at random per profile.
 *   The pref `extensions.webextensions.uuids` (add-on id → UUID, read at install) fixes it,
 *   so tests know the extension's origin before installing it.
 * - WebDriver BiDi refuses to navigate a tab to moz-extension:// ("not allowed in this
 *   context") unless Firefox runs with `-remote-allow-system-access`; with it, the
 *   navigation is allowed but `browsingContext.navigate` never reports it done (the tab
 *   changes process), so {@link openExtensionTab} navigates without waiting and polls.
 *   The same flag gives scripts access to Firefox's own windows ("chrome" scope), which
 *   tests/support/firefox-devtools.ts needs to open DevTools.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { GECKO_ID } from '../../manifest.firefox.ts';
import { FIREFOX_DIST_DIR } from '../../scripts/package';
import { poll } from './poll';
import { testProfileParent } from './profiles';

export { FIREFOX_DIST_DIR };

/** The moz-extension:// host the tests give the add-on (any UUID works; this one is fixed). */
export const TEST_EXTENSION_UUID = '6f1f3a52-7c1e-4d8a-9b0e-5a2c4e7d9f10';

const SYSTEM_FIREFOXES = [
  '/usr/bin/firefox-esr',
  '/usr/bin/firefox',
  '/Applications/Firefox.app/Contents/MacOS/firefox',
];

export function findFirefox(): string {
  const explicit = process.env.FIREFOX_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`FIREFOX_PATH points to ${explicit}, which does not exist.`);
    return explicit;
  }
  const system = SYSTEM_FIREFOXES.find((path) => existsSync(path));
  if (system) return system;
  const cache = join(homedir(), '.cache', 'puppeteer', 'firefox');
  if (existsSync(cache)) {
    for (const version of readdirSync(cache).sort().reverse()) {
      for (const binary of ['firefox/firefox', 'Firefox.app/Contents/MacOS/firefox']) {
        const path = join(cache, version, binary);
        if (existsSync(path)) return path;
      }
    }
  }
  throw new Error('No Firefox found. Install one (Debian: apt-get install -y firefox-esr) or set FIREFOX_PATH.');
}

/** True when {@link findFirefox} would find a browser (tests skip with a clear reason otherwise). */
export function hasFirefox(): boolean {
  try {
    findFirefox();
    return true;
  } catch {
    return false;
  }
}

export interface LaunchedFirefox {
  browser: Browser;
  /** The add-on id (`browser_specific_settings.gecko.id`). */
  extensionId: string;
  /** `moz-extension://<uuid>`: the extension's origin, where its pages and its OPFS live. */
  origin: string;
  close(): Promise<void>;
}

export interface FirefoxLaunchOptions {
  headless?: boolean;
  /** Extra preferences, e.g. `extensions.background.idle.timeout` to test event-page suspension. */
  prefs?: Record<string, string | number | boolean>;
  /** Install dist-firefox/ (default). False: the caller installs something itself, e.g. the zip. */
  install?: boolean;
}

/** Launches Firefox (headless unless told otherwise) and installs dist-firefox/ as a temporary add-on. */
export async function launchFirefoxWithExtension(options: FirefoxLaunchOptions = {}): Promise<LaunchedFirefox> {
  if (options.install !== false && !existsSync(join(FIREFOX_DIST_DIR, 'manifest.json'))) {
    throw new Error(`No Firefox build in ${FIREFOX_DIST_DIR}: run "npm run build:firefox" first.`);
  }
  const profile = mkdtempSync(join(testProfileParent(), 'opfs-inspector-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    userDataDir: profile,
    protocol: 'webDriverBiDi',
    executablePath: findFirefox(),
    headless: options.headless ?? true,
    // See the file comment: needed to open moz-extension:// tabs and DevTools from a test.
    args: ['-remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: TEST_EXTENSION_UUID }),
      // Keep this closed network quiet: no captive-portal or connectivity probes.
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      ...options.prefs,
    },
    protocolTimeout: 600_000,
  });
  try {
    if (options.install !== false) {
      const extensionId = await browser.installExtension(FIREFOX_DIST_DIR);
      if (extensionId !== GECKO_ID) throw new Error(`Installed add-on has id ${extensionId}, expected ${GECKO_ID}.`);
    }
    return {
      browser,
      extensionId: GECKO_ID,
      origin: `moz-extension://${TEST_EXTENSION_UUID}`,
      async close() {
        await browser.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** A raw WebDriver BiDi command, for what puppeteer does not wrap. */
export async function bidi<T = unknown>(browser: Browser, method: string, params: object): Promise<T> {
  const connection = (browser as unknown as { connection?: { send(method: string, params: object): Promise<{ result: T }> } }).connection;
  if (!connection) throw new Error('Not a WebDriver BiDi session: launch Firefox through launchFirefoxWithExtension().');
  return (await connection.send(method, params)).result;
}

/** The BiDi browsing-context id of a page (puppeteer's frame keeps it as `_id`). */
export function contextIdOf(page: Page): string {
  const id = (page.mainFrame() as unknown as { _id?: unknown })._id;
  if (typeof id !== 'string') throw new Error('This puppeteer version does not expose the BiDi context id of a frame.');
  return id;
}


/**
 * Opens `path` of the extension (e.g. `panel/panel.html`) in a new tab and resolves once
 * its document has loaded. puppeteer's `page.url()` may keep saying about:blank for such a
 * tab; `page.evaluate` and selectors work on the extension page.
 */
export async function openExtensionTab(firefox: LaunchedFirefox, path: string, timeoutMs = 30_000): Promise<Page> {
  const page = await firefox.browser.newPage();
  const url = `${firefox.origin}/${path}`;
  await bidi(firefox.browser, 'browsingContext.navigate', { context: contextIdOf(page), url, wait: 'none' });
  await poll(`${url} to load`, timeoutMs, async () =>
    (await page.evaluate(() => (document.readyState === 'complete' ? location.href : ''))) === url ? true : undefined,
  );
  return page;
}

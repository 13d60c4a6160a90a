/**
 * Finding and launching Chromium with the built extension, for tests, `npm start` and
 * benchmarks. Order: an explicit path (CHROME_PATH / PUPPETEER_EXECUTABLE_PATH), the
 * system's Chromium or Chrome, then a browser puppeteer downloaded on a connected machine.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type LaunchOptions as PuppeteerLaunchOptions } from 'puppeteer-core';
import { testProfileParent } from './profiles';

export const DIST_DIR = resolve(import.meta.dirname, '..', '..', 'dist');

const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export function findChromium(): string {
  for (const variable of ['CHROME_PATH', 'PUPPETEER_EXECUTABLE_PATH']) {
    const path = process.env[variable];
    if (path) {
      if (!existsSync(path)) throw new Error(`${variable} points to ${path}, which does not exist.`);
      return path;
    }
  }
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (system) return system;
  const cache = join(homedir(), '.cache', 'puppeteer', 'chrome');
  if (existsSync(cache)) {
    for (const version of readdirSync(cache).sort().reverse()) {
      for (const binary of ['chrome-linux64/chrome', 'chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing']) {
        const path = join(cache, version, binary);
        if (existsSync(path)) return path;
      }
    }
  }
  throw new Error('No Chromium found. Install one (Debian: apt-get install -y chromium) or set CHROME_PATH.');
}

/** Flags that keep Chromium from waiting on a closed network, and run it as root. */
export const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface LaunchedBrowser {
  browser: Browser;
  extensionId: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  headless?: boolean;
  devtools?: boolean;
  extraArgs?: string[];
  /** The extension folder to load (default: dist/). */
  extensionDir?: string;
  /** A profile to reuse (kept on close); by default a fresh one, removed on close. */
  userDataDir?: string;
}

/** Launches Chromium (headless unless told otherwise) and installs the built extension from `dist/`. */
export async function launchWithExtension(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const extensionDir = options.extensionDir ?? DIST_DIR;
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`No built extension in ${extensionDir}: run "npm run build" first.`);
  const ownProfile = options.userDataDir === undefined;
  const userDataDir = options.userDataDir ?? mkdtempSync(join(testProfileParent(), 'opfs-inspector-profile-'));
  // With a reused profile the extension is loaded by flag, so that it is there again (same
  // id, derived from the folder) when the same profile is launched anew.
  const byFlag = !ownProfile;
  const launchOptions: PuppeteerLaunchOptions = {
    executablePath: findChromium(),
    headless: options.headless ?? true,
    devtools: options.devtools ?? false,
    pipe: true,
    enableExtensions: true,
    userDataDir,
    args: [...QUIET_FLAGS, ...(byFlag ? [`--load-extension=${extensionDir}`, `--disable-extensions-except=${extensionDir}`] : []), ...(options.extraArgs ?? [])],
    ...(byFlag ? { ignoreDefaultArgs: ['--disable-extensions'] } : {}),
    protocolTimeout: 600_000,
  };
  const browser = await puppeteer.launch(launchOptions);
  try {
    const extensionId = byFlag ? await extensionIdOf(browser) : await browser.installExtension(extensionDir);
    return {
      browser,
      extensionId,
      async close() {
        await browser.close().catch((error: unknown) => console.warn('closing Chromium failed', error));
        if (ownProfile) rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** The id of the extension loaded by flag, from its service worker's URL. */
async function extensionIdOf(browser: Browser): Promise<string> {
  const target = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'), { timeout: 30_000 });
  return new URL(target.url()).host;
}

/**
 * Firefox counterparts of tests/support/extension-page.ts: the same helpers work on a
 * Firefox extension tab (Firefox's `chrome.runtime.sendMessage` returns a promise too),
 * only opening the tab differs (see tests/support/firefox.ts).
 */
import type { Page } from 'puppeteer-core';
import { hasFirefox, openExtensionTab, type LaunchedFirefox } from '../support/firefox';
import { recordProgress } from '../support/extension-client';

/** Opens the panel page in a tab and records the progress events it receives, like `openExtensionPage`. */
export async function openFirefoxExtensionPage(firefox: LaunchedFirefox, path = 'panel/panel.html'): Promise<Page> {
  const page = await openExtensionTab(firefox, path);
  await recordProgress(page);
  return page;
}

/**
 * Whether to leave the Firefox suites out: only when asked to (SKIP_FIREFOX=1). Without a
 * Firefox the suites fail with what to install, rather than pass by skipping.
 */
export function skipWithoutFirefox(): boolean {
  if (process.env.SKIP_FIREFOX === '1') {
    console.warn('SKIP_FIREFOX=1: the Firefox tests are left out of this run.');
    return true;
  }
  if (!hasFirefox()) throw new Error('No Firefox found: apt-get install -y firefox-esr (or set FIREFOX_PATH). SKIP_FIREFOX=1 leaves the Firefox tests out.');
  return false;
}

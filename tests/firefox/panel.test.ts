/**
 * The real "OPFS Snapshots" panel inside Firefox's DevTools, headless, on the demo app: the
 * shared panel suite (tests/support/panel-suite.ts), driven through the panel's DOM by
 * tests/support/firefox-devtools.ts (BiDi cannot reach DevTools panels); then what only
 * Firefox has here: the panel's URL, DevTools' theme events, and the words for pages
 * Firefox does not let extensions inspect. What the suite does not run in Firefox, and
 * why, is in docs/FIREFOX.md (drops and downloads).
 */
import { describe, expect, it } from 'vitest';
import { bidi, contextIdOf, launchFirefoxWithExtension, openExtensionTab, type LaunchedFirefox } from '../support/firefox';
import { openFirefoxDevToolsPanel, setFirefoxDevToolsTheme, type FirefoxDevToolsPanel } from '../support/firefox-devtools';
import { opfsFilesOf } from '../support/panel';
import { readOpfsFile } from '../support/extension-page';
import { panelSuite, waitForScan, type PanelDriver } from '../support/panel-suite';
import { openFirefoxExtensionPage, skipWithoutFirefox } from './support';

const skip = skipWithoutFirefox();

let firefox: LaunchedFirefox;
let panel: FirefoxDevToolsPanel;

/** Reads in an extension tab of the add-on's origin, closed after. */
async function inExtensionTab<T>(read: (tab: Awaited<ReturnType<typeof openFirefoxExtensionPage>>) => Promise<T>): Promise<T> {
  const tab = await openFirefoxExtensionPage(firefox);
  try {
    return await read(tab);
  } finally {
    await tab.close();
  }
}

const firefoxDriver: PanelDriver = {
  async open(url) {
    firefox = await launchFirefoxWithExtension();
    const page = await firefox.browser.newPage();
    await page.goto(url);
    panel = await openFirefoxDevToolsPanel(firefox, page);
    return {
      page,
      panel,
      // Read from an extension page that is not a panel: a panel opened in a tab would scan
      // the extension's storage and set the (global) badge itself.
      async badge() {
        const tab = await openExtensionTab(firefox, 'panel/devtools.html');
        try {
          return await tab.evaluate(async () => ({ text: await chrome.action.getBadgeText({}), title: await chrome.action.getTitle({}) }));
        } finally {
          await tab.close();
        }
      },
      extensionFiles: (folder) => inExtensionTab((tab) => opfsFilesOf(tab, folder)),
      readExtensionFile: (path) => inExtensionTab((tab) => readOpfsFile(tab, path)),
      // DevTools runs in a window of Firefox's own UI, which BiDi does not capture.
      shoot: async () => undefined,
      close: () => firefox.close(),
    };
  },
};

describe.skipIf(skip)('Firefox: the OPFS Snapshots panel in DevTools, on the demo app', () => {
  const suite = panelSuite(firefoxDriver);

  it('loads from the right URL (Firefox resolves devtools.panels.create against the devtools page: see panel/devtools.ts)', () => {
    expect(panel.url).toBe(`${firefox.origin}/panel/panel.html`);
  });

  it('follows the DevTools theme when it changes (Firefox: devtools.panels.onThemeChanged, "light" / "dark")', async () => {
    const classes = () => panel.evaluate((document) => Array.from(document.documentElement.classList));
    await setFirefoxDevToolsTheme(firefox, 'dark');
    await panel.waitForSelector('html.theme-dark');
    expect(await classes()).not.toContain('theme-light');
    await setFirefoxDevToolsTheme(firefox, 'light');
    await panel.waitForSelector('html.theme-light');
    expect(await classes()).not.toContain('theme-dark');
  });

  it('says why when Firefox does not let extensions inspect the page (about: pages)', async () => {
    // Last: the inspected tab leaves the demo app. The panel rescans on navigation.
    await panel.click('[data-testid="source-page"]');
    await waitForScan(panel);
    await bidi(firefox.browser, 'browsingContext.navigate', { context: contextIdOf(suite.session.page), url: 'about:robots', wait: 'none' });
    await panel.waitForSelector('[data-testid="summary"][data-state="failed"]', 30_000);
    expect(await panel.text('summary')).toContain('This extension is not allowed on the current inspected window origin');
  });
});

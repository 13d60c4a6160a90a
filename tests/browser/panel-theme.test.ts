/** The panel follows DevTools' dark theme (and looks right in it: see the screenshot). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { startDemoServer, type DemoServer } from '../../scripts/serve-demo';
import { openDevToolsPanel, setDevToolsTheme } from '../support/devtools-panel';
import { waitForScan } from '../support/panel';
import { screenshot } from '../support/screenshots';

describe('the panel in DevTools’ dark theme', () => {
  let chromium: LaunchedBrowser;
  let demo: DemoServer;
  beforeAll(async () => {
    demo = await startDemoServer();
    chromium = await launchWithExtension({ devtools: true });
  });
  afterAll(async () => {
    await chromium?.close();
    await demo?.close();
  });

  it('renders dark when DevTools is dark', async () => {
    await setDevToolsTheme(chromium.browser, 'dark');
    const page = await chromium.browser.newPage();
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    const { devtools, panel } = await openDevToolsPanel(chromium.browser, chromium.extensionId, `${demo.url}/`, { dock: 'undocked' });
    await devtools.setViewport({ width: 1200, height: 700 });
    await waitForScan(panel);
    const background = await panel.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r + g + b, background).toBeLessThan(200);
    await screenshot(devtools, 'panel-dark');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { call, openExtensionPage } from '../support/extension-page';

describe('the built extension in Chromium', () => {
  let chromium: LaunchedBrowser;
  let page: Page;
  beforeAll(async () => {
    chromium = await launchWithExtension();
    page = await openExtensionPage(chromium.browser, chromium.extensionId);
  });
  afterAll(async () => chromium?.close());

  it('starts DuckDB-WASM in the offscreen document on first request', async () => {
    const { duckdbVersion } = await call(page, 'ping', {});
    expect(duckdbVersion).toMatch(/^v?1\.\d+\.\d+/);
  });
});

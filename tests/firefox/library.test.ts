/**
 * The exporter as a library in Firefox: the packed library in the same Vite app as
 * tests/browser/library.test.ts, served and run in a Firefox page of its own origin, through
 * the suites both browsers share (tests/support/library-suite.ts). No add-on is installed:
 * the library needs none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Page } from 'puppeteer-core';
import { launchFirefoxWithExtension, type LaunchedFirefox } from '../support/firefox';
import { serveStatic, type StaticServer } from '../support/static-server';
import { buildLibraryApp } from '../support/library-app';
import { exportSuite, interruptedExportSuite, openAppPage } from '../support/library-suite';
import { skipWithoutFirefox } from './support';

describe.skipIf(skipWithoutFirefox())('Firefox: the exporter as a library, packed, installed into a Vite app and run in its page', () => {
  const work = mkdtempSync(join(tmpdir(), 'opfs-library-firefox-'));
  let server: StaticServer;
  let firefox: LaunchedFirefox;
  let page: Page;

  beforeAll(async () => {
    server = await serveStatic((await buildLibraryApp(work)).distDir, 0, { isolated: true });
    firefox = await launchFirefoxWithExtension({ install: false });
    page = await openAppPage(firefox.browser, server.url);
  }, 600_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const context = { browser: () => firefox.browser, page: () => page, url: () => server.url, work };
  exportSuite(context);
  // Not threadedSuite: Firefox's run of DuckDB-WASM's multithreaded (cross-origin isolated)
  // bundle stopped for good inside `instantiate` or `open` in 3 of 6 starts here (2026-12-05),
  // before the library had done anything; Chromium runs it.
  interruptedExportSuite(context);
});

/**
 * The exporter library in an app that has no bundler (issue 14): a plain HTML page whose
 * import map resolves the bare imports to files its own origin serves, as the README's
 * "Use the exporter in your app" says. The library is the one `npm run build:lib` makes
 * (dist-lib/index.js, built here from vite.lib.config.ts); the codec's wasm URL is passed
 * as `parquetWasmUrl`. Every request the page makes stays on its origin.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type LaunchedBrowser } from '../support/chromium';
import { rowsSql } from '../support/library-app';
import { compareRows, lit, nativeDuckDB } from '../support/native-duckdb';
import { opfsBytesOf } from '../support/panel';
import { serveStatic, type StaticServer } from '../support/static-server';

const ROOT = resolve(import.meta.dirname, '..', '..');

interface PlainApp {
  exportRows(sql: string, options: { snapshotId: string; rowsPerPart: number }): Promise<{ rowCount: number; parts: { name: string; rows: number; bytes: number }[] }>;
  verify(snapshotId: string): Promise<{ ok: boolean; problems: string[] }>;
  broken(): Promise<unknown[]>;
}

describe('the exporter library in a page without a bundler (import map, files from its own origin)', () => {
  const work = mkdtempSync(join(tmpdir(), 'opfs-library-plain-'));
  let server: StaticServer;
  let chromium: LaunchedBrowser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    cpSync(join(ROOT, 'tests', 'fixtures', 'library-no-bundler'), work, { recursive: true });
    await build({ configFile: join(ROOT, 'vite.lib.config.ts'), root: ROOT, logLevel: 'warn', build: { outDir: join(work, 'lib'), emptyOutDir: true } });
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    server = await serveStatic(work);
    chromium = await launchWithExtension();
    page = await chromium.browser.newPage();
    page.on('request', (request) => void requests.push(request.url()));
    const problems: string[] = [];
    page.on('pageerror', (error) => void problems.push(String(error)));
    await page.goto(`${server.url}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 }).catch((error: unknown) => {
      throw new Error(`The page did not start: ${problems.join('; ') || String(error)}`);
    });
  }, 300_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it.each([
    [0, 1],
    [1, 1],
    [400, 1],
    [401, 2],
    [1_000, 3],
  ])('exports %i rows (400 per part) as %i verified file(s) that native DuckDB reads back equal to the source', async (n, fileCount) => {
    const snapshotId = `plain-${n}`;
    const manifest = await page.evaluate((sql, snapshotId) => (window as unknown as { app: PlainApp }).app.exportRows(sql, { snapshotId, rowsPerPart: 400 }), rowsSql(n), snapshotId);
    expect(manifest.rowCount).toBe(n);
    expect(manifest.parts).toHaveLength(fileCount);
    expect(await page.evaluate((id) => (window as unknown as { app: PlainApp }).app.verify(id), snapshotId)).toEqual({ ok: true, problems: [] });

    const paths: string[] = [];
    for (const part of manifest.parts) {
      const bytes = await opfsBytesOf(page, `plain/${part.name}`);
      expect(bytes.length, part.name).toBe(part.bytes);
      const path = join(work, part.name);
      writeFileSync(path, bytes);
      paths.push(path);
    }
    const native = await nativeDuckDB();
    try {
      const files = `read_parquet([${paths.map(lit).join(', ')}])`;
      await native.conn.run(`CREATE TABLE source AS ${rowsSql(n)}`);
      expect(await compareRows(native.conn, files, 'source')).toEqual({ extra: 0, missing: 0, n });
    } finally {
      native.close();
    }
  });

  it('leaves no broken file, and fetched nothing from anywhere but its own origin', async () => {
    expect(await page.evaluate(() => (window as unknown as { app: PlainApp }).app.broken())).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([]);
    // The codec's wasm came from the URL the app named.
    expect(requests).toContain(`${server.url}/node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm`);
  });
});

/**
 * The snapshot engine in a real Firefox, hosted by the event page (Firefox has no
 * offscreen documents): the shared engine suite (tests/support/engine-suite.ts), then the
 * event page's lifecycle: Firefox suspends it when idle, never while it is answering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { launchFirefoxWithExtension, type LaunchedFirefox } from '../support/firefox';
import { serveStatic, type StaticServer } from '../support/static-server';
import { writeMixedCsv } from '../support/sample-csv';
import { call, sendRaw, stageFromUrl } from '../support/extension-page';
import { engineSuite, type EngineDriver } from '../support/engine-suite';
import { openFirefoxExtensionPage, skipWithoutFirefox } from './support';

const skip = skipWithoutFirefox();

const firefoxEngine: EngineDriver = {
  protocol: 'moz-extension:',
  async open() {
    const firefox = await launchFirefoxWithExtension();
    return { page: await openFirefoxExtensionPage(firefox), close: () => firefox.close() };
  },
};

describe.skipIf(skip)('Firefox: the snapshot engine in the event page (DuckDB-WASM → Parquet in OPFS)', () => {
  engineSuite(firefoxEngine, [250_001]);
});

describe.skipIf(skip)('Firefox: the event page is suspended when idle, never while it answers', () => {
  // Far below Firefox's default 30 s, so that both sides of the rule show within seconds;
  // twice the keep-alive interval (background/keep-alive.ts).
  const IDLE_TIMEOUT_MS = 2000;
  let firefox: LaunchedFirefox;
  let page: Page;
  let server: StaticServer;
  const work = mkdtempSync(join(tmpdir(), 'opfs-firefox-idle-'));

  beforeAll(async () => {
    await writeMixedCsv(join(work, 'idle.csv'), 300_000);
    server = await serveStatic(work);
    firefox = await launchFirefoxWithExtension({ prefs: { 'extensions.background.idle.timeout': IDLE_TIMEOUT_MS } });
    page = await openFirefoxExtensionPage(firefox);
  });

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('answers a request that takes longer than the idle timeout (background/keep-alive.ts)', async () => {
    await call(page, 'ping', {});
    // A query sized to this machine: three idle timeouts of single-threaded DuckDB work.
    const countHashes = async (n: number) => {
      const started = performance.now();
      const { rows: answer } = await call(page, 'queryRows', { sql: `SELECT count(*)::DOUBLE FROM range(0, ${n}) t(i) WHERE hash(i) % 7 = 0` });
      const found = Number(answer[0]?.[0]);
      expect(found).toBeGreaterThan(n / 8);
      expect(found).toBeLessThan(n / 6);
      return performance.now() - started;
    };
    // Sized from a probe, then doubled until one request lasts past the idle timeout: the
    // machine's speed varies with its load, the property does not.
    const probe = 20_000_000;
    let rows = Math.min(2_000_000_000, Math.ceil((probe * 3 * IDLE_TIMEOUT_MS) / Math.max(1, await countHashes(probe))));
    let longest = await countHashes(rows);
    while (longest <= IDLE_TIMEOUT_MS && rows < 2_000_000_000) {
      rows = Math.min(2_000_000_000, rows * 2);
      longest = await countHashes(rows);
    }
    expect(longest).toBeGreaterThan(IDLE_TIMEOUT_MS);
  });

  it('frees the engine when idle, and starts a new one on the next request', async () => {
    await stageFromUrl(page, `${server.url}/idle.csv`, 'staging/idle.csv');
    await call(page, 'loadCsv', { stagedPath: 'staging/idle.csv', table: 'idle' });
    const { manifest } = await call(page, 'exportSnapshot', { table: 'idle', snapshotId: 'idle', sourceName: 'idle.csv' });
    expect(manifest.rowCount).toBe(300_000);

    // Idle: Firefox suspends the page, and DuckDB's tables go with it.
    await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS * 3));
    const gone = await sendRaw(page, 'queryRows', { sql: 'SELECT count(*) FROM idle' });
    expect(gone).toMatchObject({ ok: false });
    expect((gone as { error: { message: string } }).error.message).toMatch(/Table with name idle does not exist/);

    // The snapshot is in OPFS, not in the engine: the fresh engine verifies it.
    expect(await call(page, 'verifySnapshot', { snapshotId: 'idle' })).toMatchObject({ ok: true, actual: { rowCount: 300_000 } });
  });
});

/**
 * The snapshot engine in a real Chromium with the built extension, hosted by the offscreen
 * document: the shared engine suite (tests/support/engine-suite.ts) at 250,000, 250,001
 * and 1,000,000 rows, and the OFFSET part strategy kept for the benchmark.
 */
import { describe, expect, it } from 'vitest';
import { launchWithExtension } from '../support/chromium';
import { call, openExtensionPage, sendRaw } from '../support/extension-page';
import { engineSuite, type EngineDriver } from '../support/engine-suite';

const chromium: EngineDriver = {
  protocol: 'chrome-extension:',
  async open() {
    const launched = await launchWithExtension();
    return { page: await openExtensionPage(launched.browser, launched.extensionId), close: () => launched.close() };
  },
};

describe('Chromium: the snapshot engine in the offscreen document (DuckDB-WASM → Parquet in OPFS)', () => {
  const engine = engineSuite(chromium, [250_000, 250_001, 1_000_000]);

  it('cuts the same parts with the naive OFFSET strategy (kept for the benchmark) and smaller parts', async () => {
    const { page } = engine;
    await engine.loadCsv('mixed-250001.csv', 'offset_src');
    const keyset = await call(page, 'exportSnapshot', { table: 'offset_src', snapshotId: 'by-keyset', sourceName: 'x.csv', options: { rowsPerPart: 100_000 } });
    const offset = await call(page, 'exportSnapshot', { table: 'offset_src', snapshotId: 'by-offset', sourceName: 'x.csv', options: { rowsPerPart: 100_000, partStrategy: 'offset' } });
    expect(offset.manifest.parts.map((p) => p.rows)).toEqual([100_000, 100_000, 50_001]);
    expect(offset.manifest.parts.map((p) => p.bytes)).toEqual(keyset.manifest.parts.map((p) => p.bytes));
    const restored = await call(page, 'restoreSnapshot', { snapshotId: 'by-offset', table: 'offset_back' });
    expect(restored.checksum).toBe(keyset.manifest.checksum.value);
    const bad = await sendRaw(page, 'exportSnapshot', { table: 'offset_src', snapshotId: 'by-nothing', sourceName: 'x.csv', options: { partStrategy: 'random' as 'offset' } });
    expect(bad).toMatchObject({ ok: false, error: { name: 'InvalidOptionError' } });
    await call(page, 'dropTable', { table: 'offset_src' });
    await call(page, 'dropTable', { table: 'offset_back' });
  });
});

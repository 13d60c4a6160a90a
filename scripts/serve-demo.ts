/**
 * The demo web app: a page ("CleanSlate") that fills its own OPFS with healthy and broken
 * Parquet snapshots for the inspector to find. `demo/` holds the page; the Parquet files
 * it writes are generated here at start-up by native DuckDB and served under /fixtures/.
 *
 * Node 20 cannot run TypeScript by itself: import {@link startDemoServer} from a script
 * run by vitest or vite's module runner, or run this file with a TS runner to get a CLI
 * (`PORT` sets the port; default 8080).
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import type { SnapshotManifest } from '../src/protocol';
import { CHECKSUM_ALGORITHM, checksumSql } from '../src/engine/checksum';
import { MANIFEST_FORMAT_VERSION } from '../src/snapshot/manifest';
import { createParquetWriter, customersSql, ordersSql, type ParquetWriter } from '../tests/support/parquet-fixtures';
import { serveStatic } from '../tests/support/static-server';

export const DEMO_DIR = resolve(import.meta.dirname, '..', 'demo');
/** The demo's modules that use the exporter library and keep databases: bundled (bundle/save-snapshot.js, bundle/databases.js), not served as is. */
const LIBRARY_SOURCE = join(DEMO_DIR, 'app');

export interface DemoServer {
  /** e.g. http://127.0.0.1:8080 — the page is at `${url}/`. */
  url: string;
  close(): Promise<void>;
}

const ROWS_PER_PART = 500;

async function manifestFor(
  writer: ParquetWriter,
  snapshotId: string,
  selectSql: string,
  parts: { name: string; bytes: Uint8Array; rows: number }[],
): Promise<SnapshotManifest> {
  const schema = (await writer.rows(`DESCRIBE ${selectSql}`)).map((c) => ({ name: String(c.column_name), type: String(c.column_type) }));
  // The extension's checksum (src/engine/checksum.ts), computed by native DuckDB over the rows
  // numbered in file order, as a restore numbers them.
  const numbered = `(SELECT (row_number() OVER () - 1)::BIGINT AS "__row_id", * FROM (${selectSql}))`;
  const [sums] = await writer.rows(checksumSql(numbered, '__row_id', schema));
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    snapshotId,
    sourceName: `${snapshotId}.csv`,
    rowCount: Number(sums?.n),
    schema,
    parts: parts.map((p) => ({ name: p.name, rows: p.rows, bytes: p.bytes.length })),
    checksum: { algorithm: CHECKSUM_ALGORITHM, value: String(sums?.checksum) },
    compression: 'ZSTD',
    rowGroupSize: 100_000,
    rowsPerPart: ROWS_PER_PART,
    createdAt: '2026-01-01T12:00:00.000Z',
  };
}

/**
 * Writes the Parquet files and manifests that demo/demo.js fetches into `dir`:
 * orders-20260101 (3 parts + manifest), customers (1 file + manifest),
 * inventory-20260105 (3 parts; the page leaves part 1 out) and events-2025-12.
 */
export async function generateDemoFixtures(dir: string): Promise<string[]> {
  const writer = await createParquetWriter();
  const written: string[] = [];
  const write = async (name: string, sql: string): Promise<Uint8Array> => {
    written.push(name);
    return writer.write(join(dir, name), sql);
  };
  const json = (name: string, value: unknown): void => {
    written.push(name);
    writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  };
  try {
    const orderParts = [];
    for (let i = 0; i < 3; i++) {
      const name = `orders-20260101_part_${i}.parquet`;
      orderParts.push({ name, rows: ROWS_PER_PART, bytes: await write(name, ordersSql(i * ROWS_PER_PART, ROWS_PER_PART)) });
    }
    json('orders-20260101.manifest.json', await manifestFor(writer, 'orders-20260101', ordersSql(0, 3 * ROWS_PER_PART), orderParts));

    const customers = await write('customers.parquet', customersSql(200));
    json('customers.manifest.json', await manifestFor(writer, 'customers', customersSql(200), [{ name: 'customers.parquet', rows: 200, bytes: customers }]));

    for (let i = 0; i < 3; i++) await write(`inventory-20260105_part_${i}.parquet`, ordersSql(10_000 + i * 300, 300));
    await write('events-2025-12.parquet', ordersSql(50_000, 1_000));
    return written;
  } finally {
    writer.close();
  }
}

/**
 * Bundles the demo's use of the library into `outDir`, as an app's Vite build would: the
 * package name resolves to this repository's lib/index.ts, DuckDB-WASM's worker and wasm
 * files and parquet-wasm's wasm are emitted beside the module and found relative to it.
 */
async function bundleLibraryDemo(outDir: string): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'warn',
    root: LIBRARY_SOURCE,
    base: './',
    resolve: { alias: { 'opfs-snapshot-inspector': resolve(import.meta.dirname, '..', 'lib', 'index.ts') } },
    worker: { format: 'es' },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      rollupOptions: {
        input: { 'save-snapshot': join(LIBRARY_SOURCE, 'save-snapshot.js'), databases: join(LIBRARY_SOURCE, 'databases.js') },
        preserveEntrySignatures: 'exports-only',
        output: { entryFileNames: '[name].js' },
      },
    },
  });
  // sqlite-wasm fetches `new URL(wasmFilename, import.meta.url)` with the file name in a variable,
  // which no bundler follows: its wasm must sit, unhashed, beside each chunk that runs it (the
  // entry here, its worker in assets/).
  const sqliteWasm = join(resolve(import.meta.dirname, '..', 'node_modules', '@sqlite.org', 'sqlite-wasm'), 'sqlite-wasm', 'jswasm', 'sqlite3.wasm');
  for (const folder of [outDir, join(outDir, 'assets')]) copyFileSync(sqliteWasm, join(folder, 'sqlite3.wasm'));
}

/**
 * Serves the demo page on 127.0.0.1 (an ephemeral port unless `port` is given), with
 * freshly generated fixtures under /fixtures/ and the library's bundle under /bundle/. `close()` stops it and removes the files.
 */
export async function startDemoServer(port = 0): Promise<DemoServer> {
  const root = mkdtempSync(join(tmpdir(), 'opfs-inspector-demo-'));
  try {
    // A copy, so that the page and its generated fixtures are served from one root.
    cpSync(DEMO_DIR, root, { recursive: true, filter: (path) => path !== LIBRARY_SOURCE });
    const fixtures = join(root, 'fixtures');
    mkdirSync(fixtures, { recursive: true });
    await generateDemoFixtures(fixtures);
    await bundleLibraryDemo(join(root, 'bundle'));
    const server = await serveStatic(root, port);
    return {
      url: server.url,
      async close() {
        await server.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const server = await startDemoServer(Number(process.env.PORT ?? 8080));
  console.log(`Demo app: ${server.url}/`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

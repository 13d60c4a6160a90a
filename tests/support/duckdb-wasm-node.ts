/**
 * The extension's own DuckDB-WASM build (same package, same version, same .wasm), run in
 * Node through its blocking bundle: unit tests check the engine's SQL against exactly
 * the DuckDB the extension ships, without a browser.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SqlRunner } from '../../src/engine/csv-sql';

interface BlockingConnection {
  query(sql: string): { toArray(): { toJSON(): Record<string, unknown> }[] };
}
interface BlockingDuckDB {
  instantiate(): Promise<unknown>;
  open(config: object): void;
  connect(): BlockingConnection;
  registerFileBuffer(name: string, buffer: Uint8Array): void;
  dropFile(name: string): void;
}

const require = createRequire(import.meta.url);

export interface WasmDuckDB extends SqlRunner {
  registerFile(name: string, bytes: Uint8Array | string): void;
  dropFile(name: string): void;
}

/** Starts an in-memory DuckDB-WASM (one thread, extension autoloading off, as in the engine). */
export async function wasmDuckDB(): Promise<WasmDuckDB> {
  const duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs') as {
    createDuckDB(bundles: object, logger: object, runtime: object): Promise<BlockingDuckDB>;
    VoidLogger: new () => object;
    NODE_RUNTIME: object;
  };
  const dist = dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'));
  const bundles = {
    mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: '' },
    eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: '' },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate();
  db.open({ query: { castBigIntToDouble: false } });
  const conn = db.connect();
  conn.query('SET autoload_known_extensions = false');
  conn.query('SET autoinstall_known_extensions = false');
  conn.query('SET preserve_insertion_order = true');
  return {
    async rows(sql) {
      return conn.query(sql).toArray().map((row) => row.toJSON());
    },
    async run(sql) {
      conn.query(sql);
    },
    registerFile(name, bytes) {
      db.registerFileBuffer(name, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    },
    dropFile(name) {
      db.dropFile(name);
    },
  };
}

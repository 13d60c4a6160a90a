import { defineConfig } from 'vite';

/**
 * The exporter as a library (lib/index.ts → dist-lib/index.js, ESM): the engine's own
 * modules bundled in, DuckDB-WASM (the app's own), parquet-wasm and hyparquet left as
 * imports for the app's bundler to resolve. Type declarations come from
 * tsconfig.lib.json (`npm run build:lib` runs both).
 */
export default defineConfig({
  build: {
    outDir: 'dist-lib',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: { entry: 'lib/index.ts', formats: ['es'], fileName: 'index' },
    rollupOptions: { external: [/^@duckdb\/duckdb-wasm(\/|$)/, /^parquet-wasm(\/|$)/, /^hyparquet(-compressors)?(\/|$)/] },
  },
});

import { defineConfig } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import manifest from './manifest.json' with { type: 'json' };

/**
 * sqlite-wasm (the panel reads SQLite databases with it) fetches `new URL(name, import.meta.url)`
 * with the file name in a variable, which no bundler follows: its wasm is emitted, unhashed,
 * beside the chunks (assets/), where that URL points.
 */
export function sqliteWasmBesideChunks(): Plugin {
  return {
    name: 'sqlite-wasm-beside-chunks',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'assets/sqlite3.wasm', source: readFileSync('node_modules/@sqlite.org/sqlite-wasm/sqlite-wasm/jswasm/sqlite3.wasm') });
    },
  };
}

// crxjs only collects the HTML pages the manifest names (devtools_page); the
// panel and the offscreen document are opened at run time, so they are listed
// here as extra inputs. Their output paths keep the source paths.
export default defineConfig({
  plugins: [preact(), crx({ manifest }), sqliteWasmBesideChunks()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome116',
    // Source maps stay out of the shipped extension; the wasm files are large anyway.
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: {
        panel: 'panel/panel.html',
        offscreen: 'src/offscreen/offscreen.html',
      },
    },
  },
  server: { port: 5173, strictPort: true, hmr: { port: 5173 } },
});

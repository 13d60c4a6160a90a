import { defineConfig } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { firefoxManifest } from './manifest.firefox.ts';
import { sqliteWasmBesideChunks } from './vite.config.ts';

// The Firefox build: the same sources as vite.config.ts, Firefox's manifest, into
// dist-firefox/. crxjs with `browser: 'firefox'` turns `background.scripts[0]` into a
// module loaded by a small loader script. There is no offscreen document: the event page
// (background/event-page.ts) hosts the engine, so only the panel is an extra input.
export default defineConfig({
  plugins: [preact(), crx({ manifest: firefoxManifest, browser: 'firefox' }), sqliteWasmBesideChunks()],
  build: {
    outDir: 'dist-firefox',
    emptyOutDir: true,
    target: 'firefox140', // strict_min_version in manifest.firefox.ts
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: {
        panel: 'panel/panel.html',
      },
    },
  },
});

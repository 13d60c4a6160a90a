import { defineConfig } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import manifest from './manifest.json' with { type: 'json' };

// crxjs only collects the HTML pages the manifest names (devtools_page); the
// panel and the offscreen document are opened at run time, so they are listed
// here as extra inputs. Their output paths keep the source paths.
export default defineConfig({
  plugins: [preact(), crx({ manifest })],
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

/**
 * `npm run build:firefox`: builds the Firefox package into dist-firefox/ (load it from
 * about:debugging → This Firefox → Load Temporary Add-on… → dist-firefox/manifest.json)
 * and zips it into dist-zip/, the form addons.mozilla.org takes for signing.
 */
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'vite';
import { firefoxManifest } from '../manifest.firefox.ts';
import { FIREFOX_DIST_DIR } from './firefox';
import { zipDirectory } from './zip';

const ROOT = resolve(import.meta.dirname, '..');
export const FIREFOX_ZIP_DIR = join(ROOT, 'dist-zip');
export const FIREFOX_ZIP = join(FIREFOX_ZIP_DIR, `opfs-snapshot-inspector-${firefoxManifest.version}-firefox.zip`);

/** Builds dist-firefox/ with vite.firefox.config.ts. */
export async function buildFirefox(): Promise<void> {
  await build({ configFile: join(ROOT, 'vite.firefox.config.ts'), logLevel: 'warn' });
}

/** Zips dist-firefox/ into {@link FIREFOX_ZIP}. */
export function zipFirefox(): { files: number; bytes: number } {
  mkdirSync(FIREFOX_ZIP_DIR, { recursive: true });
  return zipDirectory(FIREFOX_DIST_DIR, FIREFOX_ZIP);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await buildFirefox();
  const { files, bytes } = zipFirefox();
  console.log(`Firefox build: ${relative(ROOT, FIREFOX_DIST_DIR)}/ (${files} files)`);
  console.log(`Firefox package: ${relative(ROOT, FIREFOX_ZIP)} (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
}

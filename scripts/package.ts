/**
 * `npm run package`: builds both browsers' packages and zips each, in the form the stores
 * take — dist/ → dist-zip/…-chrome.zip (Chrome Web Store), dist-firefox/ →
 * dist-zip/…-firefox.zip (addons.mozilla.org) — then checks the Firefox package with
 * Mozilla's own linter (`web-ext lint`, the checks addons.mozilla.org runs).
 * `npm run build:firefox` runs the Firefox half without the lint.
 *
 * Load the Firefox build from about:debugging → This Firefox → Load Temporary Add-on… →
 * dist-firefox/manifest.json; the Chrome build from chrome://extensions → Load unpacked → dist/.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { build } from 'vite';
import { firefoxManifest } from '../manifest.firefox.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const CHROME_DIST_DIR = join(ROOT, 'dist');
export const FIREFOX_DIST_DIR = join(ROOT, 'dist-firefox');
export const ZIP_DIR = join(ROOT, 'dist-zip');
export const CHROME_ZIP = join(ZIP_DIR, `opfs-snapshot-inspector-${firefoxManifest.version}-chrome.zip`);
export const FIREFOX_ZIP = join(ZIP_DIR, `opfs-snapshot-inspector-${firefoxManifest.version}-firefox.zip`);

/** Builds dist/ (Chrome) with vite.config.ts. */
export async function buildChrome(): Promise<void> {
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

/** Builds dist-firefox/ with vite.firefox.config.ts. */
export async function buildFirefox(): Promise<void> {
  await build({ configFile: join(ROOT, 'vite.firefox.config.ts'), logLevel: 'warn' });
}

/** Every file below `dir`, keyed by its '/'-separated path inside it. */
export function directoryFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (folder: string) => {
    for (const item of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, item.name);
      if (item.isDirectory()) walk(path);
      else if (item.isFile()) files.set(relative(dir, path).split(sep).join('/'), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

/**
 * Zips `dir` into `file` with fflate: entries sorted by path and stamped with one fixed
 * time, so the same build gives the same bytes.
 */
export function zipDirectory(dir: string, file: string): { files: number; bytes: number } {
  const files = directoryFiles(dir);
  const fixedTime = new Date('1980-01-01T00:00:00Z');
  const zippable: Zippable = {};
  for (const path of [...files.keys()].sort()) zippable[path] = [files.get(path)!, { mtime: fixedTime, level: 9 }];
  const archive = zipSync(zippable);
  mkdirSync(ZIP_DIR, { recursive: true });
  writeFileSync(file, archive);
  return { files: files.size, bytes: archive.length };
}

/** Zips dist-firefox/ into {@link FIREFOX_ZIP}. */
export function zipFirefox(): { files: number; bytes: number } {
  return zipDirectory(FIREFOX_DIST_DIR, FIREFOX_ZIP);
}

export interface LintReport {
  errors: { code: string; message: string; file?: string }[];
  warnings: { code: string; message: string; file?: string }[];
}

/** Runs Mozilla's `web-ext lint` on dist-firefox/ (the add-ons linter) and answers its report. */
export async function lintFirefox(): Promise<LintReport> {
  const { cmd } = await import('web-ext');
  const result = await cmd.lint({ sourceDir: FIREFOX_DIST_DIR, output: 'none', selfHosted: false, boring: true, pretty: false, warningsAsErrors: false }, { shouldExitProgram: false });
  return { errors: result.errors, warnings: result.warnings };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const firefoxOnly = process.argv.includes('--firefox');
  if (!firefoxOnly) {
    await buildChrome();
    const chrome = zipDirectory(CHROME_DIST_DIR, CHROME_ZIP);
    console.log(`Chrome package: ${relative(ROOT, CHROME_ZIP)} (${chrome.files} files, ${(chrome.bytes / 1024 / 1024).toFixed(1)} MiB)`);
  }
  await buildFirefox();
  const firefox = zipFirefox();
  console.log(`Firefox build: ${relative(ROOT, FIREFOX_DIST_DIR)}/; package: ${relative(ROOT, FIREFOX_ZIP)} (${firefox.files} files, ${(firefox.bytes / 1024 / 1024).toFixed(1)} MiB)`);
  if (!firefoxOnly) {
    const lint = await lintFirefox();
    for (const w of lint.warnings) console.log(`web-ext lint warning ${w.code}: ${w.message}${w.file ? ` (${w.file})` : ''}`);
    for (const e of lint.errors) console.error(`web-ext lint error ${e.code}: ${e.message}${e.file ? ` (${e.file})` : ''}`);
    if (lint.errors.length > 0) process.exit(1);
    console.log(`web-ext lint: no errors, ${lint.warnings.length} warning(s)`);
  }
}

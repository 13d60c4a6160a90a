/**
 * An app that uses the exporter as a library, made the way an app's developer would make
 * it: `npm pack` of this repository (its prepack builds dist-lib), the tarball installed
 * into a fresh folder beside the app's own DuckDB-WASM, the app's code
 * (tests/fixtures/library-app) type-checked against the packed declarations and built by
 * Vite. Shared by the library's test and the benchmark.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const ROOT = resolve(import.meta.dirname, '..', '..');
const APP_SOURCE = join(ROOT, 'tests', 'fixtures', 'library-app');

/** Rows of a table of `n` rows that DuckDB-WASM and native DuckDB make alike: NULLs, non-ASCII text, decimals, dates, booleans. */
export const rowsSql = (n: number) => `SELECT i::BIGINT AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'ü-' || i::VARCHAR END AS label,
  (i * 0.01)::DECIMAL(18,2) AS amount, DATE '2020-01-01' + (i % 1000)::INTEGER AS day, i % 3 = 0 AS flag FROM range(${n}) t(i)`;

const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, stdio: 'pipe', encoding: 'utf8', timeout: 300_000 });

export interface LibraryApp {
  /** The built app, to serve. */
  distDir: string;
  /**
   * What TypeScript said of the app and the packed declarations, DuckDB-WASM's own
   * declarations left out (they need @types/emscripten, which an app adds or skips with
   * skipLibCheck as Vite's templates do): empty when the library's types are usable.
   */
  typeErrors: string[];
}

/** Packs the library and builds the app in `work/app`. */
export async function buildLibraryApp(work: string): Promise<LibraryApp> {
  const appDir = join(work, 'app');
  const packed = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').at(-1)!;
  cpSync(APP_SOURCE, appDir, { recursive: true });
  // The DuckDB-WASM this repository builds with: the app brings its own, of a version the library supports.
  const duckdbVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@duckdb', 'duckdb-wasm', 'package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'an-app', private: true, type: 'module', dependencies: { '@duckdb/duckdb-wasm': duckdbVersion, 'opfs-snapshot-inspector': `file:${join(work, packed)}` } }, null, 2),
  );
  // From npm's cache when it holds the packages (it does after this repository's install).
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], appDir);
  const compiled = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(appDir, 'tsconfig.json')], { cwd: appDir, encoding: 'utf8' });
  const typeErrors = `${compiled.stdout}${compiled.stderr}`.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('node_modules/@duckdb/duckdb-wasm/') && !line.startsWith(' '));
  await build({ root: appDir, logLevel: 'warn', build: { outDir: join(appDir, 'dist'), target: 'es2022' }, worker: { format: 'es' } });
  return { distDir: join(appDir, 'dist'), typeErrors };
}

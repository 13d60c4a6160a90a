/**
 * The browsers `npm start` (Chromium) and `npm test` (Chromium and Firefox) need, on a
 * machine that has Node and nothing else: the system's when it has one; as root on
 * Debian/Ubuntu, the distribution's packages; else Chrome for Testing and Firefox through
 * `@puppeteer/browsers` (puppeteer's own installer; needs the internet); else it stops with
 * the exact command to run.
 *
 * `tsx scripts/browsers.ts [--firefox]` (npm test runs it with --firefox, unless SKIP_FIREFOX=1).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Browser, detectBrowserPlatform, install, resolveBuildId } from '@puppeteer/browsers';
import { findChromium } from '../tests/support/chromium';
import { findFirefox } from '../tests/support/firefox';

type Needed = 'chromium' | 'firefox';

/** Where the finders in tests/support look for downloaded browsers. */
const CACHE_DIR = join(homedir(), '.cache', 'puppeteer');

const DEBIAN_PACKAGES: Record<Needed, string> = { chromium: 'chromium', firefox: 'firefox-esr' };
const DOWNLOADS: Record<Needed, Browser> = { chromium: Browser.CHROME, firefox: Browser.FIREFOX };

export interface Machine {
  platform: NodeJS.Platform;
  isRoot: boolean;
  hasAptGet: boolean;
  /** @puppeteer/browsers knows a build for this OS and CPU. */
  canDownload: boolean;
}

export type Step = { kind: 'apt-get'; packages: string[] } | { kind: 'download'; browsers: Needed[] };

/** How to get `missing`, in the order to try: the distribution's packages (as root), then a download. */
export function planInstall(missing: readonly Needed[], machine: Machine): Step[] {
  if (missing.length === 0) return [];
  const steps: Step[] = [];
  if (machine.platform === 'linux' && machine.isRoot && machine.hasAptGet) steps.push({ kind: 'apt-get', packages: missing.map((b) => DEBIAN_PACKAGES[b]) });
  if (machine.canDownload) steps.push({ kind: 'download', browsers: [...missing] });
  return steps;
}

/** What to tell someone the steps could not help. */
export function manualCommand(missing: readonly Needed[], machine: Pick<Machine, 'platform'>): string {
  const variables = missing.map((b) => (b === 'chromium' ? 'CHROME_PATH' : 'FIREFOX_PATH')).join(' / ');
  const packages = missing.map((b) => DEBIAN_PACKAGES[b]).join(' ');
  const install = machine.platform === 'linux' ? `sudo apt-get install -y ${packages} (Debian/Ubuntu)` : `install ${missing.map((b) => (b === 'chromium' ? 'Chromium or Chrome' : 'Firefox')).join(' and ')}`;
  return `${install}, or set ${variables} to the browser's executable`;
}

const found = (find: () => string): boolean => {
  try {
    find();
    return true;
  } catch {
    return false;
  }
};

function missingBrowsers(wanted: readonly Needed[]): Needed[] {
  return wanted.filter((b) => !found(b === 'chromium' ? findChromium : findFirefox));
}

function thisMachine(): Machine {
  return {
    platform: process.platform,
    isRoot: process.getuid?.() === 0,
    hasAptGet: existsSync('/usr/bin/apt-get'),
    canDownload: detectBrowserPlatform() !== undefined,
  };
}

async function runStep(step: Step): Promise<void> {
  if (step.kind === 'apt-get') {
    console.log(`Installing ${step.packages.join(' and ')} from the distribution's packages: apt-get install -y ${step.packages.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...step.packages]]) {
      const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
      if (result.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${result.status ?? result.signal}).`);
    }
    return;
  }
  const platform = detectBrowserPlatform();
  if (!platform) throw new Error('no download exists for this operating system and processor');
  for (const browser of step.browsers) {
    const buildId = await resolveBuildId(DOWNLOADS[browser], platform, 'stable');
    console.log(`Downloading ${DOWNLOADS[browser]} ${buildId} into ${CACHE_DIR} …`);
    await install({ browser: DOWNLOADS[browser], buildId, cacheDir: CACHE_DIR });
  }
}

/** Makes sure the `wanted` browsers can be found, installing them if need be; throws with what to do when it cannot. */
export async function ensureBrowsers(wanted: readonly Needed[]): Promise<void> {
  let missing = missingBrowsers(wanted);
  if (missing.length === 0) return;
  // A browser named by a variable that points nowhere is a mistake to fix, not one to install.
  for (const browser of missing) {
    const variables = browser === 'chromium' ? ['CHROME_PATH', 'PUPPETEER_EXECUTABLE_PATH'] : ['FIREFOX_PATH'];
    if (variables.some((name) => process.env[name])) (browser === 'chromium' ? findChromium : findFirefox)();
  }
  const machine = thisMachine();
  console.log(`No ${missing.join(' or ')} found on this machine.`);
  for (const step of planInstall(missing, machine)) {
    try {
      await runStep(step);
    } catch (error) {
      console.log(`  That did not work: ${error instanceof Error ? error.message : String(error)}`);
    }
    missing = missingBrowsers(wanted);
    if (missing.length === 0) return;
  }
  throw new Error(`No ${missing.join(' or ')} found, and none could be installed. To fix: ${manualCommand(missing, machine)}.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // SKIP_FIREFOX=1 leaves the Firefox suites out (tests/firefox/support.ts): no Firefox needed then.
  const firefox = process.argv.includes('--firefox') && process.env.SKIP_FIREFOX !== '1';
  ensureBrowsers(firefox ? ['chromium', 'firefox'] : ['chromium']).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}

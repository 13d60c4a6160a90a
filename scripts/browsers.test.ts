import { describe, expect, test } from 'vitest';
import { manualCommand, planInstall, type Machine } from './browsers';

const debianRoot: Machine = { platform: 'linux', isRoot: true, hasAptGet: true, canDownload: true };

describe('getting the browsers on a machine that has only Node', () => {
  test('nothing to do when nothing is missing', () => {
    expect(planInstall([], debianRoot)).toEqual([]);
  });

  test.each<[string, Machine, string[]]>([
    ['as root on Debian: the distribution first, then a download', debianRoot, ['apt-get', 'download']],
    ['as root on Debian, offline platform unknown to the downloader', { ...debianRoot, canDownload: false }, ['apt-get']],
    ['on Debian without root: a download only', { ...debianRoot, isRoot: false }, ['download']],
    ['on Linux without apt-get', { ...debianRoot, hasAptGet: false }, ['download']],
    ['on macOS, even as root', { ...debianRoot, platform: 'darwin' }, ['download']],
    ['where nothing can be done', { platform: 'linux', isRoot: false, hasAptGet: false, canDownload: false }, []],
  ])('%s', (_case, machine, kinds) => {
    for (const missing of [['chromium'], ['firefox'], ['chromium', 'firefox']] as const) {
      const steps = planInstall(missing, machine);
      expect(steps.map((s) => s.kind)).toEqual(kinds);
      for (const step of steps) {
        // Exactly what is missing, named as the distribution or the downloader names it.
        if (step.kind === 'apt-get') expect(step.packages).toEqual(missing.map((b) => (b === 'chromium' ? 'chromium' : 'firefox-esr')));
        else expect(step.browsers).toEqual(missing);
      }
    }
  });

  test('when nothing worked, says the exact command and the variable for each missing browser', () => {
    expect(manualCommand(['chromium', 'firefox'], { platform: 'linux' })).toBe('sudo apt-get install -y chromium firefox-esr (Debian/Ubuntu), or set CHROME_PATH / FIREFOX_PATH to the browser\'s executable');
    expect(manualCommand(['firefox'], { platform: 'darwin' })).toBe('install Firefox, or set FIREFOX_PATH to the browser\'s executable');
  });
});

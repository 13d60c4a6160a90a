/** Screenshots the browser tests take, to look at: artifacts/screenshots/<name>.png. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'artifacts', 'screenshots');

/** A screenshot of `page` (DevTools, or the panel in a tab) as `name`.png, the folder made if need be. */
export async function screenshot(page: Pick<Page, 'screenshot'>, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

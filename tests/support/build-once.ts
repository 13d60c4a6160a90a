/** Builds the extension once before the browser tests: they test the built output in dist/. */
import { build } from 'vite';

export default async function setup(): Promise<void> {
  if (process.env.SKIP_BUILD === '1') return;
  await build({ logLevel: 'warn' });
}

/** Builds the Firefox package once before the Firefox tests: they test dist-firefox/ and its zip. */
import { buildFirefox, zipFirefox } from '../../scripts/package';

export default async function setup(): Promise<void> {
  if (process.env.SKIP_BUILD === '1') return;
  await buildFirefox();
  zipFirefox();
}

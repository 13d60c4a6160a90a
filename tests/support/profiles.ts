/** Where the tests' browsers keep their profiles (and so their OPFS). */
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** What /dev/shm must have free to hold test profiles: the largest test writes a few hundred MiB. */
const RAM_PROFILE_MIN_FREE = 4 * 1024 ** 3;

/**
 * Where tests put fresh browser profiles: in memory (/dev/shm) when the machine has one with
 * room, else the temp folder. The OPFS lives in the profile, and a disk costs it: creating
 * 20,000 files in a page took 12.5 s with the profile on this machine's disk, 7.1 s in
 * /dev/shm. (The benchmark keeps its profiles on disk, where users have theirs.)
 */
export function testProfileParent(): string {
  try {
    const { bavail, bsize } = statfsSync('/dev/shm');
    if (bavail * bsize >= RAM_PROFILE_MIN_FREE) return '/dev/shm';
  } catch {
    // No /dev/shm (macOS, Windows): the temp folder.
  }
  return tmpdir();
}

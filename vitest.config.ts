import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files far longer than their size says (a short file that runs a shared suite). On a fresh
 * clone vitest has no timings and starts the largest files first; these would start last and
 * leave the other of the two slots idle. CI on c06e6c4: the four Firefox files took 185 s in
 * size order, the library file (126 s) starting after two others; longest first, 133 s.
 */
const LONG_FILES = ['tests/firefox/library.test.ts'];

/** Vitest's order (groups, projects, then timings or size), with {@link LONG_FILES} first in their project. */
class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const projectStart = new Map<string, number>();
    sorted.forEach((spec, index) => projectStart.set(spec.project.name, Math.min(index, projectStart.get(spec.project.name) ?? index)));
    const rank = (spec: TestSpecification) => {
      const listed = LONG_FILES.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return listed < 0 ? LONG_FILES.length : listed;
    };
    const keyed = sorted.map((spec, index) => ({ spec, key: [projectStart.get(spec.project.name) ?? 0, rank(spec), index] }));
    keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2]);
    return keyed.map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: LongFilesFirst },
    projects: [
      {
        test: {
          name: 'unit',
          // First, two files at a time: vitest's default on two cores is one (cores - 1), and
          // the unit files are mostly DuckDB-WASM in Node, one thread each.
          sequence: { groupOrder: 0 },
          fileParallelism: true,
          maxWorkers: 2,
          include: ['src/**/*.test.ts', 'panel/**/*.test.ts', 'background/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          // After the unit tests, two files at a time. Each file then runs 1.2-2x slower (two
          // browsers on two cores), but the whole suite ran in 1,051 s against ~1,290 s one
          // file at a time (2026-12-05): much of a browser test is waiting on pages.
          sequence: { groupOrder: 1 },
          fileParallelism: true,
          maxWorkers: 2,
          globalSetup: ['tests/support/build-once.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'firefox',
          include: ['tests/firefox/**/*.test.ts'],
          environment: 'node',
          // Last, two files at a time as the Chromium files are, never beside them (four
          // browsers on two cores): 237 s one at a time in CI on 052f0b5.
          sequence: { groupOrder: 2 },
          fileParallelism: true,
          maxWorkers: 2,
          globalSetup: ['tests/firefox/build-once.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

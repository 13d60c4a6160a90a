import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
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
          // browsers on two cores): 237 s one at a time in CI on 052f0b5. The order does not
          // matter: the library file ended the group 185 s in when it started third (CI on
          // c06e6c4) and 186 s in when it started first (on bdcbaa9): the two cores are the limit.
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

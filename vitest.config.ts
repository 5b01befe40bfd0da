import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A migrated PGlite database, dumped once per run, that in-memory test servers start from.
    globalSetup: ['test/support/pglite-snapshot.ts'],
    // Each file boots its own server and database; two at a time fits the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

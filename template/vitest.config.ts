import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Suites start real servers and databases; two cores run them best one file per worker.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

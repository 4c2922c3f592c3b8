import { configDefaults, defineConfig } from 'vitest/config';
import { notRunHere } from './test/helpers/not-run-here';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Left out (not skipped) when this machine lacks what they need; global-setup.ts says why.
    exclude: [...configDefaults.exclude, ...notRunHere().map(([file]) => file)],
    // Suites start real servers and databases; forks keep native modules (better-sqlite3) isolated.
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

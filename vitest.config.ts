import { defineConfig } from 'vitest/config';

// The root suite: end-to-end tests of the scaffolder (test/). template/ and create-script/ have their own.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});

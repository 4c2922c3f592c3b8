import { defineConfig } from 'vitest/config';

// The scaffolder's own suite: runs the real CLI against temp directories (no install, offline).
export default defineConfig({
  test: {
    include: ['test/**/*.test.js'],
    testTimeout: 30_000,
  },
});

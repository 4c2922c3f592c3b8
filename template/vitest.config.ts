import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

// Suites that need a service this machine may not have are left out, and say so, rather than
// skipped: CI sets TEST_DATABASE_URL and REDIS_URL and installs Chromium, so it runs them all.
const notRunHere: [file: string, reason: string][] = [];
if (!process.env.TEST_DATABASE_URL || !process.env.REDIS_URL) {
  for (const file of ['test/process/two-instances.test.ts', 'test/process/chat-two-instances.test.ts']) {
    notRunHere.push([file, 'needs TEST_DATABASE_URL and REDIS_URL']);
  }
}
if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
  for (const file of [
    'test/ui/chat-page.test.ts',
    'test/ui/chat-retry.test.ts',
    'test/ui/docs-page.test.ts',
    'test/ui/ai-chat-page.test.ts',
    'test/ui/step-viewer.test.ts',
  ]) {
    notRunHere.push([file, 'needs Chromium (apt-get install chromium, or set CHROMIUM_PATH)']);
  }
}
// Printed once, by test/helpers/global-setup.ts: this file is read again by every worker, so a
// message printed here would repeat.
process.env.SWITCHYARD_NOT_RUN_HERE = JSON.stringify(notRunHere);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: [...configDefaults.exclude, ...notRunHere.map(([file]) => file)],
    // Suites start real servers and databases; forks keep native modules (better-sqlite3) isolated.
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

import { existsSync } from 'node:fs';

// Suites that need a service this machine may not have are left out, and say so, rather than
// skipped: CI sets TEST_DATABASE_URL and REDIS_URL and installs Chromium, so it runs them all.
// vitest.config.ts excludes them; global-setup.ts prints why, once (the config is read again in
// every worker, so a message printed there repeats once per suite).
export function notRunHere(): [file: string, reason: string][] {
  const left: [file: string, reason: string][] = [];
  if (!process.env.TEST_DATABASE_URL || !process.env.REDIS_URL) {
    for (const file of ['test/process/two-instances.test.ts', 'test/process/chat-two-instances.test.ts']) {
      left.push([file, 'needs TEST_DATABASE_URL and REDIS_URL']);
    }
  }
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
    for (const file of [
      'test/ui/chat-page.test.ts',
      'test/ui/docs-page.test.ts',
      'test/ui/ai-chat-page.test.ts',
      'test/ui/step-viewer.test.ts',
    ]) {
      left.push([file, 'needs Chromium (apt-get install chromium, or set CHROMIUM_PATH)']);
    }
  }
  return left;
}

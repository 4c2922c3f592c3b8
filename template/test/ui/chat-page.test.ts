// The chat page in a real browser (Debian's Chromium driven by playwright-core): sign in with the
// dev token, send a prompt, watch the answer stream in, reload, and find the history again.
import { mkdirSync } from 'node:fs';
import pino from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server';
import { createTestApp } from '../helpers/test-app';

// vitest.config.ts leaves this file out where Chromium is missing (CI installs it).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('chat page', () => {
  let testApp: Awaited<ReturnType<typeof createTestApp>>;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    testApp = await createTestApp({ env: { AUTH_DEV_LOGIN: 'true', SCRIPTED_DELAY_MS: '15' } });
    server = await startServer({
      fetch: testApp.app.fetch,
      port: 0,
      hostname: '127.0.0.1',
      shutdownTimeoutMs: 100,
      logger: pino({ level: 'silent' }),
    });
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
    await testApp?.close();
  });

  it('signs in, streams an answer, keeps the history across a reload, and forks', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.fill('#signin-value', 'alice');
    await page.click('#signin-form button');
    await page.fill('#prompt', 'write a poem about signal boxes');
    await page.click('#prompt-form button');

    // While words arrive, the answer holds part of the text; then the whole labelled demo answer.
    const answer = page.locator('.message.assistant').last();
    await expect
      .poll(async () => (await answer.textContent())?.length ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => answer.textContent(), { timeout: 10_000 })
      .toContain('streamed until the turn is done.');
    expect(await answer.textContent()).toMatch(/^\[scripted demo\]/);

    const appId = new URL(page.url()).hash.slice(1);
    expect(appId).toMatch(/^[0-9a-f-]{36}$/);
    await page.reload();
    await expect.poll(() => page.locator('.message').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('.message.user').textContent()).toContain('write a poem about signal boxes');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/chat-page.png', fullPage: true });

    await page.click('.message.user .fork');
    await expect.poll(() => new URL(page.url()).hash.slice(1), { timeout: 10_000 }).not.toBe(appId);
    await expect.poll(() => page.locator('.message').count(), { timeout: 10_000 }).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);
});

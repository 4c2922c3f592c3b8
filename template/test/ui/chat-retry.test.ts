// A failed model call in the chat page: the user's message stays, the page explains that the
// conversation waits for the answering action, and "Retry" runs it (no input needed) to an answer.
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmProvider } from '../../src/chatbot/llm/provider';
import { scriptedProvider } from '../../src/chatbot/llm/scripted';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

// vitest.config.ts leaves this file out where Chromium is missing (CI installs it).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The scripted provider, except that the first answer fails as an upstream 500 would. */
function failingOnce(): LlmProvider {
  const scripted = scriptedProvider({ delayMs: 0 });
  let failures = 1;
  return {
    ...scripted,
    async *streamText(messages, options) {
      if (failures-- > 0) throw new Error('The model call failed (HTTP 500): upstream broke');
      yield* scripted.streamText(messages, options);
    },
  };
}

let browser: Browser;
let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  testApp = await createTestApp({ env: { AUTH_DEV_LOGIN: 'true' }, llm: failingOnce() });
  server = await serveOnLoopback(testApp);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server.shutdown();
  await testApp.close();
});

describe('the chat page after a failed model call', () => {
  it('keeps the message, explains, and answers on Retry', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.fill('#signin-value', 'alice');
    await page.click('#signin-form button');
    await page.fill('#prompt', 'What is a signal box?');
    await page.click('#prompt-form button');

    const notice = page.locator('.message.stuck');
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).toContain('failed');
    expect(await notice.textContent()).toContain('answer_question');
    expect(await page.locator('.message.user').textContent()).toContain('What is a signal box?');

    // A reload finds the conversation stuck the same way, and says so again.
    await page.reload();
    await page.locator('.message.stuck').waitFor({ timeout: 10_000 });

    await page.click('.message.stuck .retry');
    await expect
      .poll(() => page.locator('.message.assistant:not(.streaming)').count(), { timeout: 10_000 })
      .toBe(1);
    expect(await page.locator('.message.stuck').count()).toBe(0);
    expect(await page.locator('.message.assistant').textContent()).toMatch(/^\[scripted demo\]/);

    // And the conversation takes new messages again.
    await page.fill('#prompt', 'And a poem?');
    await page.click('#prompt-form button');
    await expect
      .poll(() => page.locator('.message.assistant:not(.streaming)').count(), { timeout: 10_000 })
      .toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

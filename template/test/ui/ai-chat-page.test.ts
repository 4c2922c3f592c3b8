// The AI SDK page (GET /ai-chat) in a real browser: its script is the `ai` package's own client,
// bundled and served from this origin (no CDN). A message is answered; a reload mid-answer finds
// the conversation and the running answer again, shown whole and once.
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

// vitest.config.ts leaves this file out where Chromium is missing (CI installs it).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let browser: Browser;
let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let origin: string;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  // Slow words, so the test can reload while the answer is still coming.
  testApp = await createTestApp({ env: { SCRIPTED_DELAY_MS: '60', AUTH_DEV_LOGIN: 'true' } });
  await testApp.runWorker.start();
  server = await serveOnLoopback(testApp);
  origin = `http://127.0.0.1:${server.port}`;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  await testApp?.close();
});

describe('the AI SDK chat page', () => {
  it('answers through DefaultChatTransport, and a reload resumes the running answer once', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${origin}/ai-chat`);
    await page.fill('#signin-value', 'alice');
    await page.click('#signin-form button');
    await page.fill('#prompt', 'How do reloads work?');
    await page.click('#prompt-form button');
    // Part of the answer is on screen: reload as a user would, mid-answer.
    await expect
      .poll(() => page.locator('.assistant').textContent(), { timeout: 10_000 })
      .toContain('You asked');
    const chatId = new URL(page.url()).hash.slice(1);
    await page.reload();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toBe('done');

    const app = await (
      await testApp.app.request(`/api/v1/chatbot/apps/${chatId}`, {
        headers: { authorization: `Bearer ${await testApp.token('alice')}` },
      })
    ).json();
    const [question, answer] = app.state.chat_history;
    expect(await page.locator('.user').allTextContents()).toEqual([question.content]);
    expect(await page.locator('.assistant').allTextContents()).toEqual([answer.content]);
    expect(requests.some((url) => url.endsWith(`/api/v1/chatbot/chat/${chatId}/stream`))).toBe(true);
    expect(requests.every((url) => url.startsWith(origin))).toBe(true);
    expect(errors).toEqual([]);
  }, 40_000);
});

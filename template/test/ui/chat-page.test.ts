// The chat page in a real browser (Debian's Chromium driven by playwright-core): sign in (dev token,
// or a pasted token), send a prompt and watch the answer arrive piece by piece, reload and find the
// history, keep two conversations and switch between them, fork after an answer and go on there.
import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

// vitest.config.ts leaves this file out where Chromium is missing (CI installs it).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const POEM_END = 'streamed until the turn is done.';

type TestApp = Awaited<ReturnType<typeof createTestApp>>;
let browser: Browser;
const running: { testApp: TestApp; server: RunningServer }[] = [];

beforeAll(async () => {
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
  for (const { testApp, server } of running) {
    await server.shutdown();
    await testApp.close();
  }
});

/** The app on a free port; a small scripted delay, so an answer arrives in many pieces. */
async function serve(env: Record<string, string>) {
  const testApp = await createTestApp({ env: { SCRIPTED_DELAY_MS: '10', ...env } });
  const server = await serveOnLoopback(testApp);
  running.push({ testApp, server });
  return { testApp, url: `http://127.0.0.1:${server.port}/` };
}

async function openPage(url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { page, errors };
}

/**
 * Sends a prompt and resolves with every text the streaming answer showed, in order, once the answer
 * is complete (a MutationObserver records each change, so nothing depends on timing).
 */
async function ask(page: Page, prompt: string): Promise<string[]> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    const record = () => {
      const text = document.querySelector('.message.streaming')?.textContent;
      if (text && text !== seen.at(-1)) seen.push(text);
    };
    new MutationObserver(record).observe(document.querySelector('#messages') as Node, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  const before = await page.locator('.message').count();
  await page.fill('#prompt', prompt);
  await page.click('#prompt-form button');
  await expect.poll(() => page.locator('.message').count(), { timeout: 10_000 }).toBe(before + 2);
  await expect.poll(() => page.locator('.message.streaming').count(), { timeout: 10_000 }).toBe(0);
  expect(await page.locator('.message.error').count()).toBe(0);
  return page.evaluate(() => (window as unknown as { seen: string[] }).seen);
}

const currentApp = (page: Page) => new URL(page.url()).hash.slice(1);
const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

describe('the chat page with the dev sign-in', () => {
  it('refuses a bad name with the reason, streams an answer in pieces, keeps it across a reload', async () => {
    const { url } = await serve({ AUTH_DEV_LOGIN: 'true' });
    const { page, errors } = await openPage(url);
    await page.fill('#signin-value', 'x'.repeat(201));
    await page.click('#signin-form button');
    await expect
      .poll(() => page.locator('#signin-error').textContent(), { timeout: 10_000 })
      .toContain('422');
    expect(await page.locator('#main').isHidden()).toBe(true);

    await page.fill('#signin-value', 'alice');
    await page.click('#signin-form button');
    const seen = await ask(page, 'write a poem about signal boxes');
    // Several partial texts, each the start of the next: the answer arrived in pieces.
    expect(seen.length).toBeGreaterThan(2);
    for (const [index, text] of seen.slice(1).entries())
      expect(text.startsWith(seen[index] as string)).toBe(true);
    expect(seen[0]?.length).toBeLessThan(seen.at(-1)?.length ?? 0);
    const answer = page.locator('.message.assistant').last();
    expect(await answer.textContent()).toMatch(/^\[scripted demo\]/);
    expect(await answer.textContent()).toContain(POEM_END);

    const appId = currentApp(page);
    expect(appId).toMatch(/^[0-9a-f-]{36}$/);
    await page.reload();
    await expect.poll(() => page.locator('.message').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('.message.user').textContent()).toContain('write a poem about signal boxes');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/chat-page.png', fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  it('lists two conversations and switches between them; a fork after an answer goes on', async () => {
    const { url, testApp } = await serve({ AUTH_DEV_LOGIN: 'true' });
    const { page, errors } = await openPage(url);
    await page.fill('#signin-value', 'bob');
    await page.click('#signin-form button');
    await ask(page, 'write a poem about the first line');
    const first = currentApp(page);
    await page.click('#new');
    expect(await page.locator('.message').count()).toBe(0);
    await ask(page, 'What is a second line?');
    const second = currentApp(page);
    expect(second).not.toBe(first);
    await expect.poll(() => page.locator('#apps li').count(), { timeout: 10_000 }).toBe(2);

    await page.click(`#apps a[href="#${first}"]`);
    await expect
      .poll(() => texts(page, '.message.user'), { timeout: 10_000 })
      .toEqual(['write a poem about the first line']);
    await page.click(`#apps a[href="#${second}"]`);
    await expect
      .poll(() => texts(page, '.message.user'), { timeout: 10_000 })
      .toEqual(['What is a second line?']);

    // Fork after the first conversation's answer, then go on in the fork.
    await page.click(`#apps a[href="#${first}"]`);
    await expect.poll(() => page.locator('.message.assistant .fork').count(), { timeout: 10_000 }).toBe(1);
    await page.click('.message.assistant .fork');
    await expect.poll(() => currentApp(page), { timeout: 10_000 }).not.toBe(first);
    const fork = currentApp(page);
    await expect.poll(() => page.locator('.message').count(), { timeout: 10_000 }).toBe(2);
    await ask(page, 'write a poem about the fork');
    expect(await texts(page, '.message.user')).toEqual([
      'write a poem about the first line',
      'write a poem about the fork',
    ]);
    expect(await page.locator('.message.assistant').last().textContent()).toContain(POEM_END);
    await expect.poll(() => page.locator('#apps li').count(), { timeout: 10_000 }).toBe(3);

    // The source conversation is unchanged; the fork remembers where it came from.
    const headers = { authorization: `Bearer ${await testApp.token('bob')}` };
    const source = await (await fetch(`${url}api/v1/chatbot/apps/${first}`, { headers })).json();
    expect(source.state.chat_history).toHaveLength(2);
    const forked = await (await fetch(`${url}api/v1/chatbot/apps/${fork}`, { headers })).json();
    expect(forked).toMatchObject({ next: 'prompt', parent: { app_id: first } });
    expect(forked.state.chat_history).toHaveLength(4);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe('the chat page without the dev sign-in', () => {
  it('refuses a bad pasted token with the reason, then signs in with a good one', async () => {
    const { url, testApp } = await serve({ AUTH_DEV_LOGIN: 'false' });
    const { page, errors } = await openPage(url);
    expect(await page.getAttribute('#signin-value', 'placeholder')).toMatch(/token/);
    await page.fill('#signin-value', 'not-a-token');
    await page.click('#signin-form button');
    await expect
      .poll(() => page.locator('#signin-error').textContent(), { timeout: 10_000 })
      .toContain('not accepted');
    expect(await page.locator('#main').isHidden()).toBe(true);

    await page.fill('#signin-value', await testApp.token('carol'));
    await page.click('#signin-form button');
    await expect.poll(() => page.locator('#main').isVisible(), { timeout: 10_000 }).toBe(true);
    await ask(page, 'What is a pasted token?');
    expect(await page.locator('.message.assistant').last().textContent()).toMatch(/^\[scripted demo\]/);
    expect(errors).toEqual([]);
  }, 60_000);
});

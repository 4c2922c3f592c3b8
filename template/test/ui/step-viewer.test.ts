// The apps list and the step viewer in a real browser (Debian's Chromium driven by playwright-core):
// chat two turns, open the viewer from the chat, every step is there with its action and the prompt
// step's change, the diagram has a node per action with the position marked, fork from step 1 opens
// the fork with its parent link, another user gets the 404 page, a reader gets no fork button, a write
// grantee gets one and forks, and the running action of a background run, and of a stream the chat
// page started, and then their steps appear without a reload. UPDATE_SCREENSHOTS=1 writes docs/*.png.
import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client';
import type { RunningServer } from '../../src/lib/serve';
import { heldAnswers } from '../helpers/held-answers';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = process.env.UPDATE_SCREENSHOTS === '1' ? '../docs' : 'test-results';
let browser: Browser;
let server: RunningServer;
let testApp: Awaited<ReturnType<typeof createTestApp>>;
let url: string;

const held = heldAnswers();

beforeAll(async () => {
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  testApp = await createTestApp({ env: { AUTH_DEV_LOGIN: 'true' }, llm: held.llm });
  server = await serveOnLoopback(testApp);
  url = `http://127.0.0.1:${server.port}`;
  mkdirSync(shots, { recursive: true });
}, 60_000);
afterAll(async () => {
  held.releaseAll(); // so a failed test leaves no run waiting for the worker's stop
  await browser?.close();
  await server?.shutdown();
  await testApp?.close();
});

/** A fresh browser profile (its own localStorage) signed in as `sub` on the chat page. */
async function signedIn(sub: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${url}/`);
  await page.fill('#signin-value', sub);
  await page.click('#signin-form button');
  await expect.poll(() => page.locator('#main').isVisible(), { timeout: 10_000 }).toBe(true);
  return { page, errors };
}

async function ask(page: Page, prompt: string) {
  const before = await page.locator('.message.assistant').count();
  await page.fill('#prompt', prompt);
  await page.click('#prompt-form button');
  await expect.poll(() => page.locator('.message.assistant').count(), { timeout: 10_000 }).toBe(before + 1);
  await expect.poll(() => page.locator('.message.streaming').count(), { timeout: 10_000 }).toBe(0);
}

const actions = (page: Page) =>
  page
    .locator('#steps tbody tr')
    .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.action));

describe('the step viewer', () => {
  it('shows every step, its change and the graph; forks from step 1; hides the app from another user', async () => {
    const { page, errors } = await signedIn('alice');
    await ask(page, 'write a poem about ledgers');
    await ask(page, 'What is a turnout?');
    const appId = new URL(page.url()).hash.slice(1);

    await page.click(`#apps a.steps[href="/apps/chatbot/${appId}"]`);
    await expect
      .poll(() => actions(page), { timeout: 10_000 })
      .toEqual(['prompt', 'decide_mode', 'generate_poem', 'prompt', 'decide_mode', 'answer_question']);
    expect(await page.locator('#step-1 .diff').textContent()).toContain('write a poem about ledgers');
    expect(await page.locator('#step-1 .diff').textContent()).toContain('1 appended');
    // One node per action; the position and next marked; every edge's condition named.
    expect(await page.locator('#diagram .node').count()).toBe(7);
    expect(await page.locator('#diagram .node.position').getAttribute('data-action')).toBe('answer_question');
    expect(await page.locator('#diagram .node.next').getAttribute('data-action')).toBe('prompt');
    expect(await page.locator('#diagram .edge text').allTextContents()).toContain('mode is generate_poem');
    expect(await page.locator('#diagram .edge text.default').count()).toBeGreaterThan(0);
    expect(await page.locator('#diagram .node.halt-after').count()).toBe(5);
    expect(await page.locator(`#relations a[href="/#${appId}"]`).count()).toBe(1);

    // The whole state on demand: the prompt before the step, and after it.
    await page.click('#step-1 .show-state');
    await expect.poll(() => page.locator('#step-1 .whole-state').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#step-1 .diff .before').first().textContent()).toBe('');
    await page.screenshot({ path: `${shots}/step-viewer.png`, fullPage: true });

    await page.click('#step-1 .fork');
    await expect.poll(() => page.url(), { timeout: 10_000 }).not.toContain(appId);
    const forkId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) as string);
    await expect
      .poll(() => page.locator(`#relations a[href="/apps/chatbot/${appId}#step-1"]`).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    expect(await page.locator('#diagram .node.position').getAttribute('data-action')).toBe('prompt');
    expect(await page.locator('#diagram .node.next').getAttribute('data-action')).toBe('decide_mode');

    // The apps page lists both, the fork with its parent.
    await page.goto(`${url}/apps`);
    await expect.poll(() => page.locator('#apps tbody tr').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator(`#apps a[href="/apps/chatbot/${appId}#step-1"]`).count()).toBe(1);
    await page.screenshot({ path: `${shots}/apps-page.png`, fullPage: true });
    expect(errors).toEqual([]);

    const other = await signedIn('mallory');
    await other.page.goto(`${url}/apps/chatbot/${encodeURIComponent(forkId)}`);
    await expect.poll(() => other.page.locator('#not-found').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await other.page.locator('#viewer').isVisible()).toBe(false);
    expect(await other.page.locator('#steps tbody tr').count()).toBe(0);
    expect(await other.page.content()).not.toContain('ledgers');
  }, 90_000);

  it('gives a reader no fork button, an admin one, and shows a background run and its running action live', async () => {
    const alice = createClient(url, { token: await testApp.token('alice') });
    const app = await alice.chatbot.create({ app_id: 'watched' });
    await alice.chatbot.grants.put(app.app_id, 'rita', 'read');

    const reader = await signedIn('rita');
    await reader.page.goto(`${url}/apps/chatbot/watched`);
    await expect.poll(() => reader.page.locator('#viewer').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await reader.page.locator('#steps tbody tr').count()).toBe(0);

    await reader.page.evaluate(() => Object.assign(window, { notReloaded: true }));
    const run = await alice.runs.create('chatbot', 'watched', 'prompt', {
      prompt: 'What is a signal? (held)',
    });
    // The answer waits: its action is marked running on the diagram and in the row below the steps.
    const runningNodes = () =>
      reader.page
        .locator('#diagram .node.running')
        .evaluateAll((nodes) => nodes.map((node) => (node as SVGGElement).dataset.action));
    await expect.poll(runningNodes, { timeout: 15_000 }).toEqual(['answer_question']);
    expect(await reader.page.locator('#running').isVisible()).toBe(true);
    expect(await reader.page.locator('#running').getAttribute('data-action')).toBe('answer_question');
    expect(await reader.page.locator('#running').textContent()).toContain('running…');
    expect(await reader.page.locator('#running').getAttribute('data-run-id')).toBe(run.run_id);
    await expect.poll(() => actions(reader.page), { timeout: 10_000 }).toEqual(['prompt', 'decide_mode']);
    await reader.page.screenshot({ path: `${shots}/step-viewer-running.png`, fullPage: true });

    held.release();
    await expect
      .poll(() => actions(reader.page), { timeout: 15_000 })
      .toEqual(['prompt', 'decide_mode', 'answer_question']);
    expect((await alice.runs.wait(run.run_id)).status).toBe('succeeded');
    await expect.poll(() => reader.page.locator('#running').isVisible(), { timeout: 10_000 }).toBe(false);
    expect(await runningNodes()).toEqual([]);

    expect(await reader.page.evaluate(() => 'notReloaded' in window)).toBe(true);
    expect(await reader.page.locator('#steps .fork').count()).toBe(0);
    expect(await reader.page.locator('#steps .show-state').count()).toBe(3);
    await expect
      .poll(() => reader.page.locator('#diagram .node.position').getAttribute('data-action'), {
        timeout: 10_000,
      })
      .toBe('answer_question');

    const admin = await browser.newPage();
    await admin.goto(`${url}/apps/chatbot/watched`);
    await admin.evaluate(
      (token) => localStorage.setItem('switchyard.token', token),
      await testApp.token('root', ['admin']),
    );
    await admin.reload();
    await expect.poll(() => admin.locator('#steps .fork').count(), { timeout: 10_000 }).toBe(3);

    // A run that ends without committing its action (cancelled mid-answer) clears the mark too.
    const cancelled = await alice.runs.create('chatbot', 'watched', 'prompt', {
      prompt: 'What is a stop signal? (until cancelled)',
    });
    await expect.poll(runningNodes, { timeout: 15_000 }).toEqual(['answer_question']);
    await alice.runs.cancel(cancelled.run_id);
    await expect.poll(() => reader.page.locator('#running').isVisible(), { timeout: 10_000 }).toBe(false);
    expect(await runningNodes()).toEqual([]);
    // Its answer is there as the failed attempt the cancel left, not as a committed step.
    const failedRows = () =>
      reader.page
        .locator('#steps tbody tr.failed')
        .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.action));
    await expect.poll(failedRows, { timeout: 10_000 }).toEqual(['answer_question']);
    expect(await reader.page.locator('#steps tbody tr.committed').count()).toBe(5);
    expect(await reader.page.evaluate(() => 'notReloaded' in window)).toBe(true);
    expect(reader.errors).toEqual([]);
  }, 60_000);

  it('shows the running action of a stream the chat page started, then its step, without a reload', async () => {
    const { page: chat, errors: chatErrors } = await signedIn('alice');
    // The first turn is not held: the chat page names its app, the viewer opens on its four steps.
    await ask(chat, 'What is a block?');
    const appId = new URL(chat.url()).hash.slice(1);
    const viewer = await chat.context().newPage();
    const viewerErrors: string[] = [];
    viewer.on('pageerror', (error) => viewerErrors.push(error.message));
    await viewer.goto(`${url}/apps/chatbot/${encodeURIComponent(appId)}`);
    await expect.poll(() => actions(viewer), { timeout: 10_000 }).toHaveLength(3);
    await viewer.evaluate(() => Object.assign(window, { notReloaded: true }));

    // The chat page streams the second turn (POST …/actions/prompt/stream), held in its answer.
    await chat.fill('#prompt', 'What is a streamed signal? (held:chat)');
    await chat.click('#prompt-form button');
    const runningNodes = () =>
      viewer
        .locator('#diagram .node.running')
        .evaluateAll((nodes) => nodes.map((node) => (node as SVGGElement).dataset.action));
    await expect.poll(runningNodes, { timeout: 15_000 }).toEqual(['answer_question']);
    const row = viewer.locator('#running');
    expect(await row.isVisible()).toBe(true);
    expect(await row.getAttribute('data-action')).toBe('answer_question');
    expect(await row.getAttribute('data-stream-id')).not.toBe('');
    expect(await row.textContent()).toContain('running…');
    expect(await row.textContent()).toContain('streamed action');
    expect(await row.locator('td').first().textContent()).toBe('6');
    await expect
      .poll(() => actions(viewer), { timeout: 10_000 })
      .toEqual(['prompt', 'decide_mode', 'answer_question', 'prompt', 'decide_mode']);

    held.release('chat');
    await expect.poll(() => chat.locator('.message.streaming').count(), { timeout: 10_000 }).toBe(0);
    await expect
      .poll(() => actions(viewer), { timeout: 15_000 })
      .toEqual(['prompt', 'decide_mode', 'answer_question', 'prompt', 'decide_mode', 'answer_question']);
    await expect.poll(() => row.isVisible(), { timeout: 10_000 }).toBe(false);
    expect(await runningNodes()).toEqual([]);
    expect(await viewer.evaluate(() => 'notReloaded' in window)).toBe(true);
    expect(chatErrors).toEqual([]);
    expect(viewerErrors).toEqual([]);
  }, 60_000);

  it('gives a write grantee the fork button, and its fork works', async () => {
    const alice = createClient(url, { token: await testApp.token('alice') });
    const app = await alice.chatbot.create({ app_id: 'shared-for-writing' });
    await alice.chatbot.act(app.app_id, 'prompt', { prompt: 'What is a block section?' });
    await alice.chatbot.grants.put(app.app_id, 'wendy', 'write');

    const writer = await signedIn('wendy');
    await writer.page.goto(`${url}/apps/chatbot/shared-for-writing`);
    await expect.poll(() => writer.page.locator('#steps .fork').count(), { timeout: 10_000 }).toBe(3);
    await writer.page.click('#step-1 .fork');
    await expect
      .poll(
        () => writer.page.locator('#relations a[href="/apps/chatbot/shared-for-writing#step-1"]').count(),
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    // The fork is the grantee's own.
    const wendy = createClient(url, { token: await testApp.token('wendy') });
    const forkId = decodeURIComponent(new URL(writer.page.url()).pathname.split('/').at(-1) as string);
    expect((await wendy.chatbot.get(forkId)).partition_key).toBe('wendy');
    expect(writer.errors).toEqual([]);
  }, 60_000);
});

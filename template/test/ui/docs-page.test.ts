// Every page in Chromium with the network cut off beyond loopback: /docs renders the API reference
// from the app's own files, the chat page works, and neither reports a Content-Security-Policy
// violation or asks another origin for anything.
import { type Browser, chromium, type Page } from 'playwright-core';
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
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  testApp = await createTestApp({ env: { AUTH_DEV_LOGIN: 'true' } });
  server = await serveOnLoopback(testApp);
  origin = `http://127.0.0.1:${server.port}`;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server.shutdown();
  await testApp.close();
});

/** A page whose every request off this origin is refused, recording them, CSP violations and errors. */
async function offlinePage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const refused: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, refused, problems };
}

async function signIn(page: Page, name: string) {
  await page.goto(`${origin}/`);
  await page.fill('#signin-value', name);
  await page.click('#signin-form button');
  await page.locator('#main').waitFor({ state: 'visible', timeout: 10_000 });
}

describe('pages under a strict Content-Security-Policy, offline', () => {
  it('sends the policy on every page and on API answers', async () => {
    for (const path of ['/', '/docs', '/healthz', '/nowhere']) {
      const policy = (await fetch(`${origin}${path}`)).headers.get('content-security-policy') ?? '';
      expect(policy, path).toContain("script-src 'self'");
      expect(policy, path).toContain("connect-src 'self'");
      expect(policy, path).toContain("frame-ancestors 'none'");
      expect(policy, path).not.toMatch(/unsafe-eval|https?:/);
      expect(policy.match(/script-src[^;]*/)?.[0], path).not.toContain('unsafe-inline');
    }
  });

  it('/docs renders the reference of this API from local files', async () => {
    const { page, refused, problems } = await offlinePage();
    await page.goto(`${origin}/docs`);
    // The reference shows the document's title and lists its operations once it has rendered.
    await expect
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point (textContent also holds text the page never drew)
      .poll(() => page.evaluate(() => document.body.innerText), { timeout: 20_000 })
      .toMatch(/Switchyard API[\s\S]*Readiness/);
    expect(refused).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('the chat page signs in and streams an answer', async () => {
    const { page, refused, problems } = await offlinePage();
    await signIn(page, 'alice');
    await page.fill('#prompt', 'What is a signal box?');
    await page.click('#prompt-form button');
    await expect
      .poll(() => page.locator('.message.assistant:not(.streaming)').count(), { timeout: 15_000 })
      .toBe(1);
    expect(refused).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('opens a conversation whose id needs escaping in the address', async () => {
    // Within the id rule (visible ASCII), and every character a URL's path or hash must escape.
    const appId = 'notes&ideas/#1?50%';
    const headers = {
      authorization: `Bearer ${await testApp.token('carol')}`,
      'content-type': 'application/json',
    };
    const created = await fetch(`${origin}/api/v1/chatbot/apps`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ app_id: appId }),
    });
    expect(created.status).toBe(201);
    const asked = await fetch(`${origin}/api/v1/chatbot/apps/${encodeURIComponent(appId)}/actions/prompt`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ prompt: 'hello from an odd id' }),
    });
    expect(asked.status).toBe(200);
    const { page, problems } = await offlinePage();
    await signIn(page, 'carol');
    // Picked from the list, and opened from its address.
    await page.locator('#apps a').first().click();
    await expect.poll(() => page.locator('#current').textContent(), { timeout: 10_000 }).toBe(appId);
    await expect.poll(() => page.locator('.message.user').count(), { timeout: 10_000 }).toBe(1);
    await page.goto(`${origin}/#${encodeURIComponent(appId)}`);
    await page.reload();
    await expect.poll(() => page.locator('#current').textContent(), { timeout: 10_000 }).toBe(appId);
    expect(await page.locator('.message.user').textContent()).toContain('hello from an odd id');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});

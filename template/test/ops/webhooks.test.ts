import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebhooksRepository } from '../../src/db/webhooks-repository';
import { dialects, sqliteDatabase, type TestDatabase } from '../helpers/databases';
import { createTestApp } from '../helpers/test-app';

const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const env = {
  WEBHOOK_SECRET,
  WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_BASE_MS: '40',
  SCRIPTED_DELAY_MS: '0',
};

interface Delivery {
  status: number;
  verified: boolean;
  body: {
    type: string;
    data: { run: { run_id: string; status: string }; result: unknown; problem: unknown };
  };
  headers: IncomingHttpHeaders;
}

/** A receiver on 127.0.0.1 that verifies each delivery with `standardwebhooks` and fails the first `failures`. */
async function receiver(options: {
  failures: number;
  answer?: (path: string) => [number, Record<string, string>?];
}) {
  const deliveries: Delivery[] = [];
  const verifier = new Webhook(WEBHOOK_SECRET);
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      let verified = true;
      try {
        verifier.verify(raw, request.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const failing = deliveries.length < options.failures;
      const [status, headers] = options.answer?.(request.url ?? '/') ?? [failing ? 500 : 204];
      deliveries.push({ status, verified, body: JSON.parse(raw), headers: request.headers });
      response.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deliveries,
    successes: () => deliveries.filter((delivery) => delivery.status < 300),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

type TestApp = Awaited<ReturnType<typeof createTestApp>>;

async function queueRun(testApp: TestApp, appId: string, body: Record<string, unknown>) {
  const headers = {
    authorization: `Bearer ${await testApp.token('alice')}`,
    'content-type': 'application/json',
  };
  await testApp.app.request('/api/v1/chatbot/apps', {
    method: 'POST',
    headers,
    body: JSON.stringify({ app_id: appId }),
  });
  return testApp.app.request(`/api/v1/chatbot/apps/${appId}/runs`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
}

/** Keeps the database when the first app closes, so a second one can open it ("a restart"). */
const kept = (testDb: TestDatabase): TestDatabase => ({ ...testDb, drop: async () => {} });

describe.each(dialects)('run webhooks on $name', ({ create }) => {
  let hook: Awaited<ReturnType<typeof receiver>>;
  afterEach(() => hook?.close());

  it('delivers a signed run once, after two failed attempts, even with two instances delivering', async () => {
    hook = await receiver({ failures: 2 });
    const testDb = await create();
    const first = await createTestApp({ env, testDb: kept(testDb) });
    const second = await createTestApp({ env, testDb });
    try {
      first.webhookDispatcher?.start();
      second.webhookDispatcher?.start();
      await first.runWorker.start();
      const queued = await queueRun(first, 'hooked', {
        action: 'prompt',
        inputs: { prompt: 'Write a poem' },
        webhook: { url: `${hook.url}/hooks/runs` },
      });
      expect(queued.status).toBe(202);
      const { run_id } = (await queued.json()) as { run_id: string };
      await expect.poll(() => hook.successes().length, { timeout: 10_000 }).toBe(1);
      // Later polls of both instances find nothing more to send.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(hook.deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 204]);
      expect(hook.deliveries.every((delivery) => delivery.verified)).toBe(true);
      // The same webhook-id on every attempt, so a receiver can drop a repeat.
      expect(new Set(hook.deliveries.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
      const [delivered] = hook.successes();
      expect(delivered?.body.type).toBe('run.succeeded');
      expect(delivered?.body.data.run).toMatchObject({ run_id, status: 'succeeded' });
      expect(delivered?.body.data.result).toMatchObject({ app_id: 'hooked', next: 'prompt' });
      expect(delivered?.body.data.problem).toBeNull();
      expect(await new WebhooksRepository(first.database).state(run_id)).toEqual({
        status: 'delivered',
        attempts: 3,
        error: null,
      });
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('run webhooks', () => {
  let hook: Awaited<ReturnType<typeof receiver>>;
  afterEach(() => hook?.close());

  it('carry on after a restart, from the delivery state stored with the run', async () => {
    hook = await receiver({ failures: 1 });
    const testDb = sqliteDatabase();
    const before = await createTestApp({
      env: { ...env, WEBHOOK_RETRY_BASE_MS: '400' },
      testDb: kept(testDb),
    });
    before.webhookDispatcher?.start();
    await before.runWorker.start();
    const queued = await queueRun(before, 'restarted', {
      action: 'prompt',
      inputs: { prompt: 'hello' },
      webhook: { url: hook.url },
    });
    const { run_id } = (await queued.json()) as { run_id: string };
    await expect.poll(() => hook.deliveries.length, { timeout: 10_000 }).toBe(1);
    await before.close(); // stops before the retry is due
    expect(hook.successes()).toHaveLength(0);

    const after = await createTestApp({ env, testDb });
    try {
      after.webhookDispatcher?.start();
      await expect.poll(() => hook.successes().length, { timeout: 10_000 }).toBe(1);
      expect(hook.deliveries).toHaveLength(2);
      expect(await new WebhooksRepository(after.database).state(run_id)).toMatchObject({
        status: 'delivered',
      });
    } finally {
      await after.close();
    }
  });

  it('post the problem of a failed run', async () => {
    hook = await receiver({ failures: 0 });
    const testApp = await createTestApp({ env });
    try {
      testApp.webhookDispatcher?.start();
      await testApp.runWorker.start();
      // decide_mode is not the new app's next action: the run fails with 409.
      const queued = await queueRun(testApp, 'failing', {
        action: 'decide_mode',
        webhook: { url: hook.url },
      });
      expect(queued.status).toBe(202);
      await expect.poll(() => hook.successes().length, { timeout: 10_000 }).toBe(1);
      const [delivered] = hook.successes();
      expect(delivered?.body.type).toBe('run.failed');
      expect(delivered?.body.data.result).toBeNull();
      expect(delivered?.body.data.problem).toMatchObject({ status: 409, next: 'prompt' });
    } finally {
      await testApp.close();
    }
  });

  it('do not follow redirects, and give up after WEBHOOK_RETRY_FOR_MS', async () => {
    hook = await receiver({
      failures: 0,
      answer: (path) => (path === '/moved' ? [302, { location: '/landing' }] : [204]),
    });
    const testApp = await createTestApp({ env: { ...env, WEBHOOK_RETRY_FOR_MS: '150' } });
    try {
      testApp.webhookDispatcher?.start();
      await testApp.runWorker.start();
      const queued = await queueRun(testApp, 'redirected', {
        action: 'prompt',
        inputs: { prompt: 'hi' },
        webhook: { url: `${hook.url}/moved` },
      });
      const { run_id } = (await queued.json()) as { run_id: string };
      const webhooks = new WebhooksRepository(testApp.database);
      await expect
        .poll(async () => (await webhooks.state(run_id))?.status, { timeout: 10_000 })
        .toBe('failed');
      expect(hook.deliveries.length).toBeGreaterThanOrEqual(1);
      expect(hook.deliveries.every((delivery) => delivery.status === 302)).toBe(true);
      expect((await webhooks.state(run_id))?.error).toBe('the receiver answered 302');
    } finally {
      await testApp.close();
    }
  });
});

describe('POST …/runs with a webhook it refuses', () => {
  let strict: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    strict = await createTestApp({ env: { ...env, WEBHOOK_ALLOW_HOSTS: '' } });
    off = await createTestApp();
  });
  afterAll(async () => {
    await strict.close();
    await off.close();
  });

  const runCount = async (testApp: TestApp) =>
    (await testApp.database.db.select().from(testApp.database.tables.runs)).length;

  it.each([
    'http://127.0.0.1:9/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://10.1.2.3/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]/hook',
    'ftp://example.com/hook',
    'http://user:pass@example.com/hook',
    'not a url',
  ])('refuses %s with 422 and queues nothing', async (url) => {
    const response = await queueRun(strict, 'refused', {
      action: 'prompt',
      inputs: { prompt: 'x' },
      webhook: { url },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as { errors: { path: string }[] };
    expect(body.errors.map((error) => error.path)).toContain('webhook.url');
    expect(await runCount(strict)).toBe(0);
  });

  it('refuses any webhook when WEBHOOK_SECRET is not set', async () => {
    const response = await queueRun(off, 'no-secret', {
      action: 'prompt',
      inputs: { prompt: 'x' },
      webhook: { url: 'https://example.com/hook' },
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain('WEBHOOK_SECRET');
    expect(await runCount(off)).toBe(0);
  });
});

// The headers every response carries (security headers, X-Request-Id, RateLimit) go on the Node
// response when served by node:http, and through Hono in app.request(): both must give a client the
// same headers, and a header a route sets itself must win in both.
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constantHeaders, setResponseHeader } from '../../src/api/middleware/response-headers';
import type { RunningServer } from '../../src/lib/serve';
import { contentSecurityPolicy } from '../../src/ui/content-security-policy';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

/** What hono/secure-headers itself sends with the app's policy: the reference. */
async function honoSecureHeaders() {
  const reference = new Hono()
    .use(secureHeaders({ contentSecurityPolicy }))
    .get('/', (c) => c.body(null, 204));
  const headers = Object.fromEntries((await reference.request('/')).headers);
  delete headers['content-type'];
  return headers;
}

const pick = (headers: Headers, names: string[]) =>
  Object.fromEntries(names.map((name) => [name, headers.get(name)]));

describe('constantHeaders() and setResponseHeader()', () => {
  const probe = new Hono()
    .use(constantHeaders(secureHeaders({ contentSecurityPolicy })))
    .use(async (c, next) => {
      setResponseHeader(c, 'X-Set-Before', 'yes');
      await next();
    })
    .get('/plain', (c) => c.json({ ok: true }))
    .get('/own-frame-rule', (c) => c.json({ ok: true }, 200, { 'X-Frame-Options': 'DENY' }))
    .get('/raw', () => new Response('raw', { headers: { 'content-type': 'text/plain' } }));
  let server: RunningServer;
  let origin: string;
  beforeAll(async () => {
    server = await serveOnLoopback({ app: probe });
    origin = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.shutdown());

  for (const via of ['node:http', 'app.request()'] as const) {
    const get = (path: string) => (via === 'node:http' ? fetch(`${origin}${path}`) : probe.request(path));

    it(`sends hono/secure-headers' headers on every response (${via})`, async () => {
      const expected = await honoSecureHeaders();
      for (const path of ['/plain', '/raw', '/missing']) {
        const response = await get(path);
        expect(pick(response.headers, Object.keys(expected))).toEqual(expected);
        expect(response.headers.get('x-set-before')).toBe(
          path === '/raw' && via === 'app.request()' ? null : 'yes',
        );
      }
    });

    it(`lets a route's own header win (${via})`, async () => {
      const response = await get('/own-frame-rule');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });
  }
});

describe('the app over node:http', () => {
  let testApp: Awaited<ReturnType<typeof createTestApp>>;
  let server: RunningServer;
  let origin: string;
  beforeAll(async () => {
    testApp = await createTestApp({ env: { RATE_LIMIT_PER_MIN: '50', ANON_RATE_LIMIT_PER_MIN: '40' } });
    server = await serveOnLoopback(testApp);
    origin = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.shutdown();
    await testApp.close();
  });

  it('answers an authenticated read with the security headers, its request id and the caller’s limit', async () => {
    const authorization = `Bearer ${await testApp.token('header-reader')}`;
    const created = await fetch(`${origin}/api/v1/chatbot/apps`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{}',
    });
    const { app_id } = (await created.json()) as { app_id: string };
    const response = await fetch(`${origin}/api/v1/chatbot/apps/${app_id}`, {
      headers: { authorization, 'x-request-id': 'trace-me-42' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const expected = await honoSecureHeaders();
    expect(pick(response.headers, Object.keys(expected))).toEqual(expected);
    expect(response.headers.get('x-request-id')).toBe('trace-me-42');
    expect(response.headers.get('ratelimit-policy')).toBe('50;w=60');
    expect(response.headers.get('ratelimit')).toMatch(/^limit=50, remaining=48, reset=\d+$/);
  });

  it('gives an unsafe request id a fresh one, and a 401 the anonymous limit', async () => {
    const response = await fetch(`${origin}/api/v1/chatbot/apps/x`, {
      headers: { authorization: 'Bearer not-a-token', 'x-request-id': 'has spaces' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await response.json()) as { request_id: string }).request_id).toBe(
      response.headers.get('x-request-id'),
    );
    expect(response.headers.get('ratelimit-policy')).toBe('40;w=60');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });
});

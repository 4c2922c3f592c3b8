// Nothing anonymous is unbounded: requests without a token (probes, the OpenAPI document, pages)
// and requests answered 401 are limited per client address, taken from X-Forwarded-For only when
// TRUST_PROXY says a proxy we trust adds it. And /openapi.json is built once, not per request.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

const LIMIT = 5;
let opened: { testApp: Awaited<ReturnType<typeof createTestApp>>; server: RunningServer }[] = [];

async function start(env: Record<string, string> = {}) {
  const testApp = await createTestApp({ env: { ANON_RATE_LIMIT_PER_MIN: String(LIMIT), ...env } });
  const server = await serveOnLoopback(testApp);
  opened.push({ testApp, server });
  const base = `http://127.0.0.1:${server.port}`;
  return { testApp, base };
}
afterEach(async () => {
  for (const { testApp, server } of opened) {
    await server.shutdown();
    await testApp.close();
  }
  opened = [];
});

const statuses = async (count: number, request: () => Promise<Response>) => {
  const answers: number[] = [];
  for (let index = 0; index < count; index++) answers.push((await request()).status);
  return answers;
};

describe('anonymous traffic', () => {
  it('is limited per address across the probes, the document and the pages, with 429 and Retry-After', async () => {
    const { base } = await start();
    const paths = ['/healthz', '/readyz', '/openapi.json', '/docs', '/healthz'];
    const answers = [];
    for (const path of paths) answers.push((await fetch(`${base}${path}`)).status);
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    const refused = await fetch(`${base}/readyz`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('counts the 401s of /api per address, never the authenticated requests', async () => {
    const { base, testApp } = await start();
    const good = { authorization: `Bearer ${await testApp.token('alice')}` };
    const valid = () => fetch(`${base}/api/v1/chatbot/apps`, { headers: good });
    expect(await statuses(LIMIT + 3, valid)).toEqual(Array(LIMIT + 3).fill(200));
    const bad = () => fetch(`${base}/api/v1/chatbot/apps`, { headers: { authorization: 'Bearer nope' } });
    expect(await statuses(LIMIT + 1, bad)).toEqual([...Array(LIMIT).fill(401), 429]);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is on, then takes the entry the proxy added', async () => {
    const untrusted = await start();
    const spoofing = (n: number) => () =>
      fetch(`${untrusted.base}/healthz`, { headers: { 'x-forwarded-for': `10.0.0.${n}` } });
    const answers = [];
    for (let index = 0; index <= LIMIT; index++) answers.push((await spoofing(index)()).status);
    expect(answers.at(-1)).toBe(429);

    const trusted = await start({ TRUST_PROXY: 'true' });
    const from = (address: string) =>
      fetch(`${trusted.base}/healthz`, { headers: { 'x-forwarded-for': `6.6.6.6, ${address}` } });
    expect(await statuses(LIMIT + 1, () => from('10.0.0.1'))).toEqual([...Array(LIMIT).fill(200), 429]);
    // Another client behind the same proxy has its own count; the client-made entry on the left does not matter.
    expect((await from('10.0.0.2')).status).toBe(200);
  });
});

describe('GET /openapi.json', () => {
  it('is built once and then served as it is', async () => {
    const { testApp, base } = await start({ ANON_RATE_LIMIT_PER_MIN: '1000' });
    const build = vi.spyOn(testApp.app, 'getOpenAPI31Document');
    const bodies = [];
    for (let index = 0; index < 3; index++) bodies.push(await (await fetch(`${base}/openapi.json`)).text());
    expect(build).toHaveBeenCalledTimes(1);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0] as string).openapi).toBe('3.1.0');
  });
});

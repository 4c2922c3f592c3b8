// A response given before the request's body was read must not leave a keep-alive socket that the
// server is about to destroy: the next request a pooled client sends on it would die.
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let base: string;
let token: string;

beforeAll(async () => {
  testApp = await createTestApp();
  server = await serveOnLoopback(testApp);
  base = `http://127.0.0.1:${server.port}`;
  token = await testApp.token('alice');
  await fetch(`${base}/api/v1/chatbot/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ app_id: 'early' }),
  });
});
afterAll(async () => {
  await testApp.close();
  await server.shutdown();
});

// Far more than the socket buffers (~64 KB), so the server answers before the body has arrived:
// 2 MB is over the 1 MB BODY_LIMIT, 900 KB is under it.
const body = (kib: number) => JSON.stringify({ prompt: 'x'.repeat(kib * 1024) });
const json = { 'content-type': 'application/json' };

type Refusal = [
  name: string,
  status: number,
  path: string,
  kib: number,
  headers: () => Record<string, string>,
];
const refusals: Refusal[] = [
  ['too large', 413, '/api/v1/chatbot/apps', 2048, () => ({ ...json, authorization: `Bearer ${token}` })],
  ['no token', 401, '/api/v1/chatbot/apps', 900, () => json],
  [
    'wrong content type',
    415,
    '/api/v1/chatbot/apps/early/actions/prompt',
    900,
    () => ({ 'content-type': 'text/plain', authorization: `Bearer ${token}` }),
  ],
  ['unknown route', 404, '/nowhere', 900, () => json],
];

describe('an early 4xx before a large body is read', () => {
  for (const [name, status, path, kib, headers] of refusals) {
    it(`(${name}: ${status}) says Connection: close, and the next request on a one-socket pool works`, async () => {
      const pool = new Agent({ connections: 1 });
      try {
        const refused = await undiciFetch(`${base}${path}`, {
          method: 'POST',
          headers: headers(),
          body: body(kib),
          dispatcher: pool,
        }).catch((error: Error) => error);
        // The server may close before the upload ends; what matters is the next request.
        if (!(refused instanceof Error)) {
          expect(refused.status).toBe(status);
          expect(refused.headers.get('connection')).toBe('close');
          await refused.arrayBuffer();
        }
        const next = await undiciFetch(`${base}/healthz`, { dispatcher: pool });
        expect(next.status).toBe(200);
        expect(await next.json()).toEqual({ status: 'ok' });
      } finally {
        await pool.close();
      }
    });
  }

  it("with Node's own fetch: the refusal arrives with Connection: close and the following request works", async () => {
    const refused = await fetch(`${base}/api/v1/chatbot/apps`, {
      method: 'POST',
      headers: json,
      body: body(900),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('connection')).toBe('close');
    await refused.text();
    const next = await fetch(`${base}/healthz`);
    expect(next.status).toBe(200);
  });

  it('keeps the connection alive when the body was read', async () => {
    const answered = await fetch(`${base}/api/v1/chatbot/apps`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${token}` },
      body: JSON.stringify({ app_id: 'kept-alive' }),
    });
    expect(answered.status).toBe(201);
    expect(answered.headers.get('connection')).toBe('keep-alive');
  });
});

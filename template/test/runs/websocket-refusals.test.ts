// A refused WebSocket upgrade is answered as the route's OpenAPI entry says: problem+json, with
// the headers that tell the client what to do (WWW-Authenticate on 401, Retry-After on 429).
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let wsBase: string;
let runId: string;

beforeAll(async () => {
  testApp = await createTestApp({ env: { RATE_LIMIT_PER_MIN: '8' } });
  server = await serveOnLoopback(testApp);
  const base = `http://127.0.0.1:${server.port}/api/v1`;
  wsBase = `ws://127.0.0.1:${server.port}/api/v1`;
  const headers = {
    authorization: `Bearer ${await testApp.token('alice')}`,
    'content-type': 'application/json',
  };
  await fetch(`${base}/chatbot/apps`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ app_id: 'ws-refused' }),
  });
  const started = await fetch(`${base}/chatbot/apps/ws-refused/runs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ action: 'prompt', inputs: { prompt: 'hello' } }),
  });
  runId = (await started.json()).run_id;
});
afterAll(async () => {
  await testApp.close();
  await server.shutdown();
});

interface Refusal {
  status: number;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** The whole answer to a refused upgrade, as the `ws` client sees it. */
function refusal(path: string, protocols: string[] = [], options: ClientOptions = {}): Promise<Refusal> {
  const ws = new WebSocket(`${wsBase}${path}`, protocols, options);
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: JSON.parse(text || '{}'),
        });
        ws.terminate();
      });
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
  });
}

describe('refused WebSocket upgrades', () => {
  it('401 without a token: problem+json with WWW-Authenticate: Bearer', async () => {
    const refused = await refusal(`/runs/${runId}/ws`);
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(refused.body).toMatchObject({
      status: 401,
      title: expect.any(String),
      detail: expect.any(String),
    });
  });

  it('404 for another user, with the same body as an unknown run (no existence leak)', async () => {
    const mallory = await testApp.token('mallory');
    const hidden = await refusal(`/runs/${runId}/ws`, ['bearer', mallory]);
    const unknown = await refusal('/runs/no-such-run/ws', ['bearer', mallory]);
    expect(hidden.status).toBe(404);
    expect(hidden.headers['content-type']).toBe('application/problem+json');
    expect({ ...hidden.body, request_id: null }).toEqual({ ...unknown.body, request_id: null });
  });

  it('422 for a resume point that is not an event id, with the field named', async () => {
    const alice = await testApp.token('alice');
    const refused = await refusal(`/runs/${runId}/ws?after=five`, ['bearer', alice]);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: 422, errors: [{ path: 'after' }] });
  });

  it('the same whole answer for an upgrade to a route that takes none', async () => {
    const refused = await refusal('/chatbot/apps/ws-refused');
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ status: 401, detail: expect.any(String) });
  });

  it('429 once the rate limit is spent, with Retry-After', async () => {
    const bob = await testApp.token('bob');
    let refused: Refusal | undefined;
    for (let attempt = 0; attempt < 20 && refused?.status !== 429; attempt++) {
      refused = await refusal('/runs/no-such-run/ws', ['bearer', bob]);
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused?.body).toMatchObject({ status: 429 });
  });
});

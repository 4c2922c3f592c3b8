// Each user may hold STREAMS_PER_USER streams open at once (streamed actions, run events over SSE
// and WebSocket, counted together); one more answers 429 with Retry-After and starts nothing.
// Closing a stream gives its slot back; other users are not affected.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RunsRepository } from '../../src/db/runs-repository';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let base: string;
let runId: string;
const headers = async (sub: string) => ({
  authorization: `Bearer ${await testApp.token(sub)}`,
  'content-type': 'application/json',
});

beforeAll(async () => {
  testApp = await createTestApp({ env: { STREAMS_PER_USER: '2' } });
  server = await serveOnLoopback(testApp);
  base = `http://127.0.0.1:${server.port}/api/v1`;
  for (const sub of ['alice', 'bob']) {
    await fetch(`${base}/chatbot/apps`, {
      method: 'POST',
      headers: await headers(sub),
      body: JSON.stringify({ app_id: `${sub}-app` }),
    });
  }
  // A run that stays running (no worker is started): its followers stay open until they leave.
  const runs = new RunsRepository(testApp.database);
  const run = await runs.create({
    graph: 'chatbot',
    appId: 'alice-app',
    action: 'prompt',
    inputs: {},
    createdBy: 'alice',
  });
  await runs.claimNext();
  runId = run.runId;
  await testApp.app.request(`/api/v1/chatbot/apps/alice-app/grants/bob`, {
    method: 'PUT',
    headers: await headers('alice'),
    body: JSON.stringify({ permission: 'read' }),
  });
});
afterAll(async () => {
  await server.shutdown();
  await testApp.close();
});

async function openEvents(sub: string) {
  const leave = new AbortController();
  const response = await fetch(`${base}/runs/${runId}/events`, {
    headers: await headers(sub),
    signal: leave.signal,
  });
  return { response, leave: () => leave.abort() };
}

function openSocket(sub: string): Promise<{ status: number; ws: WebSocket }> {
  return headers(sub).then(
    (auth) =>
      new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/runs/${runId}/ws`, { headers: auth });
        ws.on('open', () => resolve({ status: 101, ws }));
        ws.on('unexpected-response', (_request, response) =>
          resolve({ status: response.statusCode ?? 0, ws }),
        );
        ws.on('error', () => {});
      }),
  );
}

describe('open streams per user', () => {
  it('answers the third stream 429 with Retry-After, on SSE, WebSocket and streamed actions alike', async () => {
    const first = await openEvents('alice');
    const second = await openSocket('alice');
    expect(first.response.status).toBe(200);
    expect(second.status).toBe(101);

    const sse = await openEvents('alice');
    expect(sse.response.status).toBe(429);
    expect(sse.response.headers.get('retry-after')).toBe('5');
    expect(sse.response.headers.get('content-type')).toContain('application/problem+json');
    expect((await openSocket('alice')).status).toBe(429);
    const before = await testApp.app.request('/api/v1/chatbot/apps/alice-app', {
      headers: await headers('alice'),
    });
    const action = await fetch(`${base}/chatbot/apps/alice-app/actions/prompt/stream`, {
      method: 'POST',
      headers: await headers('alice'),
      body: JSON.stringify({ prompt: 'hello' }),
    });
    expect(action.status).toBe(429);
    // Nothing ran: the app is where it was.
    const after = await testApp.app.request('/api/v1/chatbot/apps/alice-app', {
      headers: await headers('alice'),
    });
    expect((await after.json()).sequence_id).toBe((await before.json()).sequence_id);

    // Another user has slots of its own.
    const bobs = await openEvents('bob');
    expect(bobs.response.status).toBe(200);
    bobs.leave();

    // Leaving gives the slot back.
    first.leave();
    second.ws.close();
    await expect
      .poll(async () => {
        const again = await openEvents('alice');
        again.leave();
        return again.response.status;
      })
      .toBe(200);
  });

  it('gives the slot back when the stream is refused for another reason', async () => {
    const refused = [];
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`${base}/runs/${runId}/events`, {
        headers: { ...(await headers('alice')), 'last-event-id': 'not-a-number' },
      });
      refused.push(response.status);
    }
    expect(refused).toEqual([422, 422, 422, 422]);
    const open = await openEvents('alice');
    expect(open.response.status).toBe(200);
    open.leave();
  });

  it('gives the slot back when a WebSocket client leaves during the upgrade', async () => {
    const authorization = (await headers('alice')).authorization;
    for (let index = 0; index < 4; index++) {
      // The upgrade request, and the connection gone before the handshake is answered.
      const socket = connect(server.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.end(
        [
          `GET /api/v1/runs/${runId}/ws HTTP/1.1`,
          `Host: 127.0.0.1:${server.port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          `Authorization: ${authorization}`,
          '',
          '',
        ].join('\r\n'),
      );
      socket.destroy();
    }
    await expect
      .poll(async () => {
        const first = await openEvents('alice');
        const second = await openEvents('alice');
        first.leave();
        second.leave();
        return [first.response.status, second.response.status];
      })
      .toEqual([200, 200]);
  });
});

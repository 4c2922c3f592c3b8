import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import { createClient, streamEvents } from '../../src/client';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

// The scripted provider with a delay between words, so runs are observably queued, running, cancellable.
let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let base: string;
let wsBase: string;
const auth = async (sub: string) => ({
  authorization: `Bearer ${await testApp.token(sub)}`,
  'content-type': 'application/json',
});

beforeAll(async () => {
  testApp = await createTestApp({ env: { SCRIPTED_DELAY_MS: '20' } });
  server = await serveOnLoopback(testApp);
  base = `http://127.0.0.1:${server.port}/api/v1`;
  wsBase = `ws://127.0.0.1:${server.port}/api/v1`;
  await testApp.runWorker.start();
  for (const id of ['runs-a', 'runs-b', 'runs-c', 'runs-d']) {
    await fetch(`${base}/chatbot/apps`, {
      method: 'POST',
      headers: await auth('alice'),
      body: JSON.stringify({ app_id: id }),
    });
  }
});
afterAll(async () => {
  await testApp.close();
  await server.shutdown();
});

type SocketEvent = { event: string; id: number; data: unknown };

/** Every message of a WebSocket until the server closes it. */
function collect(ws: WebSocket): Promise<SocketEvent[]> {
  const messages: SocketEvent[] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    ws.on('close', () => resolve(messages));
    ws.on('error', reject);
  });
}
const socketEvents = (path: string, options: ClientOptions) =>
  collect(new WebSocket(`${wsBase}${path}`, options));

/** The HTTP status a refused WebSocket upgrade was answered with. */
function refusal(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
  });
}

async function startRun(appId: string, body: unknown, sub = 'alice') {
  return fetch(`${base}/chatbot/apps/${appId}/runs`, {
    method: 'POST',
    headers: await auth(sub),
    body: JSON.stringify(body),
  });
}
async function getJson(path: string, sub = 'alice') {
  const response = await fetch(`${base}${path}`, { headers: await auth(sub) });
  return { status: response.status, body: await response.json() };
}
async function waitFor(runId: string, statuses: string[]) {
  await expect
    .poll(async () => (await getJson(`/runs/${runId}`)).body.status, { timeout: 10_000, interval: 50 })
    .toSatisfy((s: string) => statuses.includes(s));
}

describe('background runs', () => {
  it('queues a run (202), runs it, and serves status, result and replayable events', async () => {
    const created = await startRun('runs-a', {
      action: 'prompt',
      inputs: { prompt: 'write a poem about queues' },
    });
    expect(created.status).toBe(202);
    const { run_id: runId, status } = await created.json();
    expect(status).toBe('queued');

    const early = await getJson(`/runs/${runId}/result`);
    expect(early.status).toBe(409);

    await waitFor(runId, ['succeeded']);
    const run = (await getJson(`/runs/${runId}`)).body;
    expect(run).toMatchObject({
      run_id: runId,
      app_id: 'runs-a',
      graph: 'chatbot',
      action: 'prompt',
      status: 'succeeded',
      error: null,
    });
    expect(run.started_at).not.toBeNull();
    const result = await getJson(`/runs/${runId}/result`);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ app_id: 'runs-a', sequence_id: 3, next: 'prompt' });

    const events = [];
    for await (const event of streamEvents(
      await fetch(`${base}/runs/${runId}/events`, { headers: await auth('alice') }),
    ))
      events.push(event);
    expect(events[0]?.event).toBe('state');
    expect(events.at(-1)?.event).toBe('done');
    expect(events.map((event) => Number(event.id))).toEqual(events.map((_, index) => index + 1));

    // Reconnecting with Last-Event-ID replays only what came after it.
    const resumed = [];
    const response = await fetch(`${base}/runs/${runId}/events`, {
      headers: { ...(await auth('alice')), 'last-event-id': '5' },
    });
    for await (const event of streamEvents(response)) resumed.push(Number(event.id));
    expect(resumed).toEqual(events.slice(5).map((event) => Number(event.id)));
  });

  it('sends over a WebSocket the same events as over SSE, and resumes after ?after=', async () => {
    const created = await (
      await startRun('runs-b', { action: 'prompt', inputs: { prompt: 'What is a queue?' } })
    ).json();
    // Live: the socket opens while the run is queued or running, and closes after its last event.
    const live = await socketEvents(`/runs/${created.run_id}/ws`, { headers: await auth('alice') });
    expect(live.at(0)?.event).toBe('state');
    expect(live.at(-1)?.event).toBe('done');
    expect(live.some((message) => message.event === 'delta')).toBe(true);

    const sse = [];
    const response = await fetch(`${base}/runs/${created.run_id}/events`, { headers: await auth('alice') });
    for await (const event of streamEvents(response)) sse.push({ ...event, id: Number(event.id) });
    expect(live).toEqual(sse);

    const resumed = await socketEvents(`/runs/${created.run_id}/ws?after=4`, {
      headers: await auth('alice'),
    });
    expect(resumed).toEqual(sse.slice(4));
    expect(resumed[0]?.id).toBe(5);
  });

  it('takes a browser\'s token from the WebSocket subprotocols "bearer, <token>"', async () => {
    const created = await (await startRun('runs-b', { action: 'prompt', inputs: { prompt: 'Who?' } })).json();
    const token = await testApp.token('alice');
    const ws = new WebSocket(`${wsBase}/runs/${created.run_id}/ws`, ['bearer', token]);
    const events = await collect(ws);
    // The server picks "bearer", never echoing the token.
    expect(ws.protocol).toBe('bearer');
    expect(events.at(-1)?.event).toBe('done');

    expect(
      await refusal(new WebSocket(`${wsBase}/runs/${created.run_id}/ws`, ['bearer', 'not-a-token'])),
    ).toBe(401);
    expect(await refusal(new WebSocket(`${wsBase}/runs/${created.run_id}/ws`))).toBe(401);
    const mallory = await testApp.token('mallory');
    expect(await refusal(new WebSocket(`${wsBase}/runs/${created.run_id}/ws`, ['bearer', mallory]))).toBe(
      404,
    );
  });

  it('refuses a resume point that is not an event id, on SSE and WebSocket', async () => {
    const created = await (await startRun('runs-b', { action: 'prompt', inputs: { prompt: 'Why?' } })).json();
    const headers = await auth('alice');
    const sse = await fetch(`${base}/runs/${created.run_id}/events`, {
      headers: { ...headers, 'last-event-id': 'five' },
    });
    expect(sse.status).toBe(422);
    expect(await sse.json()).toMatchObject({ status: 422, errors: [{ path: 'Last-Event-ID' }] });
    const ws = new WebSocket(`${wsBase}/runs/${created.run_id}/ws?after=-1`, { headers });
    expect(await refusal(ws)).toBe(422);
    await waitFor(created.run_id, ['succeeded']);
  });

  it('cancels a running action; the state stays at the last committed step', async () => {
    const created = await (
      await startRun('runs-c', { action: 'prompt', inputs: { prompt: 'write a poem that takes a while' } })
    ).json();
    const response = await fetch(`${base}/runs/${created.run_id}/events`, { headers: await auth('alice') });
    for await (const event of streamEvents(response)) {
      if (event.event === 'delta') break; // the answer is streaming: cancel now
    }
    const cancel = await fetch(`${base}/runs/${created.run_id}/cancel`, {
      method: 'POST',
      headers: await auth('alice'),
    });
    expect(cancel.status).toBe(202);
    await waitFor(created.run_id, ['cancelled']);
    const app = (await getJson('/chatbot/apps/runs-c')).body;
    expect(app).toMatchObject({ sequence_id: 2, next: 'generate_poem' });
    expect((await getJson(`/runs/${created.run_id}/result`)).status).toBe(409);
    const again = await fetch(`${base}/runs/${created.run_id}/cancel`, {
      method: 'POST',
      headers: await auth('alice'),
    });
    expect(again.status).toBe(409);
  });

  it('records a failed run with its problem', async () => {
    // decide_mode is not next on a new app: the run fails with the 409 the action route would give.
    const created = await (await startRun('runs-d', { action: 'decide_mode', inputs: {} })).json();
    await waitFor(created.run_id, ['failed']);
    const result = await getJson(`/runs/${created.run_id}/result`);
    expect(result.status).toBe(409);
    expect(result.body.next).toBe('prompt');
    expect((await getJson(`/runs/${created.run_id}`)).body.error).toMatch(/may not run now/);
  });

  it('refuses bad requests before queueing anything', async () => {
    expect((await startRun('runs-a', { action: 'fly', inputs: {} })).status).toBe(422);
    expect((await startRun('runs-a', { action: 'prompt', inputs: { prompt: 42 } })).status).toBe(422);
    expect((await startRun('nope', { action: 'prompt', inputs: { prompt: 'x' } })).status).toBe(404);
    const { db, tables } = testApp.database;
    const rows = await db.select().from(tables.runs);
    expect(rows.every((row) => row.action !== 'fly' && row.appId !== 'nope')).toBe(true);
  });

  it('hides runs of apps the caller may not see, and lets a reader read but not cancel', async () => {
    const created = await (
      await startRun('runs-a', { action: 'prompt', inputs: { prompt: 'private?' } })
    ).json();
    expect((await getJson(`/runs/${created.run_id}`, 'mallory')).status).toBe(404);
    expect((await getJson(`/runs/${created.run_id}/result`, 'mallory')).status).toBe(404);
    expect((await startRun('runs-a', { action: 'prompt', inputs: { prompt: 'x' } }, 'mallory')).status).toBe(
      404,
    );
    await fetch(`${base}/chatbot/apps/runs-a/grants/rita`, {
      method: 'PUT',
      headers: await auth('alice'),
      body: '{"permission":"read"}',
    });
    expect((await getJson(`/runs/${created.run_id}`, 'rita')).status).toBe(200);
    const cancel = await fetch(`${base}/runs/${created.run_id}/cancel`, {
      method: 'POST',
      headers: await auth('rita'),
    });
    expect(cancel.status).toBe(403);
    expect((await getJson('/runs/unknown-run')).status).toBe(404);
    await waitFor(created.run_id, ['succeeded', 'failed']);
  });
});

describe('the runs client', () => {
  it('creates, waits for and reads a run, and follows its events', async () => {
    const { chatbot, runs } = createClient(`http://127.0.0.1:${server.port}`, {
      token: await testApp.token('alice'),
    });
    await chatbot.create({ app_id: 'client-run' });
    const { run_id: runId } = await runs.create('chatbot', 'client-run', 'prompt', {
      prompt: 'Is this a client?',
    });
    const finished = await runs.wait(runId);
    expect(finished.status).toBe('succeeded');
    expect((await runs.result<{ chat_history: unknown[] }>(runId)).state.chat_history).toHaveLength(2);
    const names = [];
    for await (const event of runs.events(runId, 1)) names.push(event.event);
    expect(names[0]).toBe('action');
    expect(names.at(-1)).toBe('done');
  });
});

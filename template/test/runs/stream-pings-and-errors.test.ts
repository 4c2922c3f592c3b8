// The two SSE routes (a streamed action, and a background run's events) against a model served by an
// OpenAI-compatible server on 127.0.0.1: the `: ping` comment they send while open, and the `error`
// event that ends them when the model fails mid-answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamEvents } from '../../src/client';
import { startOpenAiServer } from '../helpers/openai-server';
import { createTestApp } from '../helpers/test-app';

let model: Awaited<ReturnType<typeof startOpenAiServer>>;
let testApp: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  model = await startOpenAiServer();
  testApp = await createTestApp({
    env: {
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: model.baseUrl,
      LLM_MODEL: 'test-model',
      OPENAI_API_KEY: 'sk-test-key',
      SSE_PING_INTERVAL_MS: '10',
    },
  });
});
afterAll(async () => {
  await testApp.close();
  await model.close();
});

const request = async (method: string, path: string, body?: unknown) =>
  testApp.app.request(`/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await testApp.token('alice')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** The raw text of an event stream, to its end. */
async function rawText(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return response.text();
}

/** The events of a raw event stream, as a client parses them (comments such as pings are skipped). */
async function parse(raw: string) {
  const events = [];
  for await (const event of streamEvents(new Response(raw))) events.push(event);
  return events;
}

/** The model classifies the prompt as a question, then answers slowly, so the stream stays open. */
const slowAnswer = () =>
  model.next(
    { kind: 'text', text: 'answer_question' },
    { kind: 'stream', tokens: ['one ', 'two ', 'three ', 'four ', 'five'], delayMs: 60 },
  );

/** The model classifies, then its connection dies after two pieces of the answer. */
const brokenAnswer = () =>
  model.next(
    { kind: 'text', text: 'answer_question' },
    { kind: 'stream', tokens: ['one ', 'two ', 'three'], failAfter: 2 },
  );

describe('the : ping heartbeat', () => {
  it('is sent on a streamed action while the model is slow, and clients skip it', async () => {
    await request('POST', '/chatbot/apps', { app_id: 'ping-action' });
    slowAnswer();
    const raw = await rawText(
      await request('POST', '/chatbot/apps/ping-action/actions/prompt/stream', { prompt: 'why?' }),
    );
    expect(raw).toMatch(/(^|\n): ping\n\n/);
    const events = await parse(raw);
    expect(events.map((event) => event.event)).not.toContain('');
    expect(events.at(-1)?.event).toBe('done');
    expect(events.filter((event) => event.event === 'delta')).toHaveLength(5);
  });

  it("is sent on a run's event stream", async () => {
    await request('POST', '/chatbot/apps', { app_id: 'ping-run' });
    slowAnswer();
    const created = await (
      await request('POST', '/chatbot/apps/ping-run/runs', { action: 'prompt', inputs: { prompt: 'why?' } })
    ).json();
    const raw = await rawText(await request('GET', `/runs/${created.run_id}/events`));
    expect(raw).toMatch(/(^|\n): ping\n\n/);
    expect((await parse(raw)).at(-1)?.event).toBe('done');
  });

  it('is sent on an AI SDK chat stream as its `: keep-alive` comment, between whole frames', async () => {
    slowAnswer();
    const body = {
      id: 'ping-chat',
      trigger: 'submit-message',
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'why?' }] }],
    };
    const raw = await rawText(await request('POST', '/chatbot/chat', body));
    expect(raw).toMatch(/(^|\n): keep-alive\n\n/);
    const frames = raw.split('\n\n').filter((frame) => frame.startsWith('data: '));
    const deltas = frames.filter((frame) => frame.includes('"type":"text-delta"'));
    expect(deltas.map((frame) => JSON.parse(frame.slice(6)).delta).join('')).toBe('one two three four five');
    expect(frames.at(-1)).toBe('data: [DONE]');
  });
});

describe('a model that fails mid-answer', () => {
  it('ends a streamed action with an error event: a problem, and next to retry the answer', async () => {
    await request('POST', '/chatbot/apps', { app_id: 'broken-action' });
    brokenAnswer();
    const events = await parse(
      await rawText(
        await request('POST', '/chatbot/apps/broken-action/actions/prompt/stream', { prompt: 'why?' }),
      ),
    );
    expect(events.filter((event) => event.event === 'delta').length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { status: 500, title: 'Internal Server Error', next: 'answer_question' },
    });
    expect(JSON.stringify(events.at(-1)?.data)).not.toContain('sk-test-key');
    // The user's message and the mode stay committed; the answer can be retried.
    const app = await (await request('GET', '/chatbot/apps/broken-action')).json();
    expect(app).toMatchObject({ sequence_id: 2, next: 'answer_question' });
  });

  it('fails a background run with the same error event, and the run records it', async () => {
    await request('POST', '/chatbot/apps', { app_id: 'broken-run' });
    brokenAnswer();
    const created = await (
      await request('POST', '/chatbot/apps/broken-run/runs', { action: 'prompt', inputs: { prompt: 'why?' } })
    ).json();
    const events = await parse(await rawText(await request('GET', `/runs/${created.run_id}/events`)));
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { status: 500, next: 'answer_question' },
    });
    const run = await (await request('GET', `/runs/${created.run_id}`)).json();
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/answer_question/) });
    const result = await request('GET', `/runs/${created.run_id}/result`);
    expect(result.status).toBe(500);
    expect(await result.json()).toMatchObject({ status: 500, next: 'answer_question' });
  });
});

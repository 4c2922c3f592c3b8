// The OpenAI-compatible routes, driven by the official `openai` client: non-streaming, streaming,
// each typed error, and apps that stay their caller's.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  testApp = await createTestApp({ env: { RATE_LIMIT_PER_MIN: '40' } });
  server = await serveOnLoopback(testApp);
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.shutdown();
  await testApp?.close();
});

const clientFor = async (sub: string, roles: string[] = []) =>
  new OpenAI({ baseURL: `${base}/v1`, apiKey: await testApp.token(sub, roles), maxRetries: 0 });
const api = async (path: string, sub: string) =>
  fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${await testApp.token(sub)}` } });
const countApps = async (sub: string) => (await (await api('/chatbot/apps', sub)).json()).items.length;

describe('chat completions with the openai client', () => {
  it('answers without streaming, and the call is an app holding the whole conversation', async () => {
    const openai = await clientFor('olga');
    const completion = await openai.chat.completions.create({
      model: 'chatbot',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello! Ask me something.' },
        { role: 'user', content: 'What is Switchyard?' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const answer = completion.choices[0]?.message.content ?? '';
    expect(answer).toContain('You asked: "What is Switchyard?"');
    expect(completion.usage?.completion_tokens).toBe(answer.split(/(?<= )/).length);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
    const app = await (await api(`/chatbot/apps/${completion.id}`, 'olga')).json();
    expect(app.state.chat_history.map((m: { content: string }) => m.content)).toEqual([
      'Hi',
      'Hello! Ask me something.',
      'What is Switchyard?',
      answer,
    ]);
  });

  it('streams chat.completion.chunk events whose deltas make the same answer', async () => {
    const openai = await clientFor('olga');
    const stream = await openai.chat.completions.create({
      model: 'chatbot',
      messages: [{ role: 'user', content: 'Why stream?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    let id = '';
    for await (const chunk of stream) {
      id = chunk.id;
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]) finishes.push(chunk.choices[0].finish_reason);
      usage = chunk.usage ?? usage;
    }
    expect(finishes.at(-1)).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(3);
    const app = await (await api(`/chatbot/apps/${id}`, 'olga')).json();
    expect(app.state.chat_history.at(-1).content).toBe(text);
  });

  it('lists the chat graphs as models', async () => {
    const models = await (await clientFor('olga')).models.list();
    expect(models.data.map((model) => model.id)).toEqual(['chatbot']);
  });
});

describe('errors, as the openai client types them', () => {
  it('401 → AuthenticationError', async () => {
    const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-a-token', maxRetries: 0 });
    const error = await openai.models.list().catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.type).toBe('authentication_error');
  });

  it('404 unknown model → NotFoundError, and nothing is written', async () => {
    const before = await countApps('nina');
    const error = await (await clientFor('nina')).chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.message).toContain('gpt-4o');
    expect(await countApps('nina')).toBe(before);
  });

  it('400 for what a graph cannot hold (a system message) → BadRequestError', async () => {
    const error = await (await clientFor('nina')).chat.completions
      .create({
        model: 'chatbot',
        messages: [
          { role: 'system', content: 'Be a pirate.' },
          { role: 'user', content: 'Hi' },
        ],
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toContain('system');
    expect(await countApps('nina')).toBe(0);
  });

  it.each([
    ['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }],
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
  ])('422 for the unsupported %s → UnprocessableEntityError, naming it', async (param, extra) => {
    const error = await (await clientFor('nina')).chat.completions
      .create({ model: 'chatbot', messages: [{ role: 'user', content: 'Hi' }], ...extra } as never)
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect(error.param).toBe(param);
    expect(await countApps('nina')).toBe(0);
  });

  it('429 → RateLimitError with Retry-After', async () => {
    const openai = await clientFor('rita');
    let error: unknown;
    for (let call = 0; call < 60 && !error; call++)
      error = await openai.models.list().then(
        () => undefined,
        (e) => e,
      );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('whose apps the calls make', () => {
  it("another user's token sees none of them; an admin sees them", async () => {
    const completion = await (await clientFor('owen')).chat.completions.create({
      model: 'chatbot',
      messages: [{ role: 'user', content: 'Private?' }],
    });
    expect((await api(`/chatbot/apps/${completion.id}`, 'owen')).status).toBe(200);
    expect((await api(`/chatbot/apps/${completion.id}`, 'mallory')).status).toBe(404);
    expect(await countApps('mallory')).toBe(0);
    const admin = await fetch(`${base}/api/v1/chatbot/apps/${completion.id}`, {
      headers: { authorization: `Bearer ${await testApp.token('root', ['admin'])}` },
    });
    expect(admin.status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAiCompatibleProvider } from '../../src/chatbot/llm/openai-compatible';
import { classifyByKeywords, scriptedProvider } from '../../src/chatbot/llm/scripted';
import { collectGarbage } from '../helpers/collect-garbage';
import { startOpenAiServer } from '../helpers/openai-server';

let server: Awaited<ReturnType<typeof startOpenAiServer>>;
beforeAll(async () => {
  server = await startOpenAiServer();
});
afterAll(() => server.close());

const provider = (options: { timeoutMs?: number } = {}) =>
  openAiCompatibleProvider({
    baseUrl: server.baseUrl,
    apiKey: 'sk-test-key',
    model: 'test-model',
    ...options,
  });
const messages = [{ role: 'user' as const, content: 'hello' }];
const signal = () => new AbortController().signal;

async function collect(pieces: AsyncIterable<string>) {
  const seen: string[] = [];
  for await (const piece of pieces) seen.push(piece);
  return seen;
}

describe('the openai provider against an OpenAI-compatible server on 127.0.0.1', () => {
  it('streams the tokens in order, sending the model, messages and key', async () => {
    server.next({ kind: 'stream', tokens: ['Hel', 'lo ', 'there'] });
    expect(
      (await collect(provider().streamText(messages, { signal: signal(), mode: 'answer_question' }))).join(
        '',
      ),
    ).toBe('Hello there');
    const request = server.requests.at(-1);
    expect(request?.body).toMatchObject({
      model: 'test-model',
      stream: true,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(request?.authorization).toBe('Bearer sk-test-key');
  });

  it('gets every token of a slow stream', async () => {
    server.next({ kind: 'stream', tokens: ['a', 'b', 'c', 'd'], delayMs: 150 });
    expect(
      await collect(provider().streamText(messages, { signal: signal(), mode: 'generate_poem' })),
    ).toEqual(['a', 'b', 'c', 'd']);
  });

  it('throws a clear error, without the key, when the connection dies mid-answer', async () => {
    server.next({ kind: 'stream', tokens: ['one ', 'two ', 'three'], failAfter: 2 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const piece of provider().streamText(messages, {
        signal: signal(),
        mode: 'answer_question',
      }))
        seen.push(piece);
    })().catch((caught) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^The model call failed/);
    expect(error.message).not.toContain('sk-test-key');
    expect(seen.join('')).toBe('one two ');
  });

  it('retries a 429 with backoff and then streams', async () => {
    const before = server.requests.length;
    server.next({ kind: 'status', status: 429 }, { kind: 'stream', tokens: ['after ', 'retry'] });
    expect(
      (await collect(provider().streamText(messages, { signal: signal(), mode: 'answer_question' }))).join(
        '',
      ),
    ).toBe('after retry');
    expect(server.requests.length - before).toBe(2);
  });

  it('gives up on a 500 after its retries with the status in the error', async () => {
    server.next(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
    );
    await expect(
      collect(provider().streamText(messages, { signal: signal(), mode: 'answer_question' })),
    ).rejects.toThrow(/HTTP 500/);
  });

  it('aborts: the server sees the connection close before the answer ends', async () => {
    server.next({
      kind: 'stream',
      tokens: Array.from({ length: 50 }, (_, index) => `t${index} `),
      delayMs: 20,
    });
    const controller = new AbortController();
    const error = await (async () => {
      for await (const _ of provider().streamText(messages, {
        signal: controller.signal,
        mode: 'answer_question',
      }))
        controller.abort();
    })().catch((caught) => caught);
    expect(error).toBeDefined();
    const request = server.requests.at(-1);
    await expect.poll(() => request?.closedEarly, { timeout: 3_000 }).toBe(true);
  });

  it('times out a call that takes too long', async () => {
    server.next({ kind: 'stream', tokens: ['slow ', 'slow ', 'slow'], delayMs: 400 });
    await expect(
      collect(
        provider({ timeoutMs: 200 }).streamText(messages, { signal: signal(), mode: 'answer_question' }),
      ),
    ).rejects.toThrow();
  });

  it('says the upstream status when classifying fails', async () => {
    server.next(
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
    );
    await expect(provider().classify('anything', { signal: signal() })).rejects.toThrow(/HTTP 503/);
  });

  it('classifies into one of the modes, and falls back on an answer it cannot read', async () => {
    server.next({ kind: 'text', text: 'generate_code' });
    expect(await provider().classify('write a function', { signal: signal() })).toBe('generate_code');
    server.next({ kind: 'text', text: 'I would rather not say' });
    expect(await provider().classify('hmm', { signal: signal() })).toBe('prompt_for_more');
  });
});

describe('the scripted demo provider', () => {
  it('answers deterministically, labelled, word by word', async () => {
    const scripted = scriptedProvider({ delayMs: 0 });
    const first = await collect(scripted.streamText(messages, { signal: signal(), mode: 'generate_poem' }));
    const second = await collect(scripted.streamText(messages, { signal: signal(), mode: 'generate_poem' }));
    expect(first).toEqual(second);
    expect(first[0]).toBe('[scripted ');
    expect(first.length).toBeGreaterThan(5);
  });

  it('stops when the signal fires', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const piece of scriptedProvider({ delayMs: 5 }).streamText(messages, {
          signal: controller.signal,
          mode: 'answer_question',
        })) {
          seen.push(piece);
          if (seen.length === 2) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(seen).toHaveLength(2);
  });

  it('classifies with a plain keyword rule', () => {
    expect(classifyByKeywords('write a python function')).toBe('generate_code');
    expect(classifyByKeywords('a haiku about rain')).toBe('generate_poem');
    expect(classifyByKeywords('What is Hono?')).toBe('answer_question');
    expect(classifyByKeywords('trains')).toBe('prompt_for_more');
  });
});

describe('the chatbot on the openai provider', () => {
  it('classifies with the model and streams its answer into the chat history', async () => {
    const { createApiHarness } = await import('../helpers/api');
    const harness = await createApiHarness({
      env: {
        LLM_PROVIDER: 'openai',
        OPENAI_BASE_URL: server.baseUrl,
        LLM_MODEL: 'test-model',
        OPENAI_API_KEY: 'sk-test-key',
      },
    });
    server.next(
      { kind: 'text', text: 'generate_poem' },
      { kind: 'stream', tokens: ['Rails ', 'hum ', 'at ', 'night.'] },
    );
    const chat = await harness.clientFor('alice');
    await chat.create({ app_id: 'real-model' });
    const app = await chat.act('real-model', 'prompt', { prompt: 'a poem about rails' });
    expect(app).toMatchObject({ position: 'generate_poem', next: 'prompt' });
    expect(app.state.chat_history.at(-1)).toEqual({
      role: 'assistant',
      content: 'Rails hum at night.',
      type: 'text',
    });
    const messages = server.requests.at(-1)!.body.messages as { role: string; content: string }[];
    const system = messages[0];
    expect(system).toEqual({ role: 'system', content: 'You write short poems.' });
    await harness.close();
  });

  it('takes its deadline from LLM_TIMEOUT_MS', async () => {
    const { createLlmProvider } = await import('../../src/chatbot/llm');
    const { testConfig } = await import('../helpers/test-config');
    const env = { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: server.baseUrl, LLM_MODEL: 'test-model' };
    const quick = createLlmProvider(testConfig({ ...env, LLM_TIMEOUT_MS: '150' }));
    // The same slow answer (about 3 s) arrives whole under the default deadline and fails under
    // 150 ms; the margin is wide so that a loaded machine cannot let the slow answer in on time.
    server.next({ kind: 'stream', tokens: ['slow ', 'slow'], delayMs: 1_500 });
    expect(
      await collect(
        createLlmProvider(testConfig(env)).streamText(messages, {
          signal: signal(),
          mode: 'answer_question',
        }),
      ),
    ).toEqual(['slow ', 'slow']);
    server.next({ kind: 'stream', tokens: ['slow ', 'slow'], delayMs: 1_500 });
    // A garbage collection while the call waits must not take its deadline with it (an
    // AbortSignal.timeout held only by AbortSignal.any is dropped by one on Node 20).
    const collecting = setInterval(collectGarbage, 20);
    await expect(
      collect(quick.streamText(messages, { signal: signal(), mode: 'answer_question' })),
    ).rejects.toThrow(/took longer than 150 ms/);
    clearInterval(collecting);
    expect(testConfig(env).LLM_TIMEOUT_MS).toBe(60_000);
  });

  it('keeps its deadline on classify through a garbage collection', async () => {
    const { createLlmProvider } = await import('../../src/chatbot/llm');
    const { testConfig } = await import('../helpers/test-config');
    const quick = createLlmProvider(
      testConfig({
        LLM_PROVIDER: 'openai',
        OPENAI_BASE_URL: server.baseUrl,
        LLM_MODEL: 'm',
        LLM_TIMEOUT_MS: '150',
      }),
    );
    server.next({ kind: 'text', text: 'answer_question', delayMs: 3_000 });
    const collecting = setInterval(collectGarbage, 20);
    await expect(quick.classify('what is hono?', { signal: signal() })).rejects.toThrow(
      /took longer than 150 ms/,
    );
    clearInterval(collecting);
  });
});

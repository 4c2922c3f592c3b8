import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, LlmProvider, Mode } from '../../src/chatbot/llm/provider';
import { scriptedProvider } from '../../src/chatbot/llm/scripted';
import { createClient } from '../../src/client';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

/** The scripted provider, slowed down, recording whether its stream saw the abort. */
function watchedProvider() {
  const inner = scriptedProvider({ delayMs: 20 });
  const seen = { aborted: false, finished: false };
  const llm: LlmProvider = {
    name: 'watched',
    classify: (prompt, options) => inner.classify(prompt, options),
    async *streamText(messages: ChatMessage[], options: { signal: AbortSignal; mode: Mode }) {
      options.signal.addEventListener('abort', () => {
        seen.aborted = true;
      });
      yield* inner.streamText(messages, options);
      seen.finished = true;
    },
  };
  return { llm, seen };
}

let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
const provider = watchedProvider();

beforeAll(async () => {
  testApp = await createTestApp({ llm: provider.llm });
  server = await serveOnLoopback(testApp);
});
afterAll(async () => {
  await server.shutdown();
  await testApp.close();
});

describe('a client that leaves mid-stream', () => {
  it('aborts the model call, keeps committed steps, and lets the turn be retried', async () => {
    const chat = createClient(`http://127.0.0.1:${server.port}`, {
      token: await testApp.token('alice'),
    }).chatbot;
    await chat.create({ app_id: 'leaver' });
    const controller = new AbortController();
    const events: string[] = [];
    await expect(async () => {
      for await (const event of chat.stream(
        'leaver',
        'prompt',
        { prompt: 'write a poem about leaving' },
        controller.signal,
      )) {
        events.push(event.event);
        if (events.filter((name) => name === 'delta').length === 2) controller.abort();
      }
    }).rejects.toThrow(/abort/i);

    await expect.poll(() => provider.seen.aborted, { timeout: 5_000 }).toBe(true);
    expect(provider.seen.finished).toBe(false);
    // The user's message and the mode were committed before the answer began; the answer was not.
    const app = await chat.get('leaver');
    expect(app).toMatchObject({ sequence_id: 2, position: 'decide_mode', next: 'generate_poem' });
    expect(app.state.chat_history).toEqual([
      { role: 'user', content: 'write a poem about leaving', type: 'text' },
    ]);
    const steps = await chat.steps('leaver');
    expect(steps.items.at(-1)).toMatchObject({ action: 'generate_poem', status: 'failed' });

    const retried = await chat.act('leaver', 'generate_poem', {});
    expect(retried).toMatchObject({ sequence_id: 3, next: 'prompt' });
    expect(retried.state.chat_history.map((message) => message.role)).toEqual(['user', 'assistant']);
  });
});

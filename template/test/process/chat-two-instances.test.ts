// A useChat turn started on one instance and resumed on another (Postgres and Redis shared, as
// behind a load balancer): the AI SDK's DefaultChatTransport reconnects to B and sees A's whole
// answer exactly once, replayed from the stored events and then live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunksOf, messageOf, textOf, transportFor, userMessage } from '../chat/chat-helpers';
import { type AppProcess, startAppProcess } from '../helpers/app-process';
import { postgresDatabase, type TestDatabase } from '../helpers/databases';

// vitest.config.ts leaves this file out when either variable is missing.
const postgresUrl = process.env.TEST_DATABASE_URL as string;
const redisUrl = process.env.REDIS_URL as string;

describe('a chat turn across two instances', () => {
  let testDb: TestDatabase;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    testDb = await postgresDatabase(postgresUrl);
    // Followers look at the database only every ten minutes: B keeps up with A's run through Redis.
    const env = {
      DATABASE_URL: testDb.url,
      REDIS_URL: redisUrl,
      SCRIPTED_DELAY_MS: '25',
      RUN_FOLLOW_POLL_MS: '600000',
    };
    [a, b] = await Promise.all([startAppProcess(env), startAppProcess(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await testDb?.drop();
  });

  it('resumes on B the turn that A started, with the whole answer once', async () => {
    const token = await a.token('alice');
    const leave = new AbortController();
    const first = await transportFor(a.base, token).sendMessages({
      chatId: 'across',
      messages: [userMessage('How do two servers share a chat?')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: leave.signal,
    });
    const reader = first.getReader();
    for (let chunk = await reader.read(); chunk.value?.type !== 'text-delta'; chunk = await reader.read()) {}
    leave.abort();
    await reader.cancel().catch(() => {});

    const resumed = await transportFor(b.base, token).reconnectToStream({ chatId: 'across' });
    expect(resumed).not.toBeNull();
    const message = await messageOf(resumed as ReadableStream);
    const app = await (
      await fetch(`${b.base}/api/v1/chatbot/apps/across`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    expect(app.state.chat_history).toHaveLength(2);
    expect(textOf(message)).toBe(app.state.chat_history[1].content);
    expect(await transportFor(b.base, token).reconnectToStream({ chatId: 'across' })).toBeNull();
  });

  it('gives the same chunks live on A, where the run executes, as resumed on A and on B', async () => {
    const token = await a.token('bob');
    const first = await transportFor(a.base, token).sendMessages({
      chatId: 'same-chunks',
      messages: [userMessage('Is a replay the same as the live answer?')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    const [head, rest] = first.tee();
    const reader = head.getReader();
    for (let chunk = await reader.read(); chunk.value?.type !== 'text-delta'; chunk = await reader.read()) {}
    // Cancelling one branch of a tee waits for the other: let go of this one instead.
    reader.releaseLock();
    // Mid-answer: A follows its own worker's events after what was stored; B reads the store.
    const [onA, onB] = await Promise.all(
      [a, b].map((instance) =>
        transportFor(instance.base, token).reconnectToStream({ chatId: 'same-chunks' }),
      ),
    );
    expect(onA).not.toBeNull();
    expect(onB).not.toBeNull();
    const [live, resumedOnA, resumedOnB] = await Promise.all([
      chunksOf(rest),
      chunksOf(onA as ReadableStream),
      chunksOf(onB as ReadableStream),
    ]);
    expect(live.filter((chunk) => chunk.type === 'text-delta').length).toBeGreaterThan(3);
    expect(live.at(-1)?.type).toBe('finish');
    expect(resumedOnA).toEqual(live);
    expect(resumedOnB).toEqual(live);
  });
});

// GET …/apps/{app_id}/streams: the streamed actions (POST …/actions/{action}/stream) working on an
// app now, which the step viewer shows as running. A stream is listed from its first action until
// its last event, with the action it works on, by whichever instance answers (the second harness
// below shares the first one's database, as a second instance would); a caller who may not read the
// app gets 404 as for an app that does not exist, and no token 401. A row whose instance stopped
// refreshing it is not listed.

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStreams, STALE_AFTER_MS } from '../../src/db/live-streams';
import { createApiHarness } from '../helpers/api';
import { dialects } from '../helpers/databases';
import { heldAnswers } from '../helpers/held-answers';

const apps = '/api/v1/chatbot/apps';
type Harness = Awaited<ReturnType<typeof createApiHarness>>;
type Listed = { items: { stream_id: string; action: string; sequence_id: number; started_at: string }[] };

describe.each(dialects)('the live streams of an app on $name', ({ create }) => {
  let serving: Harness;
  let other: Harness;
  let held: ReturnType<typeof heldAnswers>;
  let tokens: Record<'owner' | 'other' | 'reader' | 'admin', string>;

  beforeAll(async () => {
    held = heldAnswers();
    const testDb = await create();
    serving = await createApiHarness({ testDb, llm: held.llm });
    // Another instance on the same database; the first harness drops it.
    other = await createApiHarness({ testDb: { ...testDb, drop: async () => {} } });
    tokens = {
      owner: await serving.token('alice'),
      other: await serving.token('mallory'),
      reader: await serving.token('rita'),
      admin: await serving.token('root', ['admin']),
    };
    const alice = await serving.clientFor('alice');
    await alice.create({ app_id: 'streamed' });
    await alice.grants.put('streamed', 'rita', 'read');
  });
  afterAll(async () => {
    held?.releaseAll();
    await other?.close();
    await serving?.close();
  });

  const streams = async (harness: Harness, token = tokens.owner, query = '') => {
    const answer = await harness.request('GET', `${apps}/streamed/streams${query}`, token);
    expect(answer.status).toBe(200);
    return ((await answer.json()) as Listed).items;
  };
  const startStream = (prompt: string) =>
    serving.app.request(`${apps}/streamed/actions/prompt/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt }),
    });

  it('lists a stream with the action it works on while it works, on every instance, and not once it ended', async () => {
    expect(await streams(serving)).toEqual([]);
    const stream = await startStream('What is a stream? (held)');
    expect(stream.status).toBe(200);
    // Held in the answering action: prompt and decide_mode are committed, the app's next is running.
    await expect.poll(async () => (await streams(other))[0]?.sequence_id, { timeout: 10_000 }).toBe(3);
    const app = await (await serving.request('GET', `${apps}/streamed`, tokens.owner)).json();
    const [listed] = await streams(other);
    expect(listed).toMatchObject({ action: app.next, sequence_id: app.sequence_id + 1 });
    expect(app.next).not.toBe('prompt');
    expect(Date.parse(listed?.started_at ?? '')).toBeGreaterThan(Date.now() - 60_000);

    for (const token of [tokens.reader, tokens.admin]) expect(await streams(other, token)).toEqual([listed]);
    expect(await streams(serving)).toEqual([listed]);
    const hidden = await other.request('GET', `${apps}/streamed/streams`, tokens.other);
    const unknown = await other.request('GET', `${apps}/no-such-app/streams`, tokens.other);
    expect(hidden.status).toBe(404);
    const { request_id: _hidden, ...hiddenProblem } = await hidden.json();
    const { request_id: _unknown, ...unknownProblem } = await unknown.json();
    expect(hiddenProblem).toEqual(unknownProblem);
    expect((await other.request('GET', `${apps}/streamed/streams`, undefined)).status).toBe(401);

    held.release();
    expect(await stream.text()).toContain('event: done');
    expect(await streams(other)).toEqual([]);
    expect(await streams(serving)).toEqual([]);
  });

  it('lists a streamed OpenAI-compatible completion on its app too, while it answers', async () => {
    const completion = await serving.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'chatbot',
        stream: true,
        messages: [{ role: 'user', content: 'What is a completion? (held:openai)' }],
      }),
    });
    expect(completion.status).toBe(200);
    const reader = (completion.body as ReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    const appId = /"id":"(chatcmpl-[^"]+)"/.exec(new TextDecoder().decode(value))?.[1] as string;
    expect(appId).toBeDefined();
    const listed = async () => {
      const answer = await other.request('GET', `${apps}/${appId}/streams`, tokens.owner);
      return ((await answer.json()) as Listed).items.map((stream) => stream.sequence_id);
    };
    // The conversation's user message is the first step; the answer is held in the third.
    await expect.poll(listed, { timeout: 10_000 }).toEqual([3]);
    held.release('openai');
    let rest = '';
    for (let read = await reader.read(); !read.done; read = await reader.read())
      rest += new TextDecoder().decode(read.value);
    expect(rest).toContain('[DONE]');
    expect(await listed()).toEqual([]);
  });

  it('stops listing a stream whose client left', async () => {
    const stream = await startStream('What is a left stream? (until cancelled)');
    expect(stream.status).toBe(200);
    await expect.poll(async () => (await streams(other)).length, { timeout: 10_000 }).toBe(1);
    await stream.body?.cancel();
    await expect.poll(async () => (await streams(other)).length, { timeout: 10_000 }).toBe(0);
  });

  it('skips the row of an instance that stopped refreshing it', async () => {
    const { db, tables } = serving.database;
    const row = { graph: 'chatbot', appId: 'streamed', action: 'prompt', sequenceId: 9, instanceId: 'gone' };
    const long = new Date(Date.now() - STALE_AFTER_MS - 1_000);
    const recent = new Date();
    await db.insert(tables.liveStreams).values([
      { ...row, streamId: 'dead', startedAt: long, seenAt: long },
      { ...row, streamId: 'alive', startedAt: recent, seenAt: recent },
    ]);
    expect((await streams(other)).map((stream) => stream.stream_id)).toEqual(['alive']);
    await db.delete(tables.liveStreams);
  });

  it("keeps the rows of its open streams seen, and deletes an instance's rows that no one refreshes", async () => {
    // An instance of its own on the same database, serving one stream that is in its first action.
    const instance = new LiveStreams(serving.database, pino({ level: 'silent' }));
    const watch = instance.watch({ graph: 'chatbot', appId: 'streamed' });
    expect(watch.saw({ event: 'action', data: { action: 'prompt', sequence_id: 7 } })).toBeUndefined();
    await expect.poll(async () => (await streams(other)).length, { timeout: 10_000 }).toBe(1);

    const { db, tables } = serving.database;
    const long = new Date(Date.now() - STALE_AFTER_MS - 1_000);
    await db.update(tables.liveStreams).set({ seenAt: long });
    const dead = { graph: 'chatbot', appId: 'streamed', action: 'prompt', sequenceId: 9, instanceId: 'gone' };
    await db.insert(tables.liveStreams).values({ ...dead, streamId: 'dead', startedAt: long, seenAt: long });
    expect(await streams(other)).toEqual([]);

    await instance.refresh();
    const [live] = await streams(other);
    expect(live).toMatchObject({ action: 'prompt', sequence_id: 7 });
    const rows = await db.select({ id: tables.liveStreams.streamId }).from(tables.liveStreams);
    expect(rows.map((row) => row.id)).toEqual([live?.stream_id]);

    await watch.end();
    expect(await streams(other)).toEqual([]);
    await instance.refresh();
  });

  it.each([
    ['a limit of 0', '?limit=0'],
    ['a limit over 100', '?limit=101'],
    ['a limit that is no number', '?limit=many'],
  ])('answers %s with a 422 problem naming the limit', async (_name, query) => {
    const answer = await serving.request('GET', `${apps}/streamed/streams${query}`, tokens.owner);
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await answer.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toContain('limit');
    expect((await serving.request('GET', `${apps}/streamed/streams${query}`, tokens.other)).status).toBe(404);
  });
});

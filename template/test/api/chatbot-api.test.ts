import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/client';
import { createApiHarness } from '../helpers/api';

let harness: Awaited<ReturnType<typeof createApiHarness>>;
let alice: Awaited<ReturnType<typeof harness.clientFor>>;
beforeAll(async () => {
  harness = await createApiHarness();
  alice = await harness.clientFor('alice');
});
afterAll(() => harness.close());

async function problemOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('POST /api/v1/chatbot/apps', () => {
  it('creates an app in the caller partition (201), then returns it (200)', async () => {
    const created = await harness.request(
      'POST',
      '/api/v1/chatbot/apps',
      await harness.token('alice'),
      '{"app_id":"first"}',
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      app_id: 'first',
      partition_key: 'alice',
      graph: 'chatbot',
      sequence_id: 0,
      position: null,
      next: 'prompt',
      parent: null,
      state: { prompt: '', chat_history: [] },
    });
    const again = await harness.request(
      'POST',
      '/api/v1/chatbot/apps',
      await harness.token('alice'),
      '{"app_id":"first"}',
    );
    expect(again.status).toBe(200);
  });

  it('gives a new app a UUID', async () => {
    expect((await alice.create()).app_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses another partition to a non-admin (403) and creates nothing', async () => {
    const error = await problemOf(alice.create({ app_id: 'stolen', partition_key: 'bob' }));
    expect(error.status).toBe(403);
    const admin = await harness.clientFor('root', ['admin']);
    expect(await admin.exists('stolen')).toBe(false);
    expect((await admin.create({ app_id: 'for-bob', partition_key: 'bob' })).partition_key).toBe('bob');
  });

  it('answers 400 for malformed JSON and 422 for a bad field', async () => {
    const token = await harness.token('alice');
    expect((await harness.request('POST', '/api/v1/chatbot/apps', token, '{"app_id":')).status).toBe(400);
    const bad = await harness.request('POST', '/api/v1/chatbot/apps', token, '{"app_id":""}');
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors[0].path).toBe('app_id');
  });
});

describe('GET and HEAD /api/v1/chatbot/apps/{app_id}', () => {
  it('returns the AppView and answers HEAD', async () => {
    const app = await alice.create({ app_id: 'readable' });
    expect(await alice.get('readable')).toEqual(app);
    expect(await alice.exists('readable')).toBe(true);
    const head = await harness.request('HEAD', '/api/v1/chatbot/apps/readable', await harness.token('alice'));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 404 for an unknown app', async () => {
    expect((await problemOf(alice.get('missing'))).status).toBe(404);
    expect(await alice.exists('missing')).toBe(false);
  });
});

describe('GET /api/v1/chatbot/apps', () => {
  it('lists visible apps newest first with a cursor', async () => {
    const carol = await harness.clientFor('carol');
    for (const id of ['c1', 'c2', 'c3']) await carol.create({ app_id: id });
    const first = await carol.list({ limit: 2 });
    expect(first.items.map((item) => item.app_id)).toEqual(['c3', 'c2']);
    expect(first.items[0]).not.toHaveProperty('state');
    const second = await carol.list({ limit: 2, cursor: first.next_cursor ?? undefined });
    expect(second.items.map((item) => item.app_id)).toEqual(['c1']);
    expect(second.next_cursor).toBeNull();
  });

  it('answers 422 for a cursor it did not issue, rather than page one', async () => {
    const token = await harness.token('alice');
    const shaped = Buffer.from(JSON.stringify({ after: 'c2' })).toString('base64url');
    for (const cursor of ['garbage!', 'bm90IGpzb24', shaped]) {
      const response = await harness.request('GET', `/api/v1/chatbot/apps?cursor=${cursor}`, token);
      expect(response.status).toBe(422);
      const problem = await response.json();
      expect(problem.errors).toEqual([{ path: 'cursor', message: 'not a cursor this API returned' }]);
    }
  });

  it('answers 422 for a bad limit', async () => {
    const response = await harness.request(
      'GET',
      '/api/v1/chatbot/apps?limit=0',
      await harness.token('alice'),
    );
    expect(response.status).toBe(422);
  });
});

describe('POST /api/v1/chatbot/apps/{app_id}/actions/{action}', () => {
  it('runs prompt → decide_mode → an answer and halts with prompt next', async () => {
    await alice.create({ app_id: 'chat' });
    const app = await alice.act('chat', 'prompt', { prompt: 'What is a switchyard?' });
    expect(app).toMatchObject({ sequence_id: 3, position: 'answer_question', next: 'prompt' });
    expect(app.state.mode).toBe('answer_question');
    expect(app.state.chat_history).toEqual([
      { role: 'user', content: 'What is a switchyard?', type: 'text' },
      { role: 'assistant', content: expect.stringMatching(/^\[scripted demo\]/), type: 'text' },
    ]);
  });

  it('answers 409 with next for an action that may not run now, and writes nothing', async () => {
    await alice.create({ app_id: 'early' });
    const error = await problemOf(alice.act('early', 'decide_mode', {} as never));
    expect(error.status).toBe(409);
    expect(error.problem.next).toBe('prompt');
    expect((await alice.get('early')).sequence_id).toBe(0);
  });

  it('answers 422 for inputs off the schema, and 404 for an unknown app', async () => {
    await alice.create({ app_id: 'strict' });
    const error = await problemOf(alice.act('strict', 'prompt', { prompt: '' }));
    expect(error.status).toBe(422);
    expect(error.problem.errors?.[0]?.path).toBe('prompt');
    expect((await alice.get('strict')).sequence_id).toBe(0);
    expect((await problemOf(alice.act('ghost', 'prompt', { prompt: 'hi' }))).status).toBe(404);
  });

  it('answers 404 for an action the graph does not have', async () => {
    const response = await harness.request(
      'POST',
      '/api/v1/chatbot/apps/strict/actions/fly',
      await harness.token('alice'),
      '{}',
    );
    expect(response.status).toBe(404);
  });
});

describe('POST …/actions/{action}/stream', () => {
  it('streams state, action, delta, step and done with increasing ids', async () => {
    await alice.create({ app_id: 'streamed' });
    const events = [];
    for await (const event of alice.stream('streamed', 'prompt', { prompt: 'write a poem about rails' }))
      events.push(event);
    expect(events[0]?.event).toBe('state');
    expect(events.at(-1)?.event).toBe('done');
    const ids = events.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const deltas = events
      .filter((event) => event.event === 'delta')
      .map((event) => (event.data as { delta: string }).delta);
    const done = events.at(-1)?.data as { state: { response: string }; next: string };
    expect(deltas.join('')).toBe(done.state.response);
    expect(done.next).toBe('prompt');
    expect(
      events
        .filter((event) => event.event === 'step')
        .map((event) => (event.data as { action: string }).action),
    ).toEqual(['prompt', 'decide_mode', 'generate_poem']);
  });

  it('answers a plain 409 before streaming when the action may not run', async () => {
    await alice.create({ app_id: 'not-now' });
    const error = await problemOf(
      (async () => {
        for await (const _ of alice.stream('not-now', 'generate_poem', {} as never)) {
          // not reached
        }
      })(),
    );
    expect(error.status).toBe(409);
  });
});

describe('POST /api/v1/chatbot/apps/{app_id}/fork', () => {
  it('forks at a step with overrides, owned by the caller, parent set', async () => {
    await alice.create({ app_id: 'source' });
    await alice.act('source', 'prompt', { prompt: 'hello there' });
    const bob = await harness.clientFor('bob');
    await alice.grants.put('source', 'bob', 'write');
    const fork = await bob.fork('source', {
      app_id: 'bobs-fork',
      sequence_id: 1,
      state: { prompt: 'changed' },
    });
    expect(fork).toMatchObject({
      app_id: 'bobs-fork',
      partition_key: 'bob',
      sequence_id: 0,
      position: 'prompt',
      next: 'decide_mode',
      parent: { app_id: 'source', sequence_id: 1 },
      state: { prompt: 'changed', chat_history: [{ role: 'user', content: 'hello there', type: 'text' }] },
    });
    const resumed = await bob.act('bobs-fork', 'decide_mode', {} as never);
    expect(resumed.next).toBe('prompt');
  });

  it('answers 422 for a step out of range or a state off the schema, 409 for a taken id', async () => {
    await alice.create({ app_id: 'fork-errors' });
    expect((await problemOf(alice.fork('fork-errors', { sequence_id: 5 }))).status).toBe(422);
    expect(
      (await problemOf(alice.fork('fork-errors', { state: { chat_history: 'nope' } as never }))).status,
    ).toBe(422);
    expect((await problemOf(alice.fork('fork-errors', { app_id: 'fork-errors' }))).status).toBe(409);
    expect((await problemOf(alice.fork('nothing-here'))).status).toBe(404);
  });
});

describe('GET /api/v1/chatbot/apps/{app_id}/steps', () => {
  it('lists tracked steps with inputs, results, writes and timing, paged by cursor', async () => {
    await alice.create({ app_id: 'tracked' });
    await alice.act('tracked', 'prompt', { prompt: 'Is this tracked?' });
    const page = await alice.steps('tracked', { limit: 2 });
    expect(page.items.map((step) => [step.sequence_id, step.action, step.status])).toEqual([
      [1, 'prompt', 'committed'],
      [2, 'decide_mode', 'committed'],
    ]);
    expect(page.items[0]).toMatchObject({ inputs: { prompt: 'Is this tracked?' }, error: null });
    // What the step changed, not the whole state: the prompt set, one message appended.
    expect(page.items[0]?.writes).toEqual([
      { key: 'prompt', op: 'set', value: 'Is this tracked?' },
      {
        key: 'chat_history',
        op: 'append',
        items: [{ role: 'user', content: 'Is this tracked?', type: 'text' }],
      },
    ]);
    expect(page.items[0]).not.toHaveProperty('state');
    expect(page.items[1]?.result).toEqual({ mode: 'answer_question' });
    expect(page.items[0]?.duration_ms).toBeGreaterThanOrEqual(0);
    expect(page.next_cursor).toEqual(expect.any(String));
    const rest = await alice.steps('tracked', { cursor: page.next_cursor ?? undefined });
    expect(rest.items.map((step) => step.action)).toEqual(['answer_question']);
    expect(rest.next_cursor).toBeNull();
    // `after` a sequence id still works, for a client that knows where it stopped.
    expect((await alice.steps('tracked', { after: 2 })).items.map((step) => step.sequence_id)).toEqual([3]);
  });

  it("adds each step's state with include=state, and the state around one step on its own route", async () => {
    const withState = await alice.steps('tracked', { include: 'state' });
    expect(withState.items[0]?.state).toMatchObject({ prompt: 'Is this tracked?' });
    expect(withState.items[2]?.state?.chat_history).toHaveLength(2);
    const around = await alice.stepState('tracked', 1);
    expect(around).toMatchObject({ sequence_id: 1, action: 'prompt' });
    expect(around.before).toMatchObject({ prompt: '', chat_history: [] });
    expect(around.after.chat_history).toEqual([{ role: 'user', content: 'Is this tracked?', type: 'text' }]);
    expect((await problemOf(alice.stepState('tracked', 4))).status).toBe(404);
    const token = await harness.token('alice');
    for (const bad of ['0', 'x', '99999999999']) {
      const answer = await harness.request('GET', `/api/v1/chatbot/apps/tracked/steps/${bad}/state`, token);
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('answers 422 for a bad page and 404 for an unknown app', async () => {
    const token = await harness.token('alice');
    expect(
      (await harness.request('GET', '/api/v1/chatbot/apps/tracked/steps?limit=9999', token)).status,
    ).toBe(422);
    const forged = [
      'nope',
      Buffer.from('[1]').toString('base64url'),
      Buffer.from('[1,99999999999]').toString('base64url'),
    ];
    for (const cursor of forged) {
      const answer = await harness.request(
        'GET',
        `/api/v1/chatbot/apps/tracked/steps?cursor=${cursor}`,
        token,
      );
      expect(answer.status).toBe(422);
      expect((await answer.json()).errors?.[0]?.path).toBe('cursor');
    }
    expect(
      (await harness.request('GET', '/api/v1/chatbot/apps/tracked/steps?include=everything', token)).status,
    ).toBe(422);
    expect((await problemOf(alice.steps('unknown'))).status).toBe(404);
  });
});

describe('grants', () => {
  it('puts, lists and deletes a grant; deleting a missing one is 404; a bad permission 422', async () => {
    await alice.create({ app_id: 'shared' });
    await alice.grants.put('shared', 'dave', 'read');
    await alice.grants.put('shared', 'dave', 'write');
    const { items } = await alice.grants.list('shared');
    expect(items.map((grant) => [grant.subject, grant.permission])).toEqual([['dave', 'write']]);
    expect((await alice.grants.delete('shared', 'dave')).status).toBe(204);
    expect((await problemOf(alice.grants.delete('shared', 'dave'))).status).toBe(404);
    const bad = await harness.request(
      'PUT',
      '/api/v1/chatbot/apps/shared/grants/dave',
      await harness.token('alice'),
      '{"permission":"own"}',
    );
    expect(bad.status).toBe(422);
    expect((await alice.grants.list('shared')).items).toEqual([]);
  });

  it('lists the grants a page at a time, each once, by subject; a bad page is a 422', async () => {
    await alice.create({ app_id: 'widely-shared' });
    const subjects = ['erin', 'bob', 'dave', 'carol', 'frank'];
    for (const subject of subjects) await alice.grants.put('widely-shared', subject, 'read');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await alice.grants.list('widely-shared', { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((grant) => grant.subject));
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual([...subjects].sort());
    expect(pages).toBe(3);
    const token = await harness.token('alice');
    for (const query of ['limit=0', 'limit=201', 'limit=two', 'cursor=', `cursor=${'x'.repeat(201)}`]) {
      const answer = await harness.request(
        'GET',
        `/api/v1/chatbot/apps/widely-shared/grants?${query}`,
        token,
      );
      expect(answer.status, query).toBe(422);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

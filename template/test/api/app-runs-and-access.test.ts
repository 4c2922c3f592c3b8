// GET …/apps/{app_id}/runs (the app's runs, `status=active` for what works on it now) and
// GET …/apps/{app_id}/access (what the caller may do), the two routes the step viewer reads to show
// a running action live and to offer fork only to who may fork. Both answer like reading the app:
// 404 for a caller who may not read it (the same body as for an app that does not exist), 401 without
// a token. A chat turn (POST …/chat) is a run too, so it is listed while it answers.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunsRepository } from '../../src/db/runs-repository';
import { createApiHarness } from '../helpers/api';
import { dialects } from '../helpers/databases';
import { heldAnswers } from '../helpers/held-answers';

const apps = '/api/v1/chatbot/apps';
let harness: Awaited<ReturnType<typeof createApiHarness>>;
let tokens: Record<'owner' | 'other' | 'reader' | 'writer' | 'admin', string>;
let queuedRunId: string;
let runningRunId: string;
let finishedRunId: string;

const runIds = (body: { items: { run_id: string }[] }) => body.items.map((run) => run.run_id);

describe.each(dialects)('the viewer routes on $name', ({ create }) => {
  beforeAll(async () => {
    harness = await createApiHarness({ testDb: await create() });
    tokens = {
      owner: await harness.token('alice'),
      other: await harness.token('mallory'),
      reader: await harness.token('rita'),
      writer: await harness.token('walt'),
      admin: await harness.token('root', ['admin']),
    };
    const alice = await harness.clientFor('alice');
    await alice.create({ app_id: 'watched' });
    await alice.create({ app_id: 'elsewhere' });
    await alice.grants.put('watched', 'rita', 'read');
    await alice.grants.put('watched', 'walt', 'write');
    // Stored straight in the repository: a run started through the API would be worked on at once.
    const runs = new RunsRepository(harness.database);
    // Apart by a few milliseconds, so "newest first" has one answer (created_at is in milliseconds).
    const start = async (appId: string) => {
      await sleep(5);
      return (
        await runs.create({ graph: 'chatbot', appId, action: 'prompt', inputs: {}, createdBy: 'alice' })
      ).runId;
    };
    finishedRunId = await start('watched');
    await runs.setStatus(finishedRunId, 'succeeded');
    runningRunId = await start('watched');
    await runs.setStatus(runningRunId, 'running');
    queuedRunId = await start('watched');
    await start('elsewhere');
  });
  afterAll(() => harness?.close());

  describe('GET /api/v1/{graph}/apps/{app_id}/runs', () => {
    it("lists the app's runs newest first, and with status=active only those still to work on it", async () => {
      const all = await harness.request('GET', `${apps}/watched/runs`, tokens.owner);
      expect(all.status).toBe(200);
      expect(runIds(await all.json())).toEqual([queuedRunId, runningRunId, finishedRunId]);

      const active = await harness.request('GET', `${apps}/watched/runs?status=active`, tokens.owner);
      const body = await active.json();
      expect(runIds(body)).toEqual([queuedRunId, runningRunId]);
      expect(body.items[1]).toMatchObject({ app_id: 'watched', action: 'prompt', status: 'running' });

      const succeeded = await harness.request('GET', `${apps}/watched/runs?status=succeeded`, tokens.owner);
      expect(runIds(await succeeded.json())).toEqual([finishedRunId]);
      const newest = await harness.request('GET', `${apps}/watched/runs?limit=1`, tokens.owner);
      expect(runIds(await newest.json())).toEqual([queuedRunId]);
    });

    it('answers a reader and an admin, 404 to another user as for an unknown app, 401 without a token', async () => {
      for (const token of [tokens.reader, tokens.writer, tokens.admin]) {
        const answer = await harness.request('GET', `${apps}/watched/runs?status=active`, token);
        expect(answer.status).toBe(200);
        expect(runIds(await answer.json())).toEqual([queuedRunId, runningRunId]);
      }
      const hidden = await harness.request('GET', `${apps}/watched/runs?status=active`, tokens.other);
      const unknown = await harness.request('GET', `${apps}/no-such-app/runs?status=active`, tokens.other);
      expect(hidden.status).toBe(404);
      expect(hidden.headers.get('content-type')).toContain('application/problem+json');
      const hiddenBody = await hidden.text();
      expect(hiddenBody).not.toContain(queuedRunId);
      expect(JSON.parse(hiddenBody).detail).toBe((await unknown.json()).detail);

      const anonymous = await harness.request('GET', `${apps}/watched/runs`, undefined);
      expect(anonymous.status).toBe(401);
    });

    it.each([
      ['an unknown status', 'status=busy', 'status'],
      ['a limit of 0', 'limit=0', 'limit'],
      ['a limit over 100', 'limit=101', 'limit'],
      ['a limit that is no number', 'limit=many', 'limit'],
    ])('answers %s with a 422 problem naming the field', async (_name, query, field) => {
      const answer = await harness.request('GET', `${apps}/watched/runs?${query}`, tokens.owner);
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await answer.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((error) => error.path)).toContain(field);
    });

    it('answers a caller who may not read the app 404 before looking at its query', async () => {
      const answer = await harness.request('GET', `${apps}/watched/runs?status=busy`, tokens.other);
      expect(answer.status).toBe(404);
    });
  });

  describe('GET /api/v1/{graph}/apps/{app_id}/access', () => {
    it('tells each caller its access, and `may.fork` is what the fork route answers it', async () => {
      const expected = {
        owner: { access: 'manage', fork: true, manage_grants: true },
        admin: { access: 'manage', fork: true, manage_grants: true },
        writer: { access: 'write', fork: true, manage_grants: false },
        reader: { access: 'read', fork: false, manage_grants: false },
      } as const;
      for (const [caller, want] of Object.entries(expected)) {
        const token = tokens[caller as keyof typeof expected];
        const answer = await harness.request('GET', `${apps}/watched/access`, token);
        expect(answer.status, caller).toBe(200);
        const body = (await answer.json()) as { access: string; may: Record<string, boolean> };
        expect(body.access, caller).toBe(want.access);
        expect(body.may, caller).toMatchObject({
          read: true,
          act: want.fork,
          run: want.fork,
          fork: want.fork,
          manage_grants: want.manage_grants,
        });
        const fork = await harness.request('POST', `${apps}/watched/fork`, token, '{}');
        expect(fork.status, caller).toBe(body.may.fork ? 201 : 403);
      }
    });

    it('answers another user 404 as for an unknown app, and 401 without a token', async () => {
      const hidden = await harness.request('GET', `${apps}/watched/access`, tokens.other);
      const unknown = await harness.request('GET', `${apps}/no-such-app/access`, tokens.other);
      expect(hidden.status).toBe(404);
      const { request_id: _hidden, ...hiddenProblem } = await hidden.json();
      const { request_id: _unknown, ...unknownProblem } = await unknown.json();
      expect(hiddenProblem).toEqual(unknownProblem);
      expect((await harness.request('GET', `${apps}/watched/access`, undefined)).status).toBe(401);
    });
  });
});

describe('a chat turn', () => {
  it('is the active run of its app while it answers, and is not once it has', async () => {
    const held = heldAnswers();
    const chat = await createApiHarness({ llm: held.llm });
    try {
      await chat.runWorker.start();
      const token = await chat.token('alice');
      const turn = await chat.request(
        'POST',
        '/api/v1/chatbot/chat',
        token,
        JSON.stringify({
          id: 'a-chat',
          messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'What is a turn? (held)' }] }],
          trigger: 'submit-message',
        }),
      );
      expect(turn.status).toBe(200);
      const active = async () =>
        (
          (await (await chat.request('GET', `${apps}/a-chat/runs?status=active`, token)).json()) as {
            items: { action: string; status: string }[];
          }
        ).items;
      await expect.poll(active, { timeout: 10_000 }).toMatchObject([{ action: 'prompt', status: 'running' }]);
      held.release();
      expect(await turn.text()).toContain('"type":"finish"');
      await expect.poll(active, { timeout: 10_000 }).toEqual([]);
    } finally {
      held.release();
      await chat.close();
    }
  });
});

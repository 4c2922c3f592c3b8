// App ids are one namespace per graph. Asking for an id that another app holds (create or fork,
// one request or two racing) answers 409 when the caller may read that app, else exactly what an
// unknown app answers (404): never the other app, its owner or its state. See docs/api.md.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness } from '../helpers/api';
import { dialects } from '../helpers/databases';

const apps = '/api/v1/chatbot/apps';

// On Postgres the racing requests really overlap (each query is a round trip); on SQLite they
// mostly run one after the other. Either way the answers must be the same.
describe.each(dialects)('on $name', ({ create }) => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;

  beforeAll(async () => {
    harness = await createApiHarness({ testDb: await create() });
    const alice = await harness.clientFor('alice');
    await alice.create({ app_id: 'alices' });
    await alice.act('alices', 'prompt', { prompt: 'something private' });
    await alice.create({ app_id: 'shared' });
    await alice.grants.put('shared', 'bob', 'read');
    const bob = await harness.clientFor('bob');
    await bob.create({ app_id: 'bobs' });
  });
  afterAll(() => harness.close());

  const post = async (sub: string, path: string, body: unknown) =>
    harness.request('POST', path, await harness.token(sub), JSON.stringify(body));

  /** The answer without its request id, to compare two answers. */
  async function answer(response: Response) {
    const { request_id: _, ...body } = await response.json();
    return { status: response.status, body };
  }

  async function snapshot() {
    const { db, tables } = harness.database;
    const rows = [await db.select().from(tables.apps), await db.select().from(tables.grants)];
    return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  }

  describe('an id held by an app the caller may not see', () => {
    it('answers create and fork exactly as an unknown app, and writes nothing', async () => {
      const unknown = await answer(
        await harness.request('GET', `${apps}/nothing-here`, await harness.token('bob')),
      );
      expect(unknown.status).toBe(404);
      const before = await snapshot();
      const created = await answer(await post('bob', apps, { app_id: 'alices' }));
      const forked = await answer(await post('bob', `${apps}/bobs/fork`, { app_id: 'alices' }));
      expect(created).toEqual(unknown);
      expect(forked).toEqual(unknown);
      expect(JSON.stringify([created, forked])).not.toContain('alice');
      expect(await snapshot()).toBe(before);
    });
  });

  describe('an id held by an app the caller may see', () => {
    it('answers 409 to a fork onto it, whether the caller owns it or holds a grant', async () => {
      const before = await snapshot();
      const own = await answer(await post('bob', `${apps}/bobs/fork`, { app_id: 'bobs' }));
      expect(own).toMatchObject({ status: 409, body: { detail: 'An app with id bobs exists already.' } });
      const granted = await answer(await post('bob', `${apps}/bobs/fork`, { app_id: 'shared' }));
      expect(granted).toMatchObject({
        status: 409,
        body: { detail: 'An app with id shared exists already.' },
      });
      expect(await snapshot()).toBe(before);
    });

    it('answers create 200 in its own partition and 409 in another', async () => {
      expect((await post('alice', apps, { app_id: 'shared' })).status).toBe(200);
      const before = await snapshot();
      const elsewhere = await answer(await post('bob', apps, { app_id: 'shared' }));
      expect(elsewhere).toMatchObject({
        status: 409,
        body: { detail: 'An app with id shared exists already.' },
      });
      const admin = await harness.request(
        'POST',
        apps,
        await harness.token('root', ['admin']),
        JSON.stringify({ app_id: 'shared', partition_key: 'bob' }),
      );
      expect(admin.status).toBe(409);
      expect(await snapshot()).toBe(before);
    });
  });

  describe('two requests racing for one new id', () => {
    it('creates it for one caller and answers the other as an unknown app, never with the winner', async () => {
      for (let round = 0; round < 10; round++) {
        const id = `contested-${round}`;
        const [forAlice, forBob] = await Promise.all([
          post('alice', apps, { app_id: id }),
          post('bob', apps, { app_id: id }),
        ]);
        const statuses = [forAlice.status, forBob.status];
        expect(statuses.sort()).toEqual([201, 404]);
        const winner = forAlice.status === 201 ? 'alice' : 'bob';
        const loser = forAlice.status === 201 ? forBob : forAlice;
        expect(JSON.stringify(await loser.json())).not.toContain(winner);
      }
    });

    it('forks it for one caller and answers the other as an unknown app', async () => {
      for (let round = 0; round < 10; round++) {
        const id = `fork-contested-${round}`;
        const [forAlice, forBob] = await Promise.all([
          post('alice', `${apps}/alices/fork`, { app_id: id }),
          post('bob', `${apps}/bobs/fork`, { app_id: id }),
        ]);
        expect([forAlice.status, forBob.status].sort()).toEqual([201, 404]);
        const loser = forAlice.status === 201 ? forBob : forAlice;
        expect(JSON.stringify(await loser.json())).not.toContain('something private');
      }
    });

    it('forks it once when one caller asks twice at once, and answers the second 409', async () => {
      for (let round = 0; round < 10; round++) {
        const id = `fork-twice-${round}`;
        const answers = await Promise.all([
          post('bob', `${apps}/bobs/fork`, { app_id: id }),
          post('bob', `${apps}/bobs/fork`, { app_id: id }),
        ]);
        expect(answers.map((response) => response.status).sort()).toEqual([201, 409]);
      }
    });
  });
});

// What is validated is what is stored: a fork's state and a run's inputs are zod's output, unknown
// keys are refused at any depth of the state (not kept where no schema looks), and a fork's
// failures blame the field at fault. On SQLite and Postgres.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness } from '../helpers/api';
import { dialects } from '../helpers/databases';

const apps = '/api/v1/chatbot/apps';

describe.each(dialects)('stored as validated on $name', ({ create }) => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;
  const post = async (path: string, body: unknown) =>
    harness.request('POST', path, await harness.token('alice'), JSON.stringify(body));

  beforeAll(async () => {
    harness = await createApiHarness({ testDb: await create() });
    const alice = await harness.clientFor('alice');
    await alice.create({ app_id: 'src' });
    await alice.act('src', 'prompt', { prompt: 'hello' });
  });
  afterAll(() => harness.close());

  it('refuses a fork whose nested state holds a key the schema does not name, and stores nothing', async () => {
    const before = await harness.database.db.select().from(harness.database.tables.apps);
    const history = [{ role: 'user', content: 'hi', type: 'text', secret: 'for grantees' }];
    const response = await post(`${apps}/src/fork`, { app_id: 'f1', state: { chat_history: history } });
    expect(response.status).toBe(422);
    const body = await response.json();
    expect(body.errors).toEqual([expect.objectContaining({ path: 'state.chat_history.0' })]);
    expect(body.errors[0].message).toContain('secret');
    expect(await harness.database.db.select().from(harness.database.tables.apps)).toEqual(before);
  });

  it('stores a valid fork as the schema gives it back', async () => {
    const history = [{ role: 'user', content: 'hi', type: 'text' }];
    const response = await post(`${apps}/src/fork`, { app_id: 'f2', state: { chat_history: history } });
    expect(response.status).toBe(201);
    const alice = await harness.clientFor('alice');
    expect((await alice.get('f2')).state.chat_history).toEqual(history);
  });

  it("stores a run's parsed inputs, without keys the action's schema does not name", async () => {
    const response = await post(`${apps}/src/runs`, {
      action: 'prompt',
      inputs: { prompt: 'hi', extra: { x: 1 } },
    });
    expect(response.status).toBe(202);
    const { run_id } = await response.json();
    const { db, tables } = harness.database;
    const [row] = await db.select().from(tables.runs).where(eq(tables.runs.runId, run_id));
    expect(row?.inputs).toEqual({ prompt: 'hi' });
  });

  it('blames sequence_id only for a step the source lacks', async () => {
    const missing = await post(`${apps}/src/fork`, { sequence_id: 99 });
    expect(missing.status).toBe(422);
    expect((await missing.json()).errors).toEqual([expect.objectContaining({ path: 'sequence_id' })]);
    const tooDeep = await harness.request(
      'POST',
      `${apps}/src/fork`,
      await harness.token('alice'),
      `{"state":{"prompt":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    );
    expect(tooDeep.status).toBe(422);
    expect(JSON.stringify(await tooDeep.json())).not.toContain('sequence_id');
  });
});

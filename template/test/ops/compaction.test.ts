import { and, eq, lte, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { DrizzlePersister } from '../../src/db/drizzle-persister';
import { type AppRow, prepareReads } from '../../src/db/prepared-queries';
import { compactOnce } from '../../src/db/prune-schedule';
import { StateReplay } from '../../src/db/state-replay';
import { dialects, type TestDatabase } from '../helpers/databases';
import { chatbotCaller, createTestApp, serveOnLoopback } from '../helpers/test-app';

type TestApp = Awaited<ReturnType<typeof createTestApp>>;
type StepItem = { sequence_id: number; status: string; state: unknown };

/** What another instance would see: a persister with no latest state in memory, only the database. */
const fromDatabase = (database: Database) => new DrizzlePersister(database, { latestStateBytes: 0 });

async function committedRows(database: Database, appId: string, upTo = 2 ** 31 - 1) {
  const { db, tables } = database;
  const { steps } = tables;
  return db
    .select({ sequenceId: steps.sequenceId, snapshot: sql<number>`${steps.snapshot} is not null` })
    .from(steps)
    .where(and(eq(steps.appId, appId), eq(steps.status, 'committed'), lte(steps.sequenceId, upTo)))
    .orderBy(steps.sequenceId);
}

describe.each(dialects)('compaction (STEP_KEEP_LAST) on $name', ({ name, create }) => {
  let testDb: TestDatabase;
  let testApp: TestApp;
  let call: (method: string, path: string, body?: unknown) => Promise<Response>;
  beforeAll(async () => {
    testDb = await create();
    testApp = await createTestApp({ testDb });
    call = await chatbotCaller(testApp, 'alice');
  });
  afterAll(() => testApp.close());

  /** The whole log through GET …/steps, `limit` a page, following next_cursor. */
  async function listAll(appId: string, limit: number, include?: 'state') {
    const items: StepItem[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: String(limit), ...(include ? { include } : {}) });
      if (cursor) query.set('cursor', cursor);
      const response = await call('GET', `/apps/${appId}/steps?${query}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: StepItem[]; next_cursor: string | null };
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  it('keeps the current state and the last 50 steps of a long app; forks, the step list and the viewer follow', {
    timeout: 120_000,
  }, async () => {
    const key = { graph: 'chatbot', appId: 'long' };
    await call('POST', '/apps', { app_id: 'long' });
    // 100 prompts: 300 steps (prompt, decide_mode, a reply), the chat history growing all along, so
    // the snapshot policy stores full states now and then among them.
    for (let turn = 0; turn < 100; turn++) {
      const response = await call('POST', '/apps/long/actions/prompt', { prompt: `question ${turn}` });
      expect(response.status).toBe(200);
    }
    // One failed attempt among the steps that go (a failed step shares its sequence id with the retry).
    await testApp.database.db.insert(testApp.database.tables.steps).values({
      ...key,
      sequenceId: 5,
      action: 'decide_mode',
      inputs: {},
      result: null,
      writes: [],
      snapshot: null,
      status: 'failed',
      error: 'an old failure',
      startedAt: new Date(),
      endedAt: new Date(),
      durationMs: 1,
    });
    const forkBefore = await call('POST', '/apps/long/fork', { app_id: 'fork-of-long', sequence_id: 30 });
    expect(forkBefore.status).toBe(201);
    const forkedState = ((await forkBefore.json()) as { state: unknown }).state;
    const snapshots = (await committedRows(testApp.database, 'long')).filter((row) => row.snapshot);
    expect(snapshots.length).toBeGreaterThan(0);
    // Every state the app had, rebuilt from the database before anything is removed.
    const fresh = fromDatabase(testApp.database);
    const before = await Promise.all(
      Array.from({ length: 301 }, (_, sequenceId) => fresh.stateAt(key, sequenceId)),
    );
    const latest = (await call('GET', '/apps/long').then((response) => response.json())) as {
      sequence_id: number;
      state: unknown;
      next: string;
    };
    expect(latest.sequence_id).toBe(300);

    // The apps row as a reader had it just before the compaction, to replay from once the rows are gone.
    const reads = prepareReads(testApp.database);
    const staleRow = async () => (await reads.app.execute(key))[0] as AppRow;
    const [stale, staleKept, staleOld] = [await staleRow(), await staleRow(), await staleRow()];
    expect(stale.snapshotSequenceId).toBeLessThanOrEqual(300);

    const counts = await compactOnce(testApp.database, 50);
    // The fork has 0 steps and the others fewer than 50: only `long` is compacted.
    expect(counts).toEqual({ apps: 1, steps: 251 });

    // The current state, as this instance serves it and as one without it in memory rebuilds it.
    const after = (await call('GET', '/apps/long').then((response) => response.json())) as typeof latest;
    expect(after).toEqual(latest);
    expect((await fromDatabase(testApp.database).loadApp(key))?.state).toEqual(latest.state);
    // The log: steps 251–300 only; every state from the origin (250) on as before; earlier ones gone.
    expect((await committedRows(testApp.database, 'long')).map((row) => row.sequenceId)).toEqual(
      Array.from({ length: 50 }, (_, index) => 251 + index),
    );
    const row = await staleRow();
    expect(row.originSequenceId).toBe(250);
    // The latest snapshot, kept, is still the one the latest state replays from.
    expect(row.snapshotSequenceId).toBe(Math.max(250, ...snapshots.map((at) => at.sequenceId)));
    // A reader holding the row from before: its replay finds steps gone, rereads the row, is right.
    const replay = new StateReplay(testApp.database, reads);
    expect(await replay.stateAfter(stale, 300)).toEqual(before[300]);
    expect(await replay.stateAfter(staleKept, 260)).toEqual(before[260]);
    expect(await replay.stateAfter(staleOld, 120)).toBeNull();
    const rebuilt = fromDatabase(testApp.database);
    for (let sequenceId = 250; sequenceId <= 300; sequenceId++)
      expect(await rebuilt.stateAt(key, sequenceId)).toEqual(before[sequenceId]);
    for (const removed of [0, 1, 30, 249]) expect(await rebuilt.stateAt(key, removed)).toBeNull();

    // Rows a compaction that died midway left before the origin: never listed nor replayed.
    const leftover = (sequenceId: number, status: 'committed' | 'failed') =>
      testApp.database.db.insert(testApp.database.tables.steps).values({
        ...key,
        sequenceId,
        action: 'prompt',
        inputs: {},
        result: null,
        writes: [{ op: 'set', key: 'prompt', value: 'left over' }],
        snapshot: null,
        status,
        error: null,
        startedAt: new Date(),
        endedAt: new Date(),
        durationMs: 1,
      });
    await leftover(249, 'committed');
    await leftover(250, 'failed');
    await leftover(250, 'committed');
    expect(await fromDatabase(testApp.database).stateAt(key, 251)).toEqual(before[251]);

    // GET …/steps pages over what is left, each step once, with the states it left.
    for (const limit of [7, 50, 200]) {
      const listed = await listAll('long', limit);
      expect(listed.map((step) => step.sequence_id)).toEqual(Array.from({ length: 50 }, (_, i) => 251 + i));
    }
    const withStates = await listAll('long', 9, 'state');
    expect(withStates.map((step) => step.state)).toEqual(before.slice(251).map((at) => at?.state));
    const afterRemoved = (await call('GET', '/apps/long/steps?after=10&limit=3').then((r) => r.json())) as {
      items: StepItem[];
    };
    expect(afterRemoved.items.map((step) => step.sequence_id)).toEqual([251, 252, 253]);
    // The step viewer's diff of the first kept step has its "before" (the origin); a removed step has none.
    const firstKept = await call('GET', '/apps/long/steps/251/state');
    expect(firstKept.status).toBe(200);
    expect(await firstKept.json()).toMatchObject({
      before: before[250]?.state,
      after: before[251]?.state,
    });
    expect((await call('GET', '/apps/long/steps/250/state')).status).toBe(404);
    expect((await call('GET', '/apps/long/steps/12/state')).status).toBe(404);

    // Fork from a kept step (and from the origin, the state before the first kept step).
    for (const sequenceId of [250, 251, 275]) {
      const fork = await call('POST', '/apps/long/fork', {
        app_id: `fork-at-${sequenceId}`,
        sequence_id: sequenceId,
      });
      expect(fork.status).toBe(201);
      expect(((await fork.json()) as { state: unknown }).state).toEqual(before[sequenceId]?.state);
    }
    // Fork from a removed step: the problem of a step the app never had.
    const removed = await call('POST', '/apps/long/fork', { sequence_id: 249 });
    const unknown = await call('POST', '/apps/long/fork', { sequence_id: 999 });
    expect(removed.status).toBe(422);
    expect(unknown.status).toBe(422);
    const [removedProblem, unknownProblem] = (await Promise.all([removed.json(), unknown.json()])) as {
      type: string;
      title: string;
      detail: string;
      errors: { path: string }[];
    }[];
    expect(removedProblem?.errors.map((error) => error.path)).toEqual(['sequence_id']);
    const shape = (problem: typeof removedProblem) => ({ type: problem?.type, title: problem?.title });
    expect(shape(removedProblem)).toEqual(shape(unknownProblem));
    expect(removedProblem?.detail).toContain('has no step 249');

    // The fork made before, whose parent's steps it came from are gone: same state, steps on.
    const fork = (await call('GET', '/apps/fork-of-long').then((response) => response.json())) as {
      state: unknown;
      parent: unknown;
    };
    expect(fork.state).toEqual(forkedState);
    expect(fork.parent).toEqual({ app_id: 'long', sequence_id: 30 });
    expect((await call('POST', '/apps/fork-of-long/actions/prompt', { prompt: 'and now?' })).status).toBe(
      200,
    );

    // The compacted app steps on, and compacts again from its new origin.
    for (let turn = 0; turn < 20; turn++)
      expect((await call('POST', '/apps/long/actions/prompt', { prompt: `more ${turn}` })).status).toBe(200);
    const grown = (await call('GET', '/apps/long').then((response) => response.json())) as typeof latest;
    expect(grown.sequence_id).toBe(360);
    // The rows left over go now too.
    expect(await compactOnce(testApp.database, 50)).toEqual({ apps: 1, steps: 63 });
    expect((await fromDatabase(testApp.database).loadApp(key))?.state).toEqual(grown.state);
    expect((await listAll('long', 20)).map((step) => step.sequence_id)).toEqual(
      Array.from({ length: 50 }, (_, i) => 311 + i),
    );
    // Nothing left to compact at 50; at 5, the origin passes every snapshot, and becomes the one.
    expect(await compactOnce(testApp.database, 50)).toEqual({ apps: 0, steps: 0 });
    expect(await compactOnce(testApp.database, 5)).toMatchObject({ steps: 45 });
    expect(await staleRow()).toMatchObject({ originSequenceId: 355, snapshotSequenceId: 355 });
    expect((await fromDatabase(testApp.database).loadApp(key))?.state).toEqual(grown.state);
    expect((await fromDatabase(testApp.database).stateAt(key, 355))?.state).toEqual(
      (await fresh.stateAt(key, 355))?.state,
    );
  });

  it('compacts 50,000 steps while the same apps keep stepping without an error', {
    timeout: 240_000,
  }, async () => {
    const appIds = Array.from({ length: 10 }, (_, index) => `busy-${index}`);
    for (const appId of appIds) expect((await call('POST', '/apps', { app_id: appId })).status).toBe(201);
    await seedSteps(testApp.database, appIds, 5_000);
    const server = await serveOnLoopback(testApp);
    const headers = {
      authorization: `Bearer ${await testApp.token('alice')}`,
      'content-type': 'application/json',
    };
    let compacting = true;
    const failures: number[] = [];
    let longestMs = 0;
    let liveRequests = 0;
    // Over a socket, as clients call it (in process, the requests would be microtasks only and starve
    // the compaction's turns between batches); on four of the apps being compacted.
    const stepper = async (appId: string) => {
      while (compacting) {
        const started = performance.now();
        const response = await fetch(
          `http://127.0.0.1:${server.port}/api/v1/chatbot/apps/${appId}/actions/prompt`,
          { method: 'POST', headers, body: JSON.stringify({ prompt: 'still here?' }) },
        );
        await response.arrayBuffer();
        longestMs = Math.max(longestMs, performance.now() - started);
        liveRequests++;
        if (response.status !== 200) failures.push(response.status);
      }
    };
    const steppers = appIds.slice(0, 4).map(stepper);
    const started = performance.now();
    let counts: Awaited<ReturnType<typeof compactOnce>>;
    try {
      counts = await compactOnce(testApp.database, 50);
    } finally {
      compacting = false;
      await Promise.all(steppers);
      await server.shutdown();
    }
    const compactMs = performance.now() - started;

    expect(failures).toEqual([]);
    expect(liveRequests).toBeGreaterThan(0);
    expect(counts?.apps).toBe(10);
    // Each app kept its last 50 steps as they stood when it was compacted, and the steps taken since.
    expect(counts?.steps).toBeGreaterThanOrEqual(10 * 4_950);
    const served = fromDatabase(testApp.database);
    for (const appId of appIds) {
      const key = { graph: 'chatbot', appId };
      const view = (await call('GET', `/apps/${appId}`).then((response) => response.json())) as {
        sequence_id: number;
        state: unknown;
      };
      const rows = await committedRows(testApp.database, appId);
      expect(rows.length).toBeGreaterThanOrEqual(50);
      expect(rows.map((row) => row.sequenceId)).toEqual(
        Array.from({ length: rows.length }, (_, index) => view.sequence_id - rows.length + 1 + index),
      );
      expect((await served.loadApp(key))?.state).toEqual(view.state);
    }
    console.log(
      `[compaction ${name}] compacted 10 apps of 5,000 steps to 50 in ${Math.round(compactMs)} ms; ${liveRequests} live prompts (3 steps each) on four of them meanwhile, longest ${Math.round(longestMs)} ms, no error`,
    );
  });
});

/** `count` committed answer steps on each app, written straight in the tables (each sets `response`). */
async function seedSteps(database: Database, appIds: string[], count: number) {
  const at = Date.now();
  if (database.sqlite) {
    const client = database.sqlite.$client;
    const step = client.prepare(
      `insert into steps (graph, app_id, sequence_id, action, inputs, result, writes, snapshot, status, error,
         started_at, ended_at, duration_ms)
       values ('chatbot', ?, ?, 'answer_question', '{}', '{}', ?, null, 'committed', null, ?, ?, 1)`,
    );
    const app = client.prepare(
      `update apps set sequence_id = ?, position = 'answer_question', replay_bytes = ? where app_id = ?`,
    );
    client.transaction(() => {
      for (const appId of appIds) {
        for (let s = 1; s <= count; s++)
          step.run(appId, s, JSON.stringify([{ op: 'set', key: 'response', value: `answer ${s}` }]), at, at);
        app.run(count, count * 50, appId);
      }
    })();
    return;
  }
  const when = new Date(at).toISOString();
  for (const appId of appIds) {
    await database.db.execute(sql`
      insert into steps (graph, app_id, sequence_id, action, inputs, result, writes, snapshot, status, error,
        started_at, ended_at, duration_ms)
      select 'chatbot', ${appId}, s, 'answer_question', '{}'::jsonb, '{}'::jsonb,
        jsonb_build_array(jsonb_build_object('op', 'set', 'key', 'response', 'value', 'answer ' || s)), null,
        'committed', null, ${when}::timestamptz, ${when}::timestamptz, 1
      from generate_series(1, ${count}) s`);
    await database.db.execute(
      sql`update apps set sequence_id = ${count}, position = 'answer_question', replay_bytes = ${count * 50} where app_id = ${appId}`,
    );
  }
}

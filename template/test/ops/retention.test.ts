import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { pruneOnce } from '../../src/db/prune-schedule';
import { dialects, type TestDatabase } from '../helpers/databases';
import { chatbotCaller, createTestApp, serveOnLoopback } from '../helpers/test-app';

type TestApp = Awaited<ReturnType<typeof createTestApp>>;
const DAY = 24 * 60 * 60_000;

/** Makes an app look untouched for `days` (what retention reads is apps.updated_at). */
async function age(database: Database, appId: string, days: number) {
  const { db, tables } = database;
  await db
    .update(tables.apps)
    .set({ updatedAt: new Date(Date.now() - days * DAY) })
    .where(eq(tables.apps.appId, appId));
}

async function rows(database: Database, table: 'steps' | 'grants' | 'runs' | 'runEvents' | 'apps') {
  const { db, tables } = database;
  return db.select().from(tables[table] as typeof tables.apps);
}

describe.each(dialects)('retention on $name', ({ name, create }) => {
  let testDb: TestDatabase;
  let testApp: TestApp;
  let call: (method: string, path: string, body?: unknown) => Promise<Response>;
  beforeAll(async () => {
    testDb = await create();
    testApp = await createTestApp({ testDb });
    call = await chatbotCaller(testApp, 'alice');
  });
  afterAll(() => testApp.close());

  it('removes old apps with their steps, grants, runs and events; forks of them keep working', async () => {
    await call('POST', '/apps', { app_id: 'old' });
    expect((await call('POST', '/apps/old/actions/prompt', { prompt: 'Write a poem' })).status).toBe(200);
    expect((await call('PUT', '/apps/old/grants/bob', { permission: 'read' })).status).toBe(200);
    await testApp.runWorker.start();
    const queued = await call('POST', '/apps/old/runs', { action: 'prompt', inputs: { prompt: 'again' } });
    const { run_id } = (await queued.json()) as { run_id: string };
    await expect
      .poll(
        async () =>
          (
            (await (
              await testApp.app.request(`/api/v1/runs/${run_id}`, {
                headers: { authorization: `Bearer ${await testApp.token('alice')}` },
              })
            ).json()) as { status: string }
          ).status,
      )
      .toBe('succeeded');
    const fork = await call('POST', '/apps/old/fork', { app_id: 'fork-of-old', sequence_id: 3 });
    expect(fork.status).toBe(201);
    const forked = (await fork.json()) as { state: unknown };
    await call('POST', '/apps', { app_id: 'live' });
    await age(testApp.database, 'old', 40);

    const counts = await pruneOnce(testApp.database, 30);
    expect(counts).toEqual({ apps: 1, steps: 6, runs: 1 });

    expect((await call('GET', '/apps/old')).status).toBe(404);
    const left = (table: Parameters<typeof rows>[1]) => rows(testApp.database, table);
    expect((await left('steps')).filter((step) => step.appId === 'old')).toEqual([]);
    expect((await left('grants')).filter((grant) => grant.appId === 'old')).toEqual([]);
    expect((await left('runs')).filter((run) => run.appId === 'old')).toEqual([]);
    expect(await left('runEvents')).toEqual([]);
    expect((await call('GET', '/apps/live')).status).toBe(200);
    // The fork: same state, its steps readable, and it steps on (its state never read the parent's rows).
    const view = await call('GET', '/apps/fork-of-old');
    expect(view.status).toBe(200);
    expect(((await view.json()) as { state: unknown }).state).toEqual(forked.state);
    expect((await call('GET', '/apps/fork-of-old/steps')).status).toBe(200);
    expect((await call('POST', '/apps/fork-of-old/actions/prompt', { prompt: 'And now?' })).status).toBe(200);
    expect(
      (await call('POST', '/apps/fork-of-old/fork', { app_id: 'grandchild', sequence_id: 0 })).status,
    ).toBe(201);
    // Nothing left to prune.
    expect(await pruneOnce(testApp.database, 30)).toEqual({ apps: 0, steps: 0, runs: 0 });
  });

  it('prunes 100,000 steps while live apps keep stepping without an error', {
    timeout: 240_000,
  }, async () => {
    await seedOldSteps(testApp.database, { apps: 200, stepsPerApp: 500 });
    const live = ['live-1', 'live-2', 'live-3', 'live-4'];
    for (const appId of live) await call('POST', '/apps', { app_id: appId });
    const size = fileSize(testDb, testApp.database);
    const startSize = await size();
    let largest = startSize;
    const sampler = setInterval(() => void size().then((bytes) => (largest = Math.max(largest, bytes))), 10);

    let pruning = true;
    const failures: number[] = [];
    let longestMs = 0;
    let liveRequests = 0;
    // Over a socket, as clients call it (in process, the requests would be microtasks only and starve
    // the prune's turns between batches).
    const server = await serveOnLoopback(testApp);
    const headers = {
      authorization: `Bearer ${await testApp.token('alice')}`,
      'content-type': 'application/json',
    };
    const stepper = async (appId: string) => {
      while (pruning) {
        const started = performance.now();
        const response = await fetch(
          `http://127.0.0.1:${server.port}/api/v1/chatbot/apps/${appId}/actions/prompt`,
          {
            method: 'POST',
            headers,
            body: JSON.stringify({ prompt: 'still here?' }),
          },
        );
        await response.arrayBuffer();
        longestMs = Math.max(longestMs, performance.now() - started);
        liveRequests++;
        if (response.status !== 200) failures.push(response.status);
      }
    };
    const steppers = live.map(stepper);
    const started = performance.now();
    let counts: Awaited<ReturnType<typeof pruneOnce>>;
    try {
      counts = await pruneOnce(testApp.database, 30);
    } finally {
      pruning = false;
      await Promise.all(steppers);
      clearInterval(sampler);
      await server.shutdown();
    }
    const pruneMs = performance.now() - started;

    expect(counts).toEqual({ apps: 200, steps: 100_000, runs: 0 });
    expect(failures).toEqual([]);
    expect(liveRequests).toBeGreaterThan(0);
    if (name === 'sqlite') expect(largest).toBeLessThanOrEqual(startSize);
    // Postgres reuses the deleted rows' space only after (auto)vacuum, so the live steps written
    // meanwhile take new pages: the prune itself may add nothing beyond those (at most 1 KB a row).
    else expect(largest - startSize).toBeLessThanOrEqual(liveRequests * 3 * 1024);
    const remaining = await rows(testApp.database, 'steps');
    expect(
      remaining.every(
        (step) =>
          step.appId.startsWith('live-') || step.appId.startsWith('fork') || step.appId === 'grandchild',
      ),
    ).toBe(true);
    console.log(
      `[retention ${name}] pruned 100,000 steps in ${Math.round(pruneMs)} ms; ${liveRequests} live prompts (3 steps each) meanwhile, longest ${Math.round(longestMs)} ms, no error; database size ${startSize} → at most ${largest} bytes`,
    );
  });
});

/** The bytes the data takes on disk: the SQLite file (its WAL is reused, not grown), or Postgres's steps table with its indexes. */
function fileSize(testDb: TestDatabase, database: Database): () => Promise<number> {
  if (testDb.url.startsWith('file:')) {
    const path = testDb.url.startsWith('file://') ? fileURLToPath(testDb.url) : testDb.url.slice(5);
    return async () => statSync(path).size;
  }
  return async () => {
    const result = await database.db.execute(sql`select pg_total_relation_size('steps') as bytes`);
    return Number((result.rows[0] as { bytes: string }).bytes);
  };
}

/** `apps` apps untouched for 40 days with `stepsPerApp` committed steps each, written straight in the tables. */
async function seedOldSteps(database: Database, seed: { apps: number; stepsPerApp: number }) {
  const old = Date.now() - 40 * DAY;
  if (database.sqlite) {
    const client = database.sqlite.$client;
    const app = client.prepare(
      `insert into apps (graph, app_id, partition_key, sequence_id, position, origin_state, origin_position,
         snapshot_sequence_id, snapshot_bytes, replay_bytes, created_at, updated_at)
       values ('chatbot', ?, 'alice', ?, 'prompt', '{}', null, 0, 2, 0, ?, ?)`,
    );
    const step = client.prepare(
      `insert into steps (graph, app_id, sequence_id, action, inputs, result, writes, snapshot, status, error,
         started_at, ended_at, duration_ms)
       values ('chatbot', ?, ?, 'prompt', '{}', '{}', '[{"key":"prompt","value":"an old question"}]', null,
         'committed', null, ?, ?, 1)`,
    );
    client.transaction(() => {
      for (let a = 0; a < seed.apps; a++) {
        app.run(`old-${a}`, seed.stepsPerApp, old, old);
        for (let s = 1; s <= seed.stepsPerApp; s++) step.run(`old-${a}`, s, old, old);
      }
    })();
    return;
  }
  const at = new Date(old).toISOString();
  await database.db.execute(sql`
    insert into apps (graph, app_id, partition_key, sequence_id, position, origin_state, origin_position,
      snapshot_sequence_id, snapshot_bytes, replay_bytes, created_at, updated_at)
    select 'chatbot', 'old-' || a, 'alice', ${seed.stepsPerApp}, 'prompt', '{}'::jsonb, null, 0, 2, 0, ${at}::timestamptz, ${at}::timestamptz
    from generate_series(0, ${seed.apps - 1}) a`);
  await database.db.execute(sql`
    insert into steps (graph, app_id, sequence_id, action, inputs, result, writes, snapshot, status, error,
      started_at, ended_at, duration_ms)
    select 'chatbot', 'old-' || (s / ${seed.stepsPerApp}), (s % ${seed.stepsPerApp}) + 1, 'prompt', '{}'::jsonb, '{}'::jsonb,
      '[{"key":"prompt","value":"an old question"}]'::jsonb, null, 'committed', null, ${at}::timestamptz, ${at}::timestamptz, 1
    from generate_series(0, ${seed.apps * seed.stepsPerApp - 1}) s`);
}

// Two app processes sharing one Postgres and one Redis, as behind a load balancer: a run created on
// one is followed live from the other, woken through Redis; a cancel crosses over too; and no run is
// executed twice.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamEvents } from '../../src/client';
import { type AppProcess, startAppProcess } from '../helpers/app-process';
import { postgresDatabase, type TestDatabase } from '../helpers/databases';

// vitest.config.ts leaves this file out when either variable is missing.
const postgresUrl = process.env.TEST_DATABASE_URL as string;
const redisUrl = process.env.REDIS_URL as string;

describe('two instances on Postgres and Redis', () => {
  let testDb: TestDatabase;
  let a: AppProcess;
  let b: AppProcess;
  let headers: Record<string, string>;

  beforeAll(async () => {
    testDb = await postgresDatabase(postgresUrl);
    const env = {
      DATABASE_URL: testDb.url,
      REDIS_URL: redisUrl,
      SCRIPTED_DELAY_MS: '20',
      RUN_CONCURRENCY: '2',
      // Followers would look at the database only every ten minutes: a stream that keeps up with a
      // run on the other instance is woken by Redis.
      RUN_FOLLOW_POLL_MS: '600000',
    };
    [a, b] = await Promise.all([startAppProcess(env), startAppProcess(env)]);
    headers = { authorization: `Bearer ${await a.token('alice')}`, 'content-type': 'application/json' };
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await testDb?.drop();
  });

  const post = (server: AppProcess, path: string, body: unknown) =>
    fetch(`${server.base}/api/v1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('streams live events on B of a run created on A, woken through Redis', async () => {
    // A subscriber of our own on the run channels sees the wake-ups the instances send each other.
    const listener = new Redis(redisUrl);
    const signals: string[] = [];
    listener.on('pmessage', (_pattern, _channel, message: string) => signals.push(message));
    await listener.psubscribe('switchyard:run:*');
    try {
      await post(a, '/chatbot/apps', { app_id: 'shared-run' });
      const created = await (
        await post(a, '/chatbot/apps/shared-run/runs', {
          action: 'prompt',
          inputs: { prompt: 'write a poem about two servers' },
        })
      ).json();
      const events = [];
      for await (const event of streamEvents(
        await fetch(`${b.base}/api/v1/runs/${created.run_id}/events`, { headers }),
      )) {
        events.push(event);
      }
      expect(events[0]?.event).toBe('state');
      expect(events.filter((event) => event.event === 'delta').length).toBeGreaterThan(3);
      expect(events.at(-1)?.event).toBe('done');
      // One wake-up per stored write at least: deltas that come together share one (the worker
      // batches them), every other event ends a write of its own. The events themselves are rows,
      // never on the channel.
      const writes = events.filter((event) => event.event !== 'delta').length;
      expect(signals.filter((signal) => signal === 'event').length).toBeGreaterThanOrEqual(writes);
      expect(signals.every((signal) => signal === 'event' || signal === 'cancel')).toBe(true);
    } finally {
      listener.disconnect();
    }
  });

  it('cancels on B a run that A executes', async () => {
    await post(a, '/chatbot/apps', { app_id: 'cancel-across' });
    const created = await (
      await post(a, '/chatbot/apps/cancel-across/runs', {
        action: 'prompt',
        inputs: { prompt: 'write a poem about a long way round' },
      })
    ).json();
    const events = streamEvents(await fetch(`${b.base}/api/v1/runs/${created.run_id}/events`, { headers }));
    for await (const event of events) if (event.event === 'delta') break;
    expect((await post(b, `/runs/${created.run_id}/cancel`, {})).status).toBe(202);
    const rest = [];
    for await (const event of streamEvents(
      await fetch(`${a.base}/api/v1/runs/${created.run_id}/events`, { headers }),
    )) {
      rest.push(event);
    }
    expect(rest.at(-1)).toMatchObject({ event: 'error', data: { status: 409, next: 'generate_poem' } });
    const run = await (await fetch(`${b.base}/api/v1/runs/${created.run_id}`, { headers })).json();
    expect(run.status).toBe('cancelled');
  });

  it('runs each of many runs exactly once across both workers', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 8; index++) {
      await post(index % 2 ? a : b, '/chatbot/apps', { app_id: `many-${index}` });
      const created = await (
        await post(index % 2 ? b : a, `/chatbot/apps/many-${index}/runs`, {
          action: 'prompt',
          inputs: { prompt: `question ${index}?` },
        })
      ).json();
      ids.push(created.run_id);
    }
    for (const id of ids) {
      await expect
        .poll(async () => (await (await fetch(`${a.base}/api/v1/runs/${id}`, { headers })).json()).status, {
          timeout: 20_000,
          interval: 100,
        })
        .toBe('succeeded');
    }
    const database = await testDb.open();
    const runs = await database.db.select().from(database.tables.runs);
    expect(runs.filter((run) => ids.includes(run.runId)).map((run) => run.attempt)).toEqual(ids.map(() => 1));
    for (let index = 0; index < 8; index++) {
      const app = await (await fetch(`${b.base}/api/v1/chatbot/apps/many-${index}`, { headers })).json();
      expect(app.sequence_id).toBe(3);
    }
    await database.close();
  });
});

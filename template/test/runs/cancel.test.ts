// Cancel is durable: it is stored in the database, not only said on the bus. Two apps share one
// database file, as two instances without Redis would: `front` serves the routes (its worker never
// claims), `back` only executes runs, on a bus of its own that never hears front's messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamEvents } from '../../src/client';
import { sqliteDatabase } from '../helpers/databases';
import { createTestApp } from '../helpers/test-app';

type TestApp = Awaited<ReturnType<typeof createTestApp>>;
let front: TestApp;
let back: TestApp;

beforeAll(async () => {
  const shared = sqliteDatabase();
  // Front's followers do not hear back's bus either: they see its events by looking often.
  front = await createTestApp({ testDb: shared, env: { RUN_FOLLOW_POLL_MS: '20' } });
  await front.runWorker.stop();
  // Slow words, so a run is still answering when the test cancels it.
  back = await createTestApp({ testDb: shared, env: { SCRIPTED_DELAY_MS: '150' } });
  for (const id of ['queued-app', 'running-app', 'after-app']) {
    await request('POST', '/chatbot/apps', { app_id: id });
  }
});
afterAll(async () => {
  await back?.close();
  await front?.close();
});

async function request(method: string, path: string, body?: unknown) {
  return front.app.request(`/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await front.token('alice')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const json = async (method: string, path: string, body?: unknown) =>
  (await request(method, path, body)).json();
const startRun = (appId: string, prompt: string) =>
  json('POST', `/chatbot/apps/${appId}/runs`, { action: 'prompt', inputs: { prompt } });

async function waitFor(runId: string, status: string) {
  await expect
    .poll(async () => (await json('GET', `/runs/${runId}`)).status, { timeout: 15_000, interval: 50 })
    .toBe(status);
}

describe('cancelling a run', () => {
  it('cancels a queued run at once: it never starts, and its events end with the reason', async () => {
    const queued = await startRun('queued-app', 'write a poem that never starts');
    const cancel = await request('POST', `/runs/${queued.run_id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toMatchObject({
      status: 'cancelled',
      error: 'The run was cancelled before it started.',
    });
    const events = [];
    for await (const event of streamEvents(await request('GET', `/runs/${queued.run_id}/events`))) {
      events.push(event);
    }
    expect(events).toEqual([
      {
        event: 'error',
        id: '1',
        data: expect.objectContaining({
          status: 409,
          detail: 'The run was cancelled before it started.',
          next: 'prompt',
        }),
      },
    ]);

    // A worker starts, and runs the run queued after it: it has looked at the queue, and skipped it.
    await back.runWorker.start();
    const later = await startRun('after-app', 'What comes after?');
    await waitFor(later.run_id, 'succeeded');
    expect(await json('GET', `/runs/${queued.run_id}`)).toMatchObject({
      status: 'cancelled',
      started_at: null,
    });
    expect(await json('GET', '/chatbot/apps/queued-app')).toMatchObject({ sequence_id: 0, next: 'prompt' });
    expect((await request('POST', `/runs/${queued.run_id}/cancel`)).status).toBe(409);
    expect((await request('GET', `/runs/${queued.run_id}/result`)).status).toBe(409);
  });

  it('cancels a running run on another instance whose bus never hears it, from the database', async () => {
    const run = await startRun('running-app', 'write a poem about stopping');
    const events = streamEvents(await request('GET', `/runs/${run.run_id}/events`));
    for await (const event of events) if (event.event === 'delta') break; // answering: cancel now

    const cancel = await request('POST', `/runs/${run.run_id}/cancel`);
    expect(cancel.status).toBe(202);
    expect((await cancel.json()).status).toBe('running');
    await waitFor(run.run_id, 'cancelled');

    const all = [];
    for await (const event of streamEvents(await request('GET', `/runs/${run.run_id}/events`)))
      all.push(event);
    expect(all.at(-1)).toMatchObject({ event: 'error', data: { status: 409, next: 'generate_poem' } });
    expect(all.some((event) => event.event === 'done')).toBe(false);
    // The state stays at the last committed step: the message and the mode, not the answer.
    expect(await json('GET', '/chatbot/apps/running-app')).toMatchObject({
      sequence_id: 2,
      next: 'generate_poem',
    });
    expect((await request('POST', `/runs/${run.run_id}/cancel`)).status).toBe(409);
  });
});

// followRun on its own: a real repository on a temp SQLite file and the in-memory bus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { type Run, RunsRepository } from '../../src/db/runs-repository';
import { problem } from '../../src/lib/errors';
import { type FollowRunOptions, followRun } from '../../src/runs/follow-run';
import { memoryRunBus } from '../../src/runs/run-bus';
import { endingProblem } from '../../src/runs/run-problem';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases';

let testDb: TestDatabase;
let database: Database;
let runs: RunsRepository;
const bus = memoryRunBus();

beforeAll(async () => {
  testDb = sqliteDatabase();
  database = await testDb.open();
  await database.migrate();
  runs = new RunsRepository(database);
});
afterAll(async () => {
  await bus.close();
  await database.close();
  await testDb.drop();
});

// Ten minutes between looks at the database: whatever arrives sooner was woken by the bus.
const options = (): FollowRunOptions => ({
  runs,
  bus,
  pollMs: 600_000,
  endingOf: async (run: Run) => ({ ...endingProblem(run), next: 'prompt' }),
});
const newRun = () =>
  runs.create({ graph: 'chatbot', appId: 'a', action: 'prompt', inputs: {}, createdBy: 'alice' });

async function all(runId: string, after = 0) {
  const events = [];
  for await (const event of followRun(options(), runId, after, new AbortController().signal)) {
    events.push({ id: event.id, event: event.event, data: event.data });
  }
  return events;
}

describe('followRun', () => {
  it('ends the stream of a run that failed without a last event with its problem as an error', async () => {
    const run = await newRun();
    await runs.appendEvent(run.runId, 'state', { n: 0 });
    await runs.appendEvent(run.runId, 'delta', { delta: 'half an ans' });
    await runs.setStatus(run.runId, 'failed', { error: 'The server stopped while the run was running.' });
    const events = await all(run.runId);
    expect(events.map((event) => [event.id, event.event])).toEqual([
      [1, 'state'],
      [2, 'delta'],
      [3, 'error'],
    ]);
    expect(events[2]?.data).toEqual(
      problem(500, 'The server stopped while the run was running.', { next: 'prompt' }),
    );
    // A client that resumes after the last stored event is told too.
    expect((await all(run.runId, 2)).map((event) => event.event)).toEqual(['error']);
    // One that resumes after that made-up ending (id 3), or later, has it all: nothing is invented.
    expect(await all(run.runId, 3)).toEqual([]);
    expect(await all(run.runId, 50)).toEqual([]);
  });

  it('sends nothing to a client resuming at or after a stored last event', async () => {
    const run = await newRun();
    await runs.appendEvent(run.runId, 'state', { n: 0 });
    await runs.appendEvent(run.runId, 'done', { n: 1 });
    await runs.setStatus(run.runId, 'succeeded', {});
    expect(await all(run.runId, 2)).toEqual([]);
    expect(await all(run.runId, 7)).toEqual([]);
    expect((await all(run.runId, 1)).map((event) => event.event)).toEqual(['done']);
  });

  it('stops at a stored last event, and does not add one', async () => {
    const run = await newRun();
    await runs.appendEvent(run.runId, 'error', problem(409, 'Cancelled.'));
    await runs.setStatus(run.runId, 'cancelled', { error: 'Cancelled.' });
    expect(await all(run.runId)).toEqual([{ id: 1, event: 'error', data: problem(409, 'Cancelled.') }]);
  });

  it('follows live events, woken by the bus', async () => {
    const run = await newRun();
    const seen: string[] = [];
    const following = (async () => {
      for await (const event of followRun(options(), run.runId, 0, new AbortController().signal)) {
        seen.push(event.event);
      }
    })();
    for (const name of ['state', 'delta', 'done']) {
      await runs.appendEvent(run.runId, name, {});
      await bus.publish(run.runId, 'event');
    }
    await following;
    expect(seen).toEqual(['state', 'delta', 'done']);
  });

  it('stops when the client leaves, also while it waits for the bus', async () => {
    const run = await newRun();
    const left = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const event of followRun(options(), run.runId, 0, left.signal)) seen.push(event.event);
    })();
    await runs.appendEvent(run.runId, 'state', {});
    await bus.publish(run.runId, 'event');
    await expect.poll(() => seen).toEqual(['state']);
    // The run is still queued and nothing else comes: only the client's leaving ends the wait.
    left.abort();
    await following;
    expect(seen).toEqual(['state']);
  });
});

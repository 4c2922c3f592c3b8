// followRun of a run that executes in this process (live-runs.ts): the worker's events as it emits
// them, before they are stored, handed over exactly once from what the database already has. A
// real repository on a temp SQLite file; the test plays the worker (emit, then store).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { type Run, type RunEvent, RunsRepository } from '../../src/db/runs-repository';
import { type FollowRunOptions, followRun } from '../../src/runs/follow-run';
import { LIVE_QUEUE_LIMIT, type LiveRun, LiveRuns } from '../../src/runs/live-runs';
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

// Ten minutes between looks at the database, and no bus signal is ever sent: whatever a follower
// gets before that came from the live feed.
const options = (live: LiveRuns): FollowRunOptions => ({
  runs,
  bus,
  live,
  pollMs: 600_000,
  endingOf: async (run: Run) => ({ ...endingProblem(run), next: 'prompt' }),
});
const newRun = () =>
  runs.create({ graph: 'chatbot', appId: 'a', action: 'prompt', inputs: {}, createdBy: 'alice' });

/** Plays the worker: emits an event live, and stores it when asked (with the id it was given). */
function worker(run: LiveRun, runId: string) {
  const unstored: RunEvent[] = [];
  return {
    emit(event: string, data: unknown) {
      unstored.push(run.emit(event, data));
    },
    async store() {
      const batch = unstored.splice(0);
      const stored = await runs.appendEvents(runId, batch);
      expect(stored.map((event) => event.id)).toEqual(batch.map((event) => event.id));
      const last = stored.at(-1);
      if (last) run.stored(last.id);
    },
  };
}

const idsAndNames = (events: RunEvent[]) => events.map((event) => `${event.id}:${event.event}`);

async function take(follower: AsyncGenerator<RunEvent>, count: number) {
  const taken: RunEvent[] = [];
  while (taken.length < count) {
    const next = await follower.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}

describe('following a run that executes here', () => {
  it('gets the events as they are emitted, before any is stored', async () => {
    const run = await newRun();
    const live = new LiveRuns();
    const feed = worker(live.open(run.runId, 0), run.runId);
    const follower = followRun(options(live), run.runId, 0, new AbortController().signal);
    feed.emit('state', { n: 0 });
    feed.emit('delta', { delta: 'a' });
    expect(idsAndNames(await take(follower, 2))).toEqual(['1:state', '2:delta']);
    expect(await runs.listEvents(run.runId, { rows: 10 })).toEqual([]);
    await follower.return(undefined);
  });

  it('joins what is stored to what is not yet, each event once and in order, from any id', async () => {
    const run = await newRun();
    const live = new LiveRuns();
    const open = live.open(run.runId, 0);
    const feed = worker(open, run.runId);
    feed.emit('state', { n: 0 });
    feed.emit('delta', { delta: 'a' });
    await feed.store(); // 1 and 2 stored
    feed.emit('delta', { delta: 'b' }); // 3 emitted, not stored
    const fromStart = followRun(options(live), run.runId, 0, new AbortController().signal);
    const fromTwo = followRun(options(live), run.runId, 2, new AbortController().signal);
    const firstThree = await take(fromStart, 3);
    expect(idsAndNames(firstThree)).toEqual(['1:state', '2:delta', '3:delta']);
    expect(idsAndNames(await take(fromTwo, 1))).toEqual(['3:delta']);
    feed.emit('delta', { delta: 'c' });
    feed.emit('done', { n: 1 });
    await feed.store();
    await runs.setStatus(run.runId, 'succeeded', { from: ['queued'] });
    open.close();
    const rest = await take(fromStart, 10);
    expect(idsAndNames(rest)).toEqual(['4:delta', '5:done']);
    expect(idsAndNames(await take(fromTwo, 10))).toEqual(['4:delta', '5:done']);
    // The store holds the very same events: a replay after the run gives what the live feed gave.
    const replayed = await take(followRun(options(live), run.runId, 0, new AbortController().signal), 10);
    const strip = (events: RunEvent[]) => events.map(({ id, event, data }) => ({ id, event, data }));
    expect(strip(replayed)).toEqual(strip([...firstThree, ...rest]));
  });

  it('holds the last event back until the worker has recorded the end (closed the run)', async () => {
    const run = await newRun();
    const live = new LiveRuns();
    const open = live.open(run.runId, 0);
    const feed = worker(open, run.runId);
    const follower = followRun(options(live), run.runId, 0, new AbortController().signal);
    feed.emit('state', { n: 0 });
    feed.emit('done', { n: 1 });
    await feed.store();
    expect(idsAndNames(await take(follower, 1))).toEqual(['1:state']);
    let ended = false;
    const last = take(follower, 1).then((events) => {
      ended = true;
      return events;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toBe(false);
    await runs.setStatus(run.runId, 'succeeded', { from: ['queued'] });
    open.close();
    expect(idsAndNames(await last)).toEqual(['2:done']);
    expect((await follower.next()).done).toBe(true);
  });

  it('lets a follower that falls behind read on from the store, still each event once', async () => {
    const run = await newRun();
    const live = new LiveRuns();
    const open = live.open(run.runId, 0);
    const feed = worker(open, run.runId);
    const follower = followRun(options(live), run.runId, 0, new AbortController().signal);
    feed.emit('state', { n: 0 });
    expect(idsAndNames(await take(follower, 1))).toEqual(['1:state']);
    // The follower does not read while far more than its queue holds is emitted (and stored).
    const deltas = LIVE_QUEUE_LIMIT * 3;
    for (let index = 0; index < deltas; index++) feed.emit('delta', { delta: String(index) });
    await feed.store();
    feed.emit('done', { n: 1 });
    await feed.store();
    await runs.setStatus(run.runId, 'succeeded', { from: ['queued'] });
    open.close();
    const rest = await take(follower, deltas + 10);
    expect(rest.map((event) => event.id)).toEqual(
      Array.from({ length: deltas + 1 }, (_, index) => index + 2),
    );
    expect(rest.at(-1)?.event).toBe('done');
  });

  it('follows a run from the store when it executes elsewhere, and live once it starts here', async () => {
    const run = await newRun();
    const live = new LiveRuns();
    await runs.appendEvent(run.runId, 'state', { n: 0 });
    const follower = followRun(options(live), run.runId, 0, new AbortController().signal);
    expect(idsAndNames(await take(follower, 1))).toEqual(['1:state']);
    // The follower now waits (ten minutes, no bus signal) until the run opens here.
    const next = take(follower, 2);
    const feed = worker(live.open(run.runId, 1), run.runId);
    feed.emit('delta', { delta: 'a' });
    feed.emit('delta', { delta: 'b' });
    expect(idsAndNames(await next)).toEqual(['2:delta', '3:delta']);
    await follower.return(undefined);
  });
});

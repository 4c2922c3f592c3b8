import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { MAX_ROW_DATA_BYTES } from '../../src/db/event-rows';
import { RunsRepository } from '../../src/db/runs-repository';
import { dialects, type TestDatabase } from '../helpers/databases';

describe.each(dialects)('RunsRepository on $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  /** A second connection (SQLite) or pool (Postgres): workers of two instances. */
  let other: Database;
  let runs: RunsRepository;
  let otherRuns: RunsRepository;

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
    other = await testDb.open();
    runs = new RunsRepository(database);
    otherRuns = new RunsRepository(other);
  });
  afterAll(async () => {
    await database.close();
    await other.close();
    await testDb.drop();
  });

  const newRun = (appId: string) =>
    runs.create({ graph: 'chat', appId, action: 'prompt', inputs: { prompt: 'hi' }, createdBy: 'alice' });

  const later = async <T>(make: () => Promise<T>) => {
    await new Promise((resolve) => setTimeout(resolve, 3));
    return make();
  };

  /** Claims until the queue is empty; each worker keeps what it claimed. */
  const drain = async (repository: RunsRepository) => {
    const claimed: string[] = [];
    for (let run = await repository.claimNext(); run; run = await repository.claimNext()) {
      claimed.push(run.runId);
    }
    return claimed;
  };

  it('creates a queued run and reads it back', async () => {
    const run = await newRun('app-1');
    expect(run).toMatchObject({
      graph: 'chat',
      appId: 'app-1',
      action: 'prompt',
      inputs: { prompt: 'hi' },
      status: 'queued',
      error: null,
      createdBy: 'alice',
      attempt: 0,
      startedAt: null,
      endedAt: null,
    });
    expect(run.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await runs.get(run.runId)).toEqual(run);
    expect(await runs.get('missing')).toBeNull();
    // Leave the queue empty for the next tests.
    expect(await runs.setStatus(run.runId, 'cancelled')).toMatchObject({ status: 'cancelled' });
  });

  it('claims the oldest queued run first and marks it running', async () => {
    const first = await newRun('order-1');
    const second = await later(() => newRun('order-2'));
    const claimed = await runs.claimNext();
    expect(claimed).toMatchObject({ runId: first.runId, status: 'running', attempt: 1 });
    expect(claimed?.startedAt).toBeInstanceOf(Date);
    expect((await runs.claimNext())?.runId).toBe(second.runId);
    expect(await runs.claimNext()).toBeNull();
  });

  it('hands each of 40 queued runs to exactly one of many concurrent workers on two clients', async () => {
    const queued = await Promise.all(Array.from({ length: 40 }, (_, index) => newRun(`many-${index}`)));
    const workers = Array.from({ length: 8 }, (_, index) => drain(index % 2 ? otherRuns : runs));
    const claimed = (await Promise.all(workers)).flat();
    expect([...claimed].sort()).toEqual(queued.map((run) => run.runId).sort());
    for (const run of queued) expect((await runs.get(run.runId))?.attempt).toBe(1);
  });

  it('moves a run only from the statuses it is allowed to leave', async () => {
    const run = await newRun('status');
    expect(await runs.setStatus(run.runId, 'succeeded', { from: ['running'] })).toBeNull();
    await runs.claimNext();
    const failed = await runs.setStatus(run.runId, 'failed', { error: 'model down' });
    expect(failed).toMatchObject({ status: 'failed', error: 'model down' });
    expect(failed?.endedAt).toBeInstanceOf(Date);
    // Finished runs stay finished: a late cancel does not overwrite the outcome.
    expect(await runs.setStatus(run.runId, 'cancelled')).toBeNull();
    expect(await runs.get(run.runId)).toMatchObject({ status: 'failed', error: 'model down' });
    expect(await runs.setStatus('missing', 'cancelled')).toBeNull();
  });

  it('stamps started_at when a run is set running, and keeps the first time', async () => {
    const run = await newRun('set-running');
    const started = await runs.setStatus(run.runId, 'running', { from: ['queued'] });
    expect(started?.startedAt).toBeInstanceOf(Date);
    const again = await runs.setStatus(run.runId, 'running', { from: ['running'] });
    expect(again?.startedAt).toEqual(started?.startedAt);
    await runs.setStatus(run.runId, 'succeeded');
  });

  it('records a cancel request on a running run only, and tells the worker on heartbeat and append', async () => {
    const run = await newRun('cancel-me');
    // Queued: nothing to request (the route cancels a queued run outright).
    expect(await runs.requestCancel(run.runId)).toBeNull();
    expect((await runs.claimNext())?.runId).toBe(run.runId);
    expect(await runs.heartbeat(run.runId)).toEqual({ cancelRequested: false });
    expect((await runs.appendEvent(run.runId, 'state', {})).cancelRequested).toBe(false);
    // Requested through the other client, as from another instance.
    const requested = await otherRuns.requestCancel(run.runId);
    expect(requested?.cancelRequestedAt).toBeInstanceOf(Date);
    expect(requested?.status).toBe('running');
    // A second request keeps the first time.
    expect((await runs.requestCancel(run.runId))?.cancelRequestedAt).toEqual(requested?.cancelRequestedAt);
    expect(await runs.heartbeat(run.runId)).toEqual({ cancelRequested: true });
    expect((await runs.appendEvent(run.runId, 'delta', { delta: 'x' })).cancelRequested).toBe(true);
    await runs.setStatus(run.runId, 'cancelled', { from: ['running'] });
    expect(await runs.requestCancel(run.runId)).toBeNull();
    expect(await runs.requestCancel('missing')).toBeNull();
  });

  it('fails the runs a stopped process left running, and only those', async () => {
    const { runs: table } = database.tables;
    // The runs earlier tests claimed are done: only this test's are running.
    await database.db.update(table).set({ status: 'succeeded' }).where(eq(table.status, 'running'));
    // A millisecond apart at least, so the queue's order (oldest first) is theirs.
    const [stale, live, waiting] = [
      await newRun('stale'),
      await later(() => newRun('live')),
      await later(() => newRun('waiting')),
    ];
    await runs.claimNext();
    await runs.claimNext();
    const longAgo = new Date(Date.now() - 60_000);
    await database.db.update(table).set({ heartbeatAt: longAgo }).where(eq(table.runId, stale.runId));
    await runs.heartbeat(live.runId);
    expect(await runs.failInterrupted(new Date(Date.now() - 30_000))).toEqual([stale.runId]);
    expect(await runs.get(stale.runId)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/stopped/),
    });
    expect((await runs.get(live.runId))?.status).toBe('running');
    expect((await runs.get(waiting.runId))?.status).toBe('queued');
    // At the start of a lone instance every running run is interrupted.
    expect(await runs.failInterrupted()).toEqual([live.runId]);
    expect((await runs.get(live.runId))?.status).toBe('failed');
    await drain(runs);
  });

  it('numbers events 1, 2, 3 … per run, also when appended concurrently, and lists them after an id', async () => {
    const [run, neighbour] = [await newRun('events'), await newRun('events-2')];
    const appended = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (index % 2 ? otherRuns : runs).appendEvent(run.runId, 'delta', { index }),
      ),
    );
    expect(appended.map((event) => event.id).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 1),
    );
    expect((await runs.appendEvent(neighbour.runId, 'state', { n: 1 })).id).toBe(1);
    const all = await runs.listEvents(run.runId, { rows: 100 });
    expect(all.map((event) => event.id)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    const byId = new Map(appended.map((event) => [event.id, event.data]));
    for (const event of all) {
      expect(event).toMatchObject({ runId: run.runId, event: 'delta', data: byId.get(event.id) });
      expect(event.createdAt).toBeInstanceOf(Date);
    }
    expect((await runs.listEvents(run.runId, { after: 27, rows: 100 })).map((event) => event.id)).toEqual([
      28, 29, 30,
    ]);
    expect((await runs.listEvents(run.runId, { after: 10, rows: 2 })).map((event) => event.id)).toEqual([
      11, 12,
    ]);
    await expect(runs.appendEvent('missing', 'state', {})).rejects.toThrow(/does not exist/);
    expect(await runs.listEvents('missing', { rows: 100 })).toEqual([]);
    // A page never exceeds MAX_EVENTS_PAGE, whatever the caller asks.
    expect(await runs.listEvents(run.runId, { rows: 1e9 })).toHaveLength(30);
    expect(await runs.endingEvent(run.runId)).toBeNull();
    await runs.appendEvent(run.runId, 'done', { end: true });
    await runs.appendEvent(run.runId, 'delta', { after: 'the end' });
    expect(await runs.endingEvent(run.runId)).toMatchObject({ id: 31, event: 'done', data: { end: true } });
    await drain(runs);
  });

  it('stores the deltas of one append as one row, and reads them back one by one from any id, also inside a row', async () => {
    const run = await newRun('ranges');
    const deltas = (from: number, count: number) =>
      Array.from({ length: count }, (_, index) => ({
        event: 'delta',
        data: { action: 'a', delta: `d${from + index}` },
      }));
    // Ids 1 state, 2–11 deltas, 12 action, 13–15 deltas (each its own append below), 16–23 deltas, 24 step.
    const batch = [
      { event: 'state', data: { n: 0 } },
      ...deltas(2, 10),
      { event: 'action', data: { action: 'a' } },
    ];
    const stored = await runs.appendEvents(run.runId, batch);
    for (const { event, data } of deltas(13, 3)) stored.push(await runs.appendEvent(run.runId, event, data));
    stored.push(
      ...(await runs.appendEvents(run.runId, [...deltas(16, 8), { event: 'step', data: { action: 'a' } }])),
    );
    expect(stored.map((event) => event.id)).toEqual(Array.from({ length: 24 }, (_, index) => index + 1));
    const { runEvents } = database.tables;
    const rows = await database.db.select().from(runEvents).where(eq(runEvents.runId, run.runId));
    expect(
      rows.map((row) => [row.id, row.eventCount]).sort((a, b) => (a[0] as number) - (b[0] as number)),
    ).toEqual([
      [1, 1],
      [11, 10],
      [12, 1],
      [13, 1],
      [14, 1],
      [15, 1],
      [23, 8],
      [24, 1],
    ]);
    const expected = stored.map(({ id, event, data }) => ({ id, event, data }));
    for (let after = 0; after <= 24; after++) {
      for (const size of [1, 2, 25]) {
        const seen: { id: number; event: string; data: unknown }[] = [];
        for (let from = after; ; ) {
          const page = await runs.listEvents(run.runId, { after: from, rows: size });
          seen.push(...page.map(({ id, event, data }) => ({ id, event, data })));
          if (page.length < size) break;
          from = page.at(-1)?.id ?? from;
        }
        expect(seen, `after ${after}, ${size} rows a page`).toEqual(expected.slice(after));
      }
    }
    // The first page after an id inside a row starts at the next id, and a page of one row ends with it.
    expect((await runs.listEvents(run.runId, { after: 5, rows: 1 })).map((event) => event.id)).toEqual([
      6, 7, 8, 9, 10, 11,
    ]);
    await runs.appendEvents(run.runId, [...deltas(25, 2), { event: 'done', data: { end: true } }]);
    expect(await runs.endingEvent(run.runId)).toMatchObject({ id: 27, event: 'done', data: { end: true } });
    await drain(runs);
  });

  it('starts a new row of deltas once a row holds MAX_ROW_DATA_BYTES of their data', async () => {
    const run = await newRun('big-ranges');
    const piece = 'x'.repeat(MAX_ROW_DATA_BYTES / 4);
    const events = Array.from({ length: 10 }, (_, index) => ({
      event: 'delta',
      data: { delta: `${index}${piece}` },
    }));
    const huge = { delta: 'x'.repeat(MAX_ROW_DATA_BYTES * 2) };
    await runs.appendEvents(run.runId, [...events, { event: 'delta', data: huge }]);
    const { runEvents } = database.tables;
    const rows = await database.db.select().from(runEvents).where(eq(runEvents.runId, run.runId));
    expect(rows.map((row) => row.eventCount).sort()).toEqual([1, 3, 3, 3, 1].sort());
    const read = await runs.listEvents(run.runId, { rows: 100 });
    expect(read.map((event) => event.data)).toEqual([...events.map((event) => event.data), huge]);
    expect(read.map((event) => event.id)).toEqual(Array.from({ length: 11 }, (_, index) => index + 1));
    await drain(runs);
  });
});

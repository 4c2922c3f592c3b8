import { execFileSync } from 'node:child_process';
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { DrizzlePersister } from '../../src/db/drizzle-persister';
import { prepareReads } from '../../src/db/prepared-queries';
import { SNAPSHOT_MAX_STEPS, SNAPSHOT_MIN_STEPS, sizeOf } from '../../src/db/snapshot-policy';
import { StateReplay } from '../../src/db/state-replay';
import { actionsFor, GraphRunner, graph } from '../../src/engine';
import { type AppKey, SequenceConflictError, type StateWrite } from '../../src/engine/persister';
import { CounterState } from '../engine/counter-graph';
import { dialects, type TestDatabase } from '../helpers/databases';

const { action } = actionsFor(CounterState);
/** add ⇄ double forever: two steps per round, the log growing by one item a step. */
const loop = graph({
  name: 'counter',
  state: CounterState,
  initial: { count: 0, log: [], words: '' },
  actions: [
    action({
      name: 'add',
      reads: ['count'],
      writes: ['count', 'log'],
      run: async (s) => ({
        result: null,
        state: s.update({ count: s.get('count') + 1 }).append('log', 'add'),
      }),
    }),
    action({
      name: 'double',
      reads: ['count'],
      writes: ['count', 'log'],
      run: async (s) => ({
        result: null,
        state: s.update({ count: s.get('count') * 2 }).append('log', 'double'),
      }),
    }),
  ],
  transitions: [
    ['add', 'double'],
    ['double', 'add'],
  ],
});

const step = (action: string, writes: StateWrite[] = [{ key: 'log', op: 'append', items: [action] }]) => ({
  action,
  inputs: { by: 1 },
  result: null,
  writes,
  startedAt: new Date(),
  endedAt: new Date(),
});

describe.each(dialects)('DrizzlePersister on $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  /** A second connection (SQLite) or pool (Postgres) to the same database: races across clients. */
  let other: Database;
  let persister: DrizzlePersister;
  let otherPersister: DrizzlePersister;

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
    other = await testDb.open();
    persister = new DrizzlePersister(database);
    otherPersister = new DrizzlePersister(other);
  });
  afterAll(async () => {
    await database.close();
    await other.close();
    await testDb.drop();
  });

  const newApp = async (appId: string, state: Record<string, unknown> = { count: 0, log: [], words: '' }) =>
    (
      await persister.createApp({
        graph: 'counter',
        appId,
        partitionKey: 'alice',
        position: null,
        state,
        parent: null,
      })
    ).app;

  /** The sequence ids whose steps row holds a full snapshot. */
  const snapshotsOf = async (key: AppKey) => {
    const { steps } = database.tables;
    const rows = await database.db
      .select({ sequenceId: steps.sequenceId, snapshot: steps.snapshot, writes: steps.writes })
      .from(steps)
      .where(and(eq(steps.graph, key.graph), eq(steps.appId, key.appId), isNotNull(steps.snapshot)))
      .orderBy(steps.sequenceId);
    return rows;
  };

  it('gets or creates an app', async () => {
    const fork = { appId: 'origin', sequenceId: 3 };
    const first = await persister.createApp({
      graph: 'counter',
      appId: 'a1',
      partitionKey: 'alice',
      position: 'double',
      state: { count: 6, log: ['add', 'double'], words: '' },
      parent: fork,
    });
    expect(first.created).toBe(true);
    expect(first.app).toMatchObject({ appId: 'a1', sequenceId: 0, position: 'double', parent: fork });
    expect(first.app.createdAt).toBeInstanceOf(Date);
    const again = await otherPersister.createApp({ ...first.app, partitionKey: 'mallory', state: {} });
    expect(again.created).toBe(false);
    expect(again.app).toMatchObject({ partitionKey: 'alice', state: { count: 6 }, parent: fork });
    expect(await persister.stateAt({ graph: 'counter', appId: 'a1' }, 0)).toEqual({
      state: { count: 6, log: ['add', 'double'], words: '' },
      position: 'double',
    });
    expect(await persister.loadApp({ graph: 'counter', appId: 'nope' })).toBeNull();
    expect(await persister.loadApp({ graph: 'other-graph', appId: 'a1' })).toBeNull();
  });

  it('commits a step only on the expected sequence and writes nothing on conflict', async () => {
    const key = { graph: 'counter', appId: 'c1' };
    await newApp('c1');
    const writes: StateWrite[] = [
      { key: 'count', op: 'set', value: 1 },
      { key: 'log', op: 'append', items: ['add'] },
    ];
    const moved = await persister.commitStep(key, 0, step('add', writes), {
      state: { count: 1, log: ['add'], words: '' },
      position: 'add',
    });
    expect(moved).toMatchObject({ sequenceId: 1, position: 'add', state: { count: 1 } });
    await expect(
      persister.commitStep(key, 0, step('add'), {
        state: { count: 99, log: [], words: '' },
        position: 'add',
      }),
    ).rejects.toBeInstanceOf(SequenceConflictError);
    await expect(
      persister.commitStep({ graph: 'counter', appId: 'unknown' }, 0, step('add'), {
        state: {},
        position: 'add',
      }),
    ).rejects.toBeInstanceOf(SequenceConflictError);
    expect(await persister.loadApp(key)).toMatchObject({
      sequenceId: 1,
      state: { count: 1, log: ['add'], words: '' },
    });
    expect(await persister.listSteps(key, { after: 0, limit: 10 })).toHaveLength(1);
  });

  it('lets exactly one of 30 concurrent commits on one sequence win', async () => {
    const key = { graph: 'counter', appId: 'race' };
    await newApp('race');
    const racers = Array.from({ length: 30 }, (_, index) =>
      (index % 2 ? otherPersister : persister).commitStep(
        key,
        0,
        step(`racer${index}`, [
          { key: 'count', op: 'set', value: index },
          { key: 'log', op: 'append', items: [`racer${index}`] },
        ]),
        { state: { count: index, log: [`racer${index}`], words: '' }, position: 'add' },
      ),
    );
    const results = await Promise.allSettled(racers);
    const winners = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(SequenceConflictError);
    }
    const steps = await persister.listSteps(key, { after: 0, limit: 100 });
    expect(steps.map((s) => s.action)).toEqual(winners[0]?.state.log);
    expect((await persister.loadApp(key))?.state).toEqual(winners[0]?.state);
  });

  it('keeps sequence ids contiguous with 30 writers on two clients retrying on conflict', async () => {
    const key = { graph: 'counter', appId: 'writers' };
    await newApp('writers');
    let conflicts = 0;
    const writer = async (index: number) => {
      const own = index % 2 ? otherPersister : persister;
      for (;;) {
        const app = await own.loadApp(key);
        if (!app) throw new Error('app vanished');
        const item = `w${index}`;
        try {
          return await own.commitStep(key, app.sequenceId, step(item), {
            state: { ...app.state, log: [...(app.state.log as string[]), item] },
            position: 'add',
          });
        } catch (error) {
          if (!(error instanceof SequenceConflictError)) throw error;
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, index) => writer(index)));
    const steps = await persister.listSteps(key, { after: 0, limit: 100 });
    expect(steps.map((s) => s.sequenceId)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    const final = await persister.loadApp(key);
    const log = final?.state.log as string[];
    expect([...log].sort()).toEqual(Array.from({ length: 30 }, (_, index) => `w${index}`).sort());
    // Every step's row holds exactly what its writer appended, in commit order.
    expect(steps.map((s) => s.action)).toEqual(log);
    expect(steps.at(-1)?.state).toEqual(final?.state);
    expect((await persister.stateAt(key, 15))?.state.log).toEqual(log.slice(0, 15));
    // The writers did race: without conflicts this test would prove nothing.
    expect(conflicts).toBeGreaterThan(0);
  });

  it('remembers the latest states it committed, but never one another client moved past', async () => {
    const key = { graph: 'counter', appId: 'shared' };
    await newApp('shared');
    const set = (count: number, action: string): StateWrite[] => [
      { key: 'count', op: 'set', value: count },
      { key: 'log', op: 'append', items: [action] },
    ];
    const one = await persister.commitStep(key, 0, step('add', set(1, 'add')), {
      state: { count: 1, log: ['add'], words: '' },
      position: 'add',
    });
    // The very object it committed: loading it again replayed nothing.
    expect((await persister.loadApp(key))?.state).toBe(one.state);

    await otherPersister.commitStep(key, 1, step('double', set(2, 'double')), {
      state: { count: 2, log: ['add', 'double'], words: '' },
      position: 'double',
    });
    const seen = await persister.loadApp(key);
    expect(seen).toMatchObject({ sequenceId: 2, position: 'double' });
    expect(seen?.state).toEqual({ count: 2, log: ['add', 'double'], words: '' });
    expect((await persister.stateAt(key, 2))?.state).toEqual(seen?.state);

    // Without the remembered states, the same answer comes from the steps alone.
    const forgetful = new DrizzlePersister(database, { latestStateBytes: 0 });
    expect(await forgetful.loadApp(key)).toEqual(seen);
  });

  it('hands an unchanged app out again only while nothing at all was written (SQLite), never stale', async () => {
    const key = { graph: 'counter', appId: 'unchanged' };
    await newApp('unchanged');
    await newApp('bystander');
    const first = await persister.loadApp(key);
    const again = await persister.loadApp(key);
    // SQLite asks the database whether anything was written (unchanged-apps.ts); Postgres reads the row.
    if (database.sqlite) expect(again).toBe(first);
    else expect(again).not.toBe(first);
    // Requests share what is handed out again: it cannot be changed in place.
    expect(Object.isFrozen(again?.state)).toBe(true);
    if (database.sqlite) expect(Object.isFrozen(again)).toBe(true);

    // A write of this connection to another app, then one of another connection to another table:
    // each time the app is loaded anew (and is the same app).
    await persister.commitStep({ graph: 'counter', appId: 'bystander' }, 0, step('add'), {
      state: { count: 0, log: ['add'], words: '' },
      position: 'add',
    });
    const afterOwnWrite = await persister.loadApp(key);
    expect(afterOwnWrite).not.toBe(again);
    expect(afterOwnWrite).toEqual(first);
    await other.db.insert(other.tables.grants).values({
      graph: 'counter',
      appId: 'bystander',
      subject: 'bob',
      permission: 'read',
      createdAt: new Date(),
    });
    expect(await persister.loadApp(key)).not.toBe(afterOwnWrite);

    // Another connection steps the app itself: the next load sees the step.
    await persister.loadApp(key);
    await otherPersister.commitStep(key, 0, step('add'), {
      state: { count: 0, log: ['add'], words: '' },
      position: 'add',
    });
    expect(await persister.loadApp(key)).toMatchObject({ sequenceId: 1, state: { log: ['add'] } });

    // Another process (as `npm run db:prune` is) deletes the app: the next load sees it gone.
    const file = database.sqlite?.$client.name;
    if (file) {
      expect(await persister.loadApp(key)).toBe(await persister.loadApp(key));
      const deleting = `require('better-sqlite3')(process.argv[1]).prepare("delete from apps where app_id = 'unchanged'").run()`;
      execFileSync(process.execPath, ['-e', deleting, file]);
      expect(await persister.loadApp(key)).toBeNull();
    }
  });

  it('rebuilds the state at any sequence across snapshots, as the engine saw it', async () => {
    const application = new GraphRunner(loop, { persister });
    await application.create({ appId: 'long', partitionKey: 'alice' });
    const seen = [structuredClone((await application.load('long'))?.state)];
    const rounds = SNAPSHOT_MIN_STEPS + 5; // two steps per round
    for (let round = 0; round < rounds; round++) {
      await application.step('long', { action: 'add' });
      seen.push(structuredClone((await application.load('long'))?.state));
      await application.step('long', { action: 'double' });
      seen.push(structuredClone((await application.load('long'))?.state));
    }
    const key = { graph: 'counter', appId: 'long' };
    // Small state, writes as big as it: a snapshot as soon as SNAPSHOT_MIN_STEPS allows, twice here.
    const snapshots = await snapshotsOf(key);
    expect(snapshots.map((row) => row.sequenceId)).toEqual([SNAPSHOT_MIN_STEPS, 2 * SNAPSHOT_MIN_STEPS]);
    expect(snapshots.map((row) => row.snapshot)).toEqual([
      seen[SNAPSHOT_MIN_STEPS],
      seen[2 * SNAPSHOT_MIN_STEPS],
    ]);
    for (let sequence = 0; sequence <= 2 * rounds; sequence++) {
      const at = await otherPersister.stateAt(key, sequence);
      expect(at?.state, `state at ${sequence}`).toEqual(seen[sequence]);
      expect(at?.position).toBe(sequence === 0 ? null : sequence % 2 ? 'add' : 'double');
    }
    expect((await persister.loadApp(key))?.state).toEqual(seen[2 * rounds]);
    expect(await persister.stateAt(key, 2 * rounds + 1)).toBeNull();
    expect(await persister.stateAt(key, -1)).toBeNull();
    const page = await persister.listSteps(key, { after: SNAPSHOT_MIN_STEPS - 2, limit: 4 });
    expect(page.map((s) => s.sequenceId)).toEqual([
      SNAPSHOT_MIN_STEPS - 1,
      SNAPSHOT_MIN_STEPS,
      SNAPSHOT_MIN_STEPS + 1,
      SNAPSHOT_MIN_STEPS + 2,
    ]);
    expect(page.map((s) => s.state)).toEqual(seen.slice(SNAPSHOT_MIN_STEPS - 1, SNAPSHOT_MIN_STEPS + 3));
    const all = await persister.listSteps(key, { after: 0, limit: 1000 });
    expect(all.map((s) => s.state)).toEqual(seen.slice(1));
  });

  it("loads an app's row without its origin state, which only a replay from the origin reads", async () => {
    // A fork's origin is its parent's whole state: parsing it on every load cost each request its size.
    const state = { count: 1, log: Array.from({ length: 2_000 }, (_, index) => `entry ${index}`), words: '' };
    const key = { graph: 'counter', appId: 'large-origin' };
    await newApp(key.appId, state);
    const [row] = await prepareReads(database).app.execute(key);
    expect(row).toMatchObject({ appId: key.appId, originSequenceId: 0 });
    expect(row).not.toHaveProperty('originState');
    // Another client remembers nothing, so it rebuilds from the origin, read apart from the row.
    expect((await otherPersister.loadApp(key))?.state).toEqual(state);
    expect((await otherPersister.stateAt(key, 0))?.state).toEqual(state);
  });

  it('answers null, not an error, for an app deleted and created anew while it was replayed', async () => {
    const { apps } = database.tables;
    const key = { graph: 'counter', appId: 'created-anew' };
    await newApp(key.appId, { count: 1, log: ['first'], words: '' });
    const reads = prepareReads(database);
    const [readBefore] = await reads.app.execute(key);
    if (!readBefore) throw new Error('the app was not created');
    await database.db.delete(apps).where(and(eq(apps.graph, key.graph), eq(apps.appId, key.appId)));
    await new Promise((resolve) => setTimeout(resolve, 5)); // another created_at
    await newApp(key.appId, { count: 2, log: ['second'], words: '' });
    // The origin now read is the new app's: neither its state nor an error answers for the old one.
    expect(await new StateReplay(database, reads).stateAfter(readBefore, 0)).toBeNull();
    expect((await otherPersister.loadApp(key))?.state).toEqual({ count: 2, log: ['second'], words: '' });
  });

  // On Postgres a snapshot is a statement after its step's (step-commit.ts): this is the database a
  // process leaves when it stops between the two.
  it('lets the next step take a snapshot that was lost after its step, every state still right', async () => {
    const { apps, steps } = database.tables;
    const key = { graph: 'counter', appId: 'lost-snapshot' };
    const thisApp = and(eq(apps.graph, key.graph), eq(apps.appId, key.appId));
    const application = new GraphRunner(loop, { persister });
    await application.create({ appId: key.appId, partitionKey: 'alice' });
    const seen = [structuredClone((await application.load(key.appId))?.state)];
    const stepOnce = async () => {
      await application.step(key.appId, { action: seen.length % 2 ? 'add' : 'double' });
      seen.push(structuredClone((await application.load(key.appId))?.state));
    };
    while (seen.length < SNAPSHOT_MIN_STEPS) await stepOnce();
    const [before] = await database.db.select().from(apps).where(thisApp);
    await stepOnce();
    expect((await snapshotsOf(key)).map((row) => row.sequenceId)).toEqual([SNAPSHOT_MIN_STEPS]);

    // The step stands, its snapshot and the counters' reset are gone.
    const [lost] = await database.db
      .select({ writes: steps.writes })
      .from(steps)
      .where(
        and(eq(steps.graph, key.graph), eq(steps.appId, key.appId), eq(steps.sequenceId, SNAPSHOT_MIN_STEPS)),
      );
    await database.db
      .update(steps)
      .set({ snapshot: null })
      .where(
        and(eq(steps.graph, key.graph), eq(steps.appId, key.appId), eq(steps.sequenceId, SNAPSHOT_MIN_STEPS)),
      );
    await database.db
      .update(apps)
      .set({
        snapshotSequenceId: before?.snapshotSequenceId,
        snapshotBytes: before?.snapshotBytes,
        replayBytes: (before?.replayBytes ?? 0) + sizeOf(lost?.writes),
      })
      .where(thisApp);
    expect(await snapshotsOf(key)).toEqual([]);

    await stepOnce();
    expect((await snapshotsOf(key)).map((row) => row.sequenceId)).toEqual([SNAPSHOT_MIN_STEPS + 1]);
    for (let sequence = 0; sequence <= SNAPSHOT_MIN_STEPS + 1; sequence++)
      expect((await otherPersister.stateAt(key, sequence))?.state, `state at ${sequence}`).toEqual(
        seen[sequence],
      );
  });

  it('spaces the snapshots of a growing chat so they cost no more than twice its writes', async () => {
    const key = { graph: 'counter', appId: 'chat' };
    await newApp('chat');
    const message = (index: number) => `message ${index} `.padEnd(200, '.');
    const log: string[] = [];
    for (let index = 0; index < 300; index++) {
      const item = message(index);
      await persister.commitStep(key, index, step('add', [{ key: 'log', op: 'append', items: [item] }]), {
        state: { count: 0, log: [...log, item], words: '' },
        position: 'add',
      });
      log.push(item);
    }
    const snapshots = await snapshotsOf(key);
    const sequences = snapshots.map((row) => row.sequenceId);
    // A snapshot every SNAPSHOT_MIN_STEPS steps would store ~9 copies of a history up to 60 kB here.
    expect(sequences.length).toBeGreaterThan(1);
    expect(sequences.length).toBeLessThan(300 / SNAPSHOT_MIN_STEPS);
    const snapshotBytes = snapshots.reduce((sum, row) => sum + JSON.stringify(row.snapshot).length, 0);
    const writeBytes = log.reduce((sum, item) => sum + JSON.stringify(item).length, 0);
    expect(snapshotBytes).toBeLessThanOrEqual(2 * writeBytes);
    for (const sequence of [1, ...sequences.flatMap((s) => [s - 1, s, s + 1]), 299, 300]) {
      expect((await persister.stateAt(key, sequence))?.state.log, `log at ${sequence}`).toEqual(
        log.slice(0, sequence),
      );
    }
  });

  it(`takes a snapshot after ${SNAPSHOT_MAX_STEPS} steps even when the writes are tiny`, {
    timeout: 60_000,
  }, async () => {
    const key = { graph: 'counter', appId: 'big-start' };
    const words = 'x'.repeat(200_000);
    await newApp('big-start', { count: 0, log: [], words });
    const steps = SNAPSHOT_MAX_STEPS + 2;
    for (let index = 0; index < steps; index++) {
      await persister.commitStep(key, index, step('add', [{ key: 'count', op: 'set', value: index + 1 }]), {
        state: { count: index + 1, log: [], words },
        position: 'add',
      });
    }
    expect((await snapshotsOf(key)).map((row) => row.sequenceId)).toEqual([SNAPSHOT_MAX_STEPS]);
    expect((await persister.loadApp(key))?.state).toEqual({ count: steps, log: [], words });
    expect((await persister.stateAt(key, 10))?.state.count).toBe(10);
  });

  it('records failed steps beside committed ones', async () => {
    const key = { graph: 'counter', appId: 'failing' };
    await newApp('failing');
    const now = new Date();
    await persister.recordFailedStep(key, {
      action: 'add',
      inputs: { by: 2 },
      error: 'model down',
      sequenceId: 1,
      startedAt: now,
      endedAt: new Date(now.getTime() + 25),
    });
    await persister.commitStep(key, 0, step('add'), {
      state: { count: 0, log: ['add'], words: '' },
      position: 'add',
    });
    const steps = await persister.listSteps(key, { after: 0, limit: 10 });
    expect(steps.map((s) => [s.sequenceId, s.status, s.error, s.state])).toEqual([
      [1, 'failed', 'model down', null],
      [1, 'committed', null, { count: 0, log: ['add'], words: '' }],
    ]);
    expect(steps[0]).toMatchObject({ inputs: { by: 2 }, durationMs: 25 });
    expect((await persister.loadApp(key))?.sequenceId).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { DrizzlePersister, SNAPSHOT_EVERY } from '../../src/db/drizzle-persister';
import { Application, actionsFor, graph } from '../../src/graph';
import { SequenceConflictError } from '../../src/graph/persister';
import { CounterState } from '../graph/counter-graph';
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

const step = (action = 'add') => ({
  action,
  inputs: { by: 1 },
  result: null,
  writes: [{ key: 'log', op: 'append' as const, items: [action] }],
  startedAt: new Date(),
  endedAt: new Date(),
});

describe.each(dialects)('DrizzlePersister on $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  let persister: DrizzlePersister;

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
    persister = new DrizzlePersister(database);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const newApp = async (appId: string) =>
    (
      await persister.createApp({
        graph: 'counter',
        appId,
        partitionKey: 'alice',
        position: null,
        state: { count: 0, log: [], words: '' },
        parent: null,
      })
    ).app;

  it('gets or creates an app', async () => {
    const first = await persister.createApp({
      graph: 'counter',
      appId: 'a1',
      partitionKey: 'alice',
      position: null,
      state: { count: 0, log: [], words: '' },
      parent: null,
    });
    expect(first.created).toBe(true);
    expect(first.app).toMatchObject({ appId: 'a1', sequenceId: 0, state: { count: 0 }, parent: null });
    expect(first.app.createdAt).toBeInstanceOf(Date);
    const again = await persister.createApp({ ...first.app, partitionKey: 'mallory', state: {} });
    expect(again.created).toBe(false);
    expect(again.app.partitionKey).toBe('alice');
    expect(await persister.loadApp({ graph: 'counter', appId: 'nope' })).toBeNull();
  });

  it('commits a step only on the expected sequence and writes nothing on conflict', async () => {
    const key = { graph: 'counter', appId: 'c1' };
    await newApp('c1');
    const moved = await persister.commitStep(key, 0, step(), {
      state: { count: 1, log: ['add'], words: '' },
      position: 'add',
    });
    expect(moved).toMatchObject({ sequenceId: 1, position: 'add', state: { count: 1 } });
    await expect(
      persister.commitStep(key, 0, step(), { state: { count: 99, log: [], words: '' }, position: 'add' }),
    ).rejects.toBeInstanceOf(SequenceConflictError);
    expect((await persister.loadApp(key))?.state.count).toBe(1);
    expect(await persister.listSteps(key, { after: 0, limit: 10 })).toHaveLength(1);
  });

  it('lets exactly one of 30 concurrent commits on one sequence win', async () => {
    const key = { graph: 'counter', appId: 'race' };
    await newApp('race');
    // On SQLite, a second connection to the same file makes the race real across clients.
    const other = database.dialect === 'sqlite' ? await testDb.open() : database;
    const racers = Array.from({ length: 30 }, (_, index) =>
      new DrizzlePersister(index % 2 ? other : database).commitStep(key, 0, step(`racer${index}`), {
        state: { count: index, log: [], words: '' },
        position: 'add',
      }),
    );
    const results = await Promise.allSettled(racers);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(SequenceConflictError);
    }
    expect(await persister.listSteps(key, { after: 0, limit: 100 })).toHaveLength(1);
    if (other !== database) await other.close();
  });

  it('keeps sequence ids contiguous with 30 writers retrying on conflict', async () => {
    const key = { graph: 'counter', appId: 'writers' };
    await newApp('writers');
    const writer = async (index: number) => {
      for (;;) {
        const app = await persister.loadApp(key);
        if (!app) throw new Error('app vanished');
        const log = [...(app.state.log as string[]), `w${index}`];
        try {
          return await persister.commitStep(
            key,
            app.sequenceId,
            { ...step(`w${index}`), writes: [{ key: 'log', op: 'append', items: [`w${index}`] }] },
            { state: { ...app.state, log }, position: 'add' },
          );
        } catch (error) {
          if (!(error instanceof SequenceConflictError)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, index) => writer(index)));
    const steps = await persister.listSteps(key, { after: 0, limit: 100 });
    expect(steps.map((s) => s.sequenceId)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    const final = await persister.loadApp(key);
    const log = final?.state.log as string[];
    expect(new Set(log).size).toBe(30);
    // The log rebuilt from the recorded appends equals the stored state: nothing lost or doubled.
    expect((await persister.stateAt(key, 30))?.state).toEqual(final?.state);
    expect((await persister.stateAt(key, 15))?.state.log).toEqual(log.slice(0, 15));
  });

  it('rebuilds the state at any sequence across snapshots, as the engine saw it', async () => {
    const application = new Application(loop, { persister });
    await application.create({ appId: 'long', partitionKey: 'alice' });
    const seen = [structuredClone((await application.load('long'))?.state)];
    const rounds = SNAPSHOT_EVERY + 5; // two steps per round: crosses two snapshots
    for (let round = 0; round < rounds; round++) {
      await application.step('long', { action: 'add' });
      seen.push(structuredClone((await application.load('long'))?.state));
      await application.step('long', { action: 'double' });
      seen.push(structuredClone((await application.load('long'))?.state));
    }
    const key = { graph: 'counter', appId: 'long' };
    for (const sequence of [
      0,
      1,
      SNAPSHOT_EVERY - 1,
      SNAPSHOT_EVERY,
      SNAPSHOT_EVERY + 1,
      2 * SNAPSHOT_EVERY + 3,
      2 * rounds,
    ]) {
      const at = await persister.stateAt(key, sequence);
      expect(at?.state, `state at ${sequence}`).toEqual(seen[sequence]);
      expect(at?.position).toBe(sequence === 0 ? null : sequence % 2 ? 'add' : 'double');
    }
    expect(await persister.stateAt(key, 2 * rounds + 1)).toBeNull();
    const page = await persister.listSteps(key, { after: SNAPSHOT_EVERY - 2, limit: 4 });
    expect(page.map((s) => s.sequenceId)).toEqual([
      SNAPSHOT_EVERY - 1,
      SNAPSHOT_EVERY,
      SNAPSHOT_EVERY + 1,
      SNAPSHOT_EVERY + 2,
    ]);
    expect(page.map((s) => s.state)).toEqual(seen.slice(SNAPSHOT_EVERY - 1, SNAPSHOT_EVERY + 3));
  });

  it('records failed steps beside committed ones', async () => {
    const key = { graph: 'counter', appId: 'failing' };
    await newApp('failing');
    const now = new Date();
    await persister.recordFailedStep(key, {
      action: 'add',
      inputs: {},
      error: 'model down',
      sequenceId: 1,
      startedAt: now,
      endedAt: now,
    });
    await persister.commitStep(key, 0, step(), {
      state: { count: 1, log: ['add'], words: '' },
      position: 'add',
    });
    const steps = await persister.listSteps(key, { after: 0, limit: 10 });
    expect(steps.map((s) => [s.sequenceId, s.status, s.error])).toEqual([
      [1, 'failed', 'model down'],
      [1, 'committed', null],
    ]);
    expect(steps[0]?.state).toBeNull();
  });

  it('applies migrations from two instances at once without failing', async () => {
    const [first, second] = await Promise.all([testDb.open(), testDb.open()]);
    await Promise.all([first.migrate(), second.migrate()]);
    // The tables hold what the suite wrote before: nothing was dropped or recreated.
    const rows = await second.db.select().from(second.tables.apps);
    expect(rows.map((row) => row.appId)).toContain('a1');
    await Promise.all([first.close(), second.close()]);
  });

  it('answers ping while open and fails it after close', async () => {
    const own = await testDb.open();
    await own.ping();
    await own.close();
    await expect(own.ping()).rejects.toThrow();
  });
});

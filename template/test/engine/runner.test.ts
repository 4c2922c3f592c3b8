import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionFailedError,
  ActionNotAllowedError,
  AppExistsError,
  AppNotFoundError,
  actionsFor,
  GraphRunner,
  graph,
  MemoryPersister,
  RunAbortedError,
  type RunEvent,
  StateValidationError,
  type StepEvent,
  type Tracker,
  UnknownStepError,
} from '../../src/engine';
import { SequenceConflictError } from '../../src/engine/persister';
import { counter } from './counter-graph';

function recordingTracker() {
  const calls: string[] = [];
  const tracker: Tracker = {
    stepStarted: (step) => calls.push(`started ${step.action} ${step.sequenceId}`),
    delta: (step, delta) => calls.push(`delta ${step.action} ${step.sequenceId}: ${delta}`),
    stepCommitted: (step) => calls.push(`committed ${step.action} ${step.sequenceId}`),
    stepFailed: (step) => calls.push(`failed ${step.action} ${step.sequenceId}: ${step.error}`),
  };
  return { calls, tracker };
}

async function newCounter() {
  const persister = new MemoryPersister();
  const { calls, tracker } = recordingTracker();
  const application = new GraphRunner(counter, { persister, tracker });
  const { app } = await application.create({ appId: 'c1', partitionKey: 'alice' });
  return { application, persister, calls, app };
}

/** The step events of a run that succeeded, and the app it halted at; checks `state` first, `done` last. */
async function collect(stream: AsyncGenerator<RunEvent, void>) {
  const all: RunEvent[] = [];
  for await (const event of stream) all.push(event);
  const [first, last] = [all[0], all.at(-1)];
  expect(first?.event).toBe('state');
  if (last?.event !== 'done') throw new Error(`the run ended with ${last?.event}`);
  return { events: all.slice(1, -1) as StepEvent[], result: last.data.app };
}

describe('GraphRunner', () => {
  it('creates an app at sequence 0 with the initial state, and gets it again without creating', async () => {
    const { application, app } = await newCounter();
    expect(app).toMatchObject({
      sequenceId: 0,
      position: null,
      state: { count: 0, log: [] },
      partitionKey: 'alice',
    });
    expect(application.next(app)).toBe('add');
    const again = await application.create({ appId: 'c1', partitionKey: 'alice' });
    expect(again.created).toBe(false);
  });

  it('runs the named action, then steps on through actions without input until one needs input', async () => {
    const { application, calls } = await newCounter();
    const app = await application.run('c1', { action: 'add', inputs: { by: 2 } });
    // add (2) → double (4) → next is add, which needs { by }: the run halts before it.
    expect(app).toMatchObject({
      sequenceId: 2,
      position: 'double',
      state: { count: 4, log: ['add 2', 'double'] },
    });
    expect(application.next(app)).toBe('add');
    expect(calls).toEqual(['started add 1', 'committed add 1', 'started double 2', 'committed double 2']);
  });

  it('follows conditions and halts after a haltAfter action, streaming its deltas', async () => {
    const { application, calls } = await newCounter();
    const { events, result } = await collect(application.stream('c1', { action: 'add', inputs: { by: 6 } }));
    expect(events.map((event) => `${event.event}:${event.data.action}`)).toEqual([
      'action:add',
      'step:add',
      'action:double',
      'step:double',
      'action:shout',
      'delta:shout',
      'delta:shout',
      'delta:shout',
      'delta:shout',
      'step:shout',
    ]);
    expect(events.filter((event) => event.event === 'delta').map((event) => event.data)).toEqual(
      ['the', 'count', 'is', '12'].map((delta) => ({ action: 'shout', delta })),
    );
    expect(result).toMatchObject({ sequenceId: 3, position: 'shout', state: { words: 'the count is 12' } });
    expect(calls.slice(-6)).toEqual([
      'started shout 3',
      'delta shout 3: the',
      'delta shout 3: count',
      'delta shout 3: is',
      'delta shout 3: 12',
      'committed shout 3',
    ]);
  });

  it('honours haltBefore and haltAfter given to one run', async () => {
    const { application } = await newCounter();
    const before = await application.run('c1', { action: 'add', inputs: { by: 1 }, haltBefore: ['double'] });
    expect(before.position).toBe('add');
    const stepped = await application.step('c1', { action: 'double' });
    expect(stepped).toMatchObject({ sequenceId: 2, position: 'double' });
  });

  it('refuses an action that is not next, naming the one that is', async () => {
    const { application } = await newCounter();
    const error = await application.run('c1', { action: 'double' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ActionNotAllowedError);
    expect(error.next).toBe('add');
  });

  it('refuses inputs that do not match the action schema and writes nothing', async () => {
    const { application, persister } = await newCounter();
    await expect(application.run('c1', { action: 'add', inputs: { by: 'two' } })).rejects.toBeInstanceOf(
      StateValidationError,
    );
    expect((await persister.loadApp({ graph: 'counter', appId: 'c1' }))?.sequenceId).toBe(0);
  });

  it('answers AppNotFoundError for an unknown app', async () => {
    const { application } = await newCounter();
    await expect(application.run('nope', { action: 'add', inputs: { by: 1 } })).rejects.toBeInstanceOf(
      AppNotFoundError,
    );
  });

  it('records a failed step and keeps the state of the last commit when an action throws', async () => {
    const Schema = z.object({ n: z.number() });
    const { action } = actionsFor(Schema);
    const flaky = graph({
      name: 'flaky',
      state: Schema,
      initial: { n: 0 },
      actions: [
        action({
          name: 'inc',
          reads: ['n'],
          writes: ['n'],
          run: async (s) => ({ result: 1, state: s.update({ n: s.get('n') + 1 }) }),
        }),
        action({
          name: 'boom',
          reads: [],
          writes: [],
          run: async () => {
            throw new Error('model down');
          },
        }),
      ],
      transitions: [
        ['inc', 'boom'],
        ['boom', 'inc'],
      ],
    });
    const persister = new MemoryPersister();
    const { calls, tracker } = recordingTracker();
    const application = new GraphRunner(flaky, { persister, tracker });
    await application.create({ appId: 'f', partitionKey: 'p' });
    const error = await application.run('f', { action: 'inc' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ActionFailedError);
    expect(error.message).toBe('Action "boom" failed: model down');
    const app = await application.load('f');
    expect(app).toMatchObject({ sequenceId: 1, position: 'inc', state: { n: 1 } });
    expect(application.next(app!)).toBe('boom');
    const steps = await persister.listSteps({ graph: 'flaky', appId: 'f' }, { after: 0, limit: 10 });
    expect(steps.map((step) => [step.sequenceId, step.action, step.status, step.error])).toEqual([
      [1, 'inc', 'committed', null],
      [2, 'boom', 'failed', 'model down'],
    ]);
    expect(calls.at(-1)).toBe('failed boom 2: model down');
  });

  it('fails any write outside the action writes, under any key and nested value, naming action and key', async () => {
    const keys = fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 2, maxLength: 5 });
    const scenario = keys.chain((names) =>
      fc.record({
        names: fc.constant(names),
        initial: fc.tuple(...names.map(() => fc.jsonValue())),
        writes: fc.subarray(names.slice(1)),
        outside: fc.constantFrom(...names),
        value: fc.jsonValue(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ names, initial, writes, outside, value }) => {
        fc.pre(!writes.includes(outside));
        const Schema = z.object(Object.fromEntries(names.map((name) => [name, z.unknown()])));
        const { action } = actionsFor(Schema);
        const state = Object.fromEntries(names.map((name, index) => [name, initial[index]]));
        const sneaky = graph({
          name: 'sneaky',
          state: Schema,
          initial: state,
          actions: [
            action({
              name: 'write',
              reads: [],
              writes,
              run: async (s) => {
                const allowed = Object.fromEntries(writes.map((name) => [name, { changed: value }]));
                // A fresh object, so it is a write even when it equals what was there.
                return { result: null, state: s.update({ ...allowed, [outside]: { nested: [value] } }) };
              },
            }),
          ],
          transitions: [['write', 'write']],
        });
        const application = new GraphRunner(sneaky, { persister: new MemoryPersister() });
        await application.create({ appId: 's', partitionKey: 'p' });
        await expect(application.step('s', { action: 'write' })).rejects.toThrow(
          `Action "write" failed: it wrote "${outside}", which is not in its writes`,
        );
        expect((await application.load('s'))?.state).toEqual(sneaky.initial);
      }),
      { numRuns: 50 },
    );
  });

  it('fails an action that changes a value in place, nested or not, and keeps the state', async () => {
    const Schema = z.object({
      count: z.number(),
      history: z.array(z.object({ role: z.string(), parts: z.array(z.string()) })),
    });
    const { action } = actionsFor(Schema);
    const attempts: Record<string, (history: z.infer<typeof Schema>['history']) => void> = {
      push: (history) => history.push({ role: 'user', parts: [] }),
      'set a nested field': (history) => {
        history[0]!.role = 'admin';
      },
      'push deeper': (history) => history[0]!.parts.push('sneaked in'),
    };
    for (const [attempt, change] of Object.entries(attempts)) {
      const inPlace = graph({
        name: 'in-place',
        state: Schema,
        initial: { count: 0, history: [{ role: 'user', parts: ['hi'] }] },
        actions: [
          action({
            name: 'count',
            reads: ['history'],
            writes: ['count'],
            run: async (s) => {
              change(s.get('history'));
              return { result: null, state: s.update({ count: 1 }) };
            },
          }),
        ],
        transitions: [['count', 'count']],
      });
      const application = new GraphRunner(inPlace, { persister: new MemoryPersister() });
      await application.create({ appId: 'i', partitionKey: 'p' });
      const error = await application.step('i', { action: 'count' }).catch((caught) => caught);
      expect(error, attempt).toBeInstanceOf(ActionFailedError);
      expect(error.cause, attempt).toBeInstanceOf(TypeError);
      expect((await application.load('i'))?.state, attempt).toEqual({
        count: 0,
        history: [{ role: 'user', parts: ['hi'] }],
      });
    }
  });

  it('refuses to commit a state with a key the schema lacks', async () => {
    // graph() refuses such an action, so it is slipped into a built graph to reach the runner's check.
    const bogus = actionsFor(counter.state).action({
      name: 'add',
      reads: [],
      writes: ['bogus' as 'count'],
      run: async (s) => ({ result: null, state: s.update({ bogus: 'x' } as never) }),
    });
    const loose = { ...counter, actions: new Map([['add', bogus]]) };
    const application = new GraphRunner(loose, { persister: new MemoryPersister() });
    await application.create({ appId: 'b', partitionKey: 'p' });
    const error = await application.step('b', { action: 'add' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ActionFailedError);
    expect(error.cause).toBeInstanceOf(StateValidationError);
    expect(error.cause.zodError.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['bogus'] }]);
    expect((await application.load('b'))?.state).toEqual(counter.initial);
  });

  it('stops a streaming action between deltas when aborted, committing nothing of it', async () => {
    const { application } = await newCounter();
    await application.run('c1', { action: 'add', inputs: { by: 6 }, haltBefore: ['shout'] });
    const controller = new AbortController();
    const stream = application.stream('c1', { action: 'shout', signal: controller.signal });
    const seen: RunEvent[] = [];
    let error: unknown;
    for await (const event of stream) {
      seen.push(event);
      if (event.event === 'delta') controller.abort();
      if (event.event === 'error') error = event.data.error;
    }
    expect(error).toBeInstanceOf(RunAbortedError);
    expect(seen.filter((event) => event.event === 'delta')).toHaveLength(1);
    const app = await application.load('c1');
    expect(app).toMatchObject({ sequenceId: 2, position: 'double', state: { words: '' } });
    expect(application.next(app!)).toBe('shout');
  });

  it('lets only one of two racing runs commit the same step', async () => {
    const { application } = await newCounter();
    const results = await Promise.allSettled([
      application.step('c1', { action: 'add', inputs: { by: 1 } }),
      application.step('c1', { action: 'add', inputs: { by: 1 } }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(SequenceConflictError);
    expect((await application.load('c1'))?.state.count).toBe(1);
  });

  it('runs from an app the caller loaded without loading it again; a stale one loses its commit', async () => {
    const { application, persister, app } = await newCounter();
    let loads = 0;
    const loadApp = persister.loadApp.bind(persister);
    persister.loadApp = (key) => {
      loads++;
      return loadApp(key);
    };
    const moved = await application.run(app, { action: 'add', inputs: { by: 3 } });
    expect(moved).toMatchObject({ sequenceId: 2, state: { count: 6 } });
    expect(loads).toBe(0);
    // `app` still stands at sequence 0: the run's first commit must not overwrite the steps above.
    await expect(application.run(app, { action: 'add', inputs: { by: 1 } })).rejects.toBeInstanceOf(
      SequenceConflictError,
    );
    expect((await application.load('c1'))?.state.count).toBe(6);
  });

  it('forks from any step with overrides validated by the schema', async () => {
    const { application } = await newCounter();
    await application.run('c1', { action: 'add', inputs: { by: 2 } });
    const fork = await application.fork('c1', {
      fromSequence: 1,
      stateOverrides: { count: 100 },
      partitionKey: 'bob',
    });
    expect(fork).toMatchObject({
      sequenceId: 0,
      position: 'add',
      partitionKey: 'bob',
      state: { count: 100, log: ['add 2'] },
      parent: { appId: 'c1', sequenceId: 1 },
    });
    expect(application.next(fork)).toBe('double');
    await expect(application.fork('c1', { fromSequence: 9, partitionKey: 'bob' })).rejects.toBeInstanceOf(
      UnknownStepError,
    );
    await expect(
      application.fork('c1', { stateOverrides: { count: 'many' }, partitionKey: 'bob' }),
    ).rejects.toBeInstanceOf(StateValidationError);
    const unknownKey = await application
      .fork('c1', { appId: 'bogus', stateOverrides: { bogus: 'x' }, partitionKey: 'bob' })
      .catch((caught) => caught);
    expect(unknownKey).toBeInstanceOf(StateValidationError);
    expect(unknownKey.zodError.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['bogus'] }]);
    expect(await application.load('bogus')).toBeNull();
    // An id that is taken is refused with the app that holds it, which stays as it was.
    const taken = await application.fork('c1', { appId: fork.appId, partitionKey: 'carol' }).catch((e) => e);
    expect(taken).toBeInstanceOf(AppExistsError);
    expect(taken.app).toMatchObject({ appId: fork.appId, partitionKey: 'bob', state: { count: 100 } });
  });

  it('rebuilds the state at every sequence from the recorded writes', async () => {
    const { application, persister } = await newCounter();
    const seen = [structuredClone((await application.load('c1'))!.state)];
    for (const by of [1, 2, 3]) {
      await application.step('c1', { action: 'add', inputs: { by } });
      seen.push(structuredClone((await application.load('c1'))!.state));
      await application.step('c1', { action: 'double' });
      seen.push(structuredClone((await application.load('c1'))!.state));
    }
    for (const [sequence, state] of seen.entries()) {
      expect((await persister.stateAt({ graph: 'counter', appId: 'c1' }, sequence))?.state).toEqual(state);
    }
  });

  it("binds an action's logger to the app and the action", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const { action } = actionsFor(z.object({ n: z.number() }));
    const logging = graph({
      name: 'logging',
      state: z.object({ n: z.number() }),
      initial: { n: 0 },
      actions: [
        action({
          name: 'quiet',
          reads: ['n'],
          writes: ['n'],
          run: async (state) => ({ result: null, state: state.update({ n: state.get('n') + 1 }) }),
        }),
        action({
          name: 'talk',
          reads: ['n'],
          writes: ['n'],
          run: async (state, _inputs, ctx) => {
            ctx.logger.info('first');
            ctx.logger.info('second');
            return { result: null, state: state.update({ n: state.get('n') + 1 }) };
          },
        }),
      ],
      transitions: [
        ['quiet', 'talk'],
        ['talk', 'quiet'],
      ],
      haltAfter: ['talk'],
    });
    const runner = new GraphRunner(logging, { persister: new MemoryPersister(), logger });
    await runner.create({ appId: 'l1', partitionKey: 'alice' });
    await runner.run('l1', { action: 'quiet' });

    expect(lines.map(({ msg, appId, action }) => ({ msg, appId, action }))).toEqual([
      { msg: 'first', appId: 'l1', action: 'talk' },
      { msg: 'second', appId: 'l1', action: 'talk' },
    ]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionFailedError,
  ActionNotAllowedError,
  Application,
  AppNotFoundError,
  actionsFor,
  type EngineEvent,
  graph,
  MemoryPersister,
  RunAbortedError,
  StateValidationError,
  type Tracker,
} from '../../src/graph';
import { SequenceConflictError } from '../../src/graph/persister';
import { counter } from './counter-graph';

function recordingTracker() {
  const calls: string[] = [];
  const tracker: Tracker = {
    stepStarted: (step) => calls.push(`started ${step.action} ${step.sequenceId}`),
    stepCommitted: (step) => calls.push(`committed ${step.action} ${step.sequenceId}`),
    stepFailed: (step) => calls.push(`failed ${step.action} ${step.sequenceId}: ${step.error}`),
  };
  return { calls, tracker };
}

async function newCounter() {
  const persister = new MemoryPersister();
  const { calls, tracker } = recordingTracker();
  const application = new Application(counter, { persister, tracker });
  const { app } = await application.create({ appId: 'c1', partitionKey: 'alice' });
  return { application, persister, calls, app };
}

async function collect(stream: AsyncGenerator<EngineEvent, unknown>) {
  const events: EngineEvent[] = [];
  for (;;) {
    const item = await stream.next();
    if (item.done) return { events, result: item.value };
    events.push(item.value);
  }
}

describe('Application', () => {
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
    const { application } = await newCounter();
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
    const application = new Application(flaky, { persister, tracker });
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

  it('fails any write outside the action writes, naming action and key', async () => {
    const Schema = z.object({ mine: z.number(), theirs: z.number() });
    const { action } = actionsFor(Schema);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1 }), async (value) => {
        const sneaky = graph({
          name: 'sneaky',
          state: Schema,
          initial: { mine: 0, theirs: 0 },
          actions: [
            action({
              name: 'write',
              reads: [],
              writes: ['mine'],
              run: async (s) => ({ result: null, state: s.update({ mine: value, theirs: value }) }),
            }),
          ],
          transitions: [['write', 'write']],
        });
        const application = new Application(sneaky, { persister: new MemoryPersister() });
        await application.create({ appId: 's', partitionKey: 'p' });
        await expect(application.step('s', { action: 'write' })).rejects.toThrow(
          'Action "write" failed: it wrote "theirs", which is not in its writes',
        );
        expect((await application.load('s'))?.state).toEqual({ mine: 0, theirs: 0 });
      }),
      { numRuns: 25 },
    );
  });

  it('stops a streaming action between deltas when aborted, committing nothing of it', async () => {
    const { application } = await newCounter();
    await application.run('c1', { action: 'add', inputs: { by: 6 }, haltBefore: ['shout'] });
    const controller = new AbortController();
    const stream = application.stream('c1', { action: 'shout', signal: controller.signal });
    const seen: EngineEvent[] = [];
    const error = await (async () => {
      for await (const event of stream) {
        seen.push(event);
        if (event.event === 'delta') controller.abort();
      }
    })().catch((caught) => caught);
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
      RangeError,
    );
    await expect(
      application.fork('c1', { stateOverrides: { count: 'many' }, partitionKey: 'bob' }),
    ).rejects.toBeInstanceOf(StateValidationError);
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
});

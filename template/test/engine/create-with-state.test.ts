import { describe, expect, it } from 'vitest';
import { GraphRunner, MemoryPersister, StateValidationError } from '../../src/engine';
import { counter } from './counter-graph';

// An app may start from the graph's initial state with some keys given (OpenAI's stateless calls
// seed the conversation so): the keys are validated like every stored state, the rest stay initial.

describe('GraphRunner.create with a state', () => {
  it('starts from the initial state with the given keys, at the entry action', async () => {
    const runner = new GraphRunner(counter, { persister: new MemoryPersister() });
    const { app, created } = await runner.create({ partitionKey: 'p', state: { count: 5, log: ['seeded'] } });
    expect(created).toBe(true);
    expect(app.state).toEqual({ ...counter.initial, count: 5, log: ['seeded'] });
    expect(app.sequenceId).toBe(0);
    expect(runner.next(app)).toBe(counter.entrypoint);
  });

  it('refuses a state the schema refuses, and creates nothing', async () => {
    const persister = new MemoryPersister();
    const runner = new GraphRunner(counter, { persister });
    await expect(
      runner.create({ appId: 'bad', partitionKey: 'p', state: { count: 'five' } }),
    ).rejects.toThrow(StateValidationError);
    await expect(runner.create({ appId: 'bad', partitionKey: 'p', state: { unknown: 1 } })).rejects.toThrow(
      StateValidationError,
    );
    expect(await runner.load('bad')).toBeNull();
  });
});

// The tracker's optional `scope`: the runner runs the action's code inside it, the call of a plain
// action and every resumption of a streaming one, so what a tracker makes current for the step
// (a trace span, outside the engine) is what the action's callees see, even after their awaits and
// whoever iterates the run. composeTrackers nests the scopes of the trackers that have one.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionsFor, GraphRunner, graph, MemoryPersister, noopTracker, type Tracker } from '../../src/engine';
import { composeTrackers } from '../../src/engine/compose-trackers';

const current = new AsyncLocalStorage<string[]>();
const seen: Record<string, (string[] | undefined)[]> = {};
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

const S = z.object({ n: z.number() });
const { action } = actionsFor(S);
const counted = graph({
  name: 'scoped',
  state: S,
  initial: { n: 0 },
  actions: [
    action({
      name: 'plain',
      reads: [],
      writes: ['n'],
      run: async (state) => {
        seen.plain = [current.getStore()];
        await tick();
        seen.plain.push(current.getStore());
        return { result: null, state: state.update({ n: 1 }) };
      },
    }),
    action({
      name: 'streaming',
      reads: [],
      writes: ['n'],
      run: async function* (state) {
        seen.streaming = [current.getStore()];
        yield 'a';
        await tick();
        seen.streaming.push(current.getStore());
        yield 'b';
        seen.streaming.push(current.getStore());
        return { result: null, state: state.update({ n: 2 }) };
      },
    }),
  ],
  transitions: [
    ['plain', 'streaming'],
    ['streaming', 'plain'],
  ],
});

/** A tracker whose scope makes `label:action#sequence` current, on top of what is current already. */
const labelling = (label: string): Tracker => ({
  ...noopTracker,
  scope: (step, work) =>
    current.run([...(current.getStore() ?? []), `${label}:${step.action}#${step.sequenceId}`], work),
});

describe("the tracker's scope", () => {
  it('is current in a plain action and in every resumption of a streaming one, nested when composed', async () => {
    const tracker = composeTrackers(labelling('outer'), noopTracker, labelling('inner'));
    const runner = new GraphRunner(counted, { persister: new MemoryPersister(), tracker });
    await runner.create({ appId: 'a', partitionKey: 'p' });
    // Iterated from a context of its own: the action must still see only the step's scope.
    await current.run(['reader'], async () => {
      for await (const event of runner.stream('a', { action: 'plain', haltAfter: ['streaming'] })) {
        if (event.event === 'delta') await tick();
      }
    });
    expect(seen.plain).toEqual([
      ['reader', 'outer:plain#1', 'inner:plain#1'],
      ['reader', 'outer:plain#1', 'inner:plain#1'],
    ]);
    expect(seen.streaming).toEqual(Array(3).fill(['reader', 'outer:streaming#2', 'inner:streaming#2']));
  });

  it('is absent from a composition whose trackers have none', () => {
    expect(composeTrackers(noopTracker, noopTracker).scope).toBeUndefined();
  });
});

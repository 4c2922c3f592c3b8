import { z } from 'zod';
import { actionsFor, graph } from '../../src/engine';

/** A small graph for engine tests: add (input) → double → maybe shout (streaming) → back to add. */
export const CounterState = z.object({
  count: z.number().int(),
  log: z.array(z.string()),
  words: z.string(),
});

const { action } = actionsFor(CounterState);

export const add = action({
  name: 'add',
  reads: ['count'],
  writes: ['count', 'log'],
  input: z.object({ by: z.number().int() }),
  run: async (state, { by }) => ({
    result: { added: by },
    state: state.update({ count: state.get('count') + by }).append('log', `add ${by}`),
  }),
});

export const double = action({
  name: 'double',
  reads: ['count'],
  writes: ['count', 'log'],
  run: async (state) => ({
    result: null,
    state: state.update({ count: state.get('count') * 2 }).append('log', 'double'),
  }),
});

export const shout = action({
  name: 'shout',
  reads: ['count'],
  writes: ['words'],
  run: async function* (state, _inputs, ctx) {
    const words = ['the', 'count', 'is', String(state.get('count'))];
    for (const word of words) {
      yield word;
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (ctx.signal.aborted) break;
    }
    return { result: { words: words.length }, state: state.update({ words: words.join(' ') }) };
  },
});

export const counter = graph({
  name: 'counter',
  state: CounterState,
  initial: { count: 0, log: [], words: '' },
  actions: [add, double, shout],
  transitions: [
    ['add', 'double'],
    ['double', 'shout', (state) => state.count > 10],
    ['double', 'add', 'default'],
    ['shout', 'add'],
  ],
  haltAfter: ['shout'],
});

// The typed client takes what the server accepts: an input field with a .default() may be left out.
// The type checks run in `npm run typecheck` (tsc covers test/); the calls below run for real
// against a fetch that records what is sent.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createGraphClient } from '../../src/client';
import { actionsFor, graph } from '../../src/engine';
import type { ActionInput } from '../../src/engine/graph';

const State = z.object({ count: z.number().int() });
const { action } = actionsFor(State);
const add = action({
  name: 'add',
  reads: ['count'],
  writes: ['count'],
  input: z.object({ by: z.number().int().default(1), note: z.string().optional() }),
  run: async (state, { by }) => ({ result: null, state: state.update({ count: state.get('count') + by }) }),
});
const counter = graph({
  name: 'counter',
  state: State,
  initial: { count: 0 },
  actions: [add],
  transitions: [['add', 'add']],
  haltAfter: ['add'],
});

describe('typed client action inputs', () => {
  it('types inputs as accepted (z.input): defaulted fields are optional, wrong types still fail', () => {
    expectTypeOf<ActionInput<typeof counter, 'add'>>().toEqualTypeOf<{ by?: number; note?: string }>();
    const client = createGraphClient<typeof counter>('http://127.0.0.1:1', 'counter');
    // @ts-expect-error a string is not a number, accepted or not
    void (() => client.act('a', 'add', { by: 'two' }));
    // @ts-expect-error nor in a background run's inputs
    void (() => client.startRun('a', 'add', { by: 'two' }));
    // @ts-expect-error and a run names an action of the graph
    void (() => client.startRun('a', 'subtract', {}));
  });

  it('sends what it is given, and the server fills the default', async () => {
    const sent: unknown[] = [];
    const recording: typeof fetch = async (_url, init) => {
      sent.push(JSON.parse(String(init?.body)));
      return Response.json({ app_id: 'a', state: { count: 1 } });
    };
    const client = createGraphClient<typeof counter>('http://127.0.0.1:1', 'counter', { fetch: recording });
    await client.act('a', 'add', {});
    await client.act('a', 'add', { by: 3 });
    await client.startRun('a', 'add', { by: 2 });
    expect(sent).toEqual([{}, { by: 3 }, { action: 'add', inputs: { by: 2 } }]);
    expect(add.input?.parse({})).toEqual({ by: 1 });
  });
});

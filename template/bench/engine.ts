// The engine alone, on the in-memory persister: steps per second of a no-op action, and deltas per
// second of a streaming action.
import { z } from 'zod';
import { actionsFor, GraphRunner, graph, MemoryPersister } from '../src/engine';

const State = z.object({ n: z.number() });
const { action } = actionsFor(State);
const noop = action({ name: 'noop', reads: [], writes: [], run: async (state) => ({ result: null, state }) });
const chatter = action({
  name: 'chatter',
  reads: [],
  writes: ['n'],
  run: async function* (state) {
    for (let index = 0; index < 100_000; index++) yield 'x';
    return { result: null, state: state.update({ n: 1 }) };
  },
});

export async function benchEngine() {
  const steps = graph({
    name: 'steps',
    state: State,
    initial: { n: 0 },
    actions: [noop],
    transitions: [['noop', 'noop']],
  });
  const stepper = new GraphRunner(steps, { persister: new MemoryPersister() });
  await stepper.create({ appId: 'a', partitionKey: 'p' });
  const count = 20_000;
  let started = performance.now();
  for (let index = 0; index < count; index++) await stepper.step('a', { action: 'noop' });
  const stepsPerSec = Math.round(count / ((performance.now() - started) / 1000));

  const streaming = graph({
    name: 'stream',
    state: State,
    initial: { n: 0 },
    actions: [chatter],
    transitions: [['chatter', 'chatter']],
    haltAfter: ['chatter'],
  });
  const streamer = new GraphRunner(streaming, { persister: new MemoryPersister() });
  await streamer.create({ appId: 'b', partitionKey: 'p' });
  started = performance.now();
  let deltas = 0;
  for await (const event of streamer.stream('b', { action: 'chatter' }))
    if (event.event === 'delta') deltas++;
  const deltasPerSec = Math.round(deltas / ((performance.now() - started) / 1000));
  return { stepsPerSec, deltasPerSec };
}

export function printEngine(result: Awaited<ReturnType<typeof benchEngine>>) {
  console.log('\n| engine (in-memory persister) | per second |');
  console.log('|---|---|');
  console.log(`| no-op steps | ${result.stepsPerSec} |`);
  console.log(`| deltas of a streaming action | ${result.deltasPerSec} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) printEngine(await benchEngine());

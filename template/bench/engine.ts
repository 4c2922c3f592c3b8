// The engine alone, on the in-memory persister: steps per second of a no-op action, deltas per
// second of a streaming action, and what a step that appends one message costs as the history grows
// (a step checks what it changed against the schema, not the whole state: flat, not growing).
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
  return { stepsPerSec, deltasPerSec, appendStep: await benchAppendStep() };
}

const Message = z.object({ role: z.enum(['user', 'assistant']), content: z.string() });
const Chat = z.object({ history: z.array(Message) });
const say = actionsFor(Chat).action({
  name: 'say',
  reads: [],
  writes: ['history'],
  run: async (state) => ({
    result: null,
    state: state.append('history', { role: 'user', content: 'What is a switchyard?' }),
  }),
});

/** µs per step appending one message to a history of each length (mean of 2,000 steps). */
async function benchAppendStep() {
  const chat = graph({
    name: 'chat',
    state: Chat,
    initial: { history: [] },
    actions: [say],
    transitions: [['say', 'say']],
  });
  const runner = new GraphRunner(chat, { persister: new MemoryPersister() });
  const perLength: { history: number; microseconds: number }[] = [];
  for (const length of [10, 1_000, 10_000]) {
    const history = Array.from({ length }, (_, index) => ({
      role: 'assistant' as const,
      content: `answer ${index}`,
    }));
    await runner.create({ appId: `h${length}`, partitionKey: 'p', state: { history } });
    const steps = 2_000;
    const started = performance.now();
    for (let index = 0; index < steps; index++) await runner.step(`h${length}`, { action: 'say' });
    perLength.push({ history: length, microseconds: ((performance.now() - started) * 1000) / steps });
  }
  return perLength;
}

export function printEngine(result: Awaited<ReturnType<typeof benchEngine>>) {
  console.log('\n| engine (in-memory persister) | per second |');
  console.log('|---|---|');
  console.log(`| no-op steps | ${result.stepsPerSec} |`);
  console.log(`| deltas of a streaming action | ${result.deltasPerSec} |`);
  console.log('\n| a step appending one message (in-memory persister) | µs per step |');
  console.log('|---|---|');
  for (const { history, microseconds } of result.appendStep) {
    console.log(
      `| history of ${history} messages (and the 2,000 the measure adds) | ${microseconds.toFixed(1)} |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printEngine(await benchEngine());

import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ActionFailedError, actionsFor, GraphRunner, graph, MemoryPersister } from '../../src/engine';
import { LogTracker } from '../../src/engine/log-tracker';

const TalkState = z.object({ said: z.string() });
const { action } = actionsFor(TalkState);

/** speak (streams two pieces) → boom (always throws) → speak … */
const talk = graph({
  name: 'talk',
  state: TalkState,
  initial: { said: '' },
  actions: [
    action({
      name: 'speak',
      reads: [],
      writes: ['said'],
      run: async function* (state) {
        yield 'hello ';
        yield 'there';
        return { result: null, state: state.update({ said: 'hello there' }) };
      },
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
    ['speak', 'boom'],
    ['boom', 'speak'],
  ],
});

/** A pino logger writing JSON lines into an array, as a log shipper would read them. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('LogTracker', () => {
  it('logs one line per committed or failed step, and none per delta', async () => {
    const { lines, logger } = capturedLogger();
    const tracker = new LogTracker(logger);
    const application = new GraphRunner(talk, { persister: new MemoryPersister(), tracker });
    await application.create({ appId: 't1', partitionKey: 'p' });

    await expect(application.run('t1', { action: 'speak' })).rejects.toBeInstanceOf(ActionFailedError);

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'step committed',
      graph: 'talk',
      app_id: 't1',
      action: 'speak',
      sequence_id: 1,
    });
    expect(lines[1]).toMatchObject({
      level: 40,
      msg: 'step failed',
      graph: 'talk',
      app_id: 't1',
      action: 'boom',
      sequence_id: 2,
      error: 'model down',
    });
    for (const line of lines) expect(line.durationMs).toEqual(expect.any(Number));
  });

  it('logs the steps of every app of the same graph', async () => {
    const { lines, logger } = capturedLogger();
    const tracker = new LogTracker(logger);
    const application = new GraphRunner(talk, { persister: new MemoryPersister(), tracker });
    for (const appId of ['a', 'b']) {
      await application.create({ appId, partitionKey: 'p' });
      await application.step(appId, { action: 'speak' });
    }
    expect(lines.map((line) => line.app_id)).toEqual(['a', 'b']);
  });
});

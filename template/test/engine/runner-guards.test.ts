import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionFailedError,
  type ActionOutput,
  actionsFor,
  GraphRunner,
  graph,
  MemoryPersister,
  RunAbortedError,
  type RunEvent,
  type State,
  StepLimitError,
} from '../../src/engine';
import { counter } from './counter-graph';

const Loop = z.object({ n: z.number().int() });
type LoopValues = z.infer<typeof Loop>;
const { action } = actionsFor(Loop);

const tick = async (state: State<LoopValues>): Promise<ActionOutput<LoopValues>> => ({
  result: null,
  state: state.update({ n: state.get('n') + 1 }),
});

/** ping ⇄ pong: two actions that need no input and no halt, so a run never stops by itself. */
function loopGraph(ping: typeof tick = tick) {
  return graph({
    name: 'loop',
    state: Loop,
    initial: { n: 0 },
    actions: [
      action({ name: 'ping', reads: ['n'], writes: ['n'], run: ping }),
      action({ name: 'pong', reads: ['n'], writes: ['n'], run: tick }),
    ],
    transitions: [
      ['ping', 'pong'],
      ['pong', 'ping'],
    ],
  });
}

/** A graph of one streaming action whose `finally` reports that it ran. */
function streamingGraph(onClose: () => void) {
  return graph({
    name: 'talk',
    state: Loop,
    initial: { n: 0 },
    actions: [
      action({
        name: 'talk',
        reads: [],
        writes: ['n'],
        run: async function* (state) {
          try {
            for (let piece = 0; piece < 5; piece++) yield piece;
            return { result: null, state: state.update({ n: 5 }) };
          } finally {
            onClose();
          }
        },
      }),
    ],
    transitions: [['talk', 'talk']],
    haltAfter: ['talk'],
  });
}

async function started<S extends z.ZodObject>(application: GraphRunner<S>, appId = 'x') {
  await application.create({ appId, partitionKey: 'p' });
  return application;
}

describe('step limit', () => {
  it('stops a cycle of actions that need no input after 100 steps by default, keeping those steps', async () => {
    const application = await started(new GraphRunner(loopGraph(), { persister: new MemoryPersister() }));
    const error = await application.run('x', { action: 'ping' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(StepLimitError);
    expect(error.message).toBe(
      'The run stopped before "ping" after 100 steps without a halt: add a haltAfter or haltBefore rule to the cycle, or raise maxStepsPerRun',
    );
    expect(await application.load('x')).toMatchObject({ sequenceId: 100, state: { n: 100 } });
  });

  it('takes maxStepsPerRun from the options, counting per run', async () => {
    const application = await started(
      new GraphRunner(loopGraph(), { persister: new MemoryPersister(), maxStepsPerRun: 3 }),
    );
    await expect(application.run('x', { action: 'ping' })).rejects.toMatchObject({
      limit: 3,
      action: 'pong',
    });
    await expect(application.run('x', { action: 'pong' })).rejects.toMatchObject({
      limit: 3,
      action: 'ping',
    });
    expect((await application.load('x'))?.sequenceId).toBe(6);
  });

  it('lets a run that halts on its own use every allowed step', async () => {
    // add → double, then it halts before add, which needs input: two steps, no error.
    const application = await started(
      new GraphRunner(counter, { persister: new MemoryPersister(), maxStepsPerRun: 2 }),
    );
    expect(await application.run('x', { action: 'add', inputs: { by: 1 } })).toMatchObject({ sequenceId: 2 });
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const maxStepsPerRun of [0, -1, 1.5, Number.NaN]) {
      expect(() => new GraphRunner(counter, { persister: new MemoryPersister(), maxStepsPerRun })).toThrow(
        RangeError,
      );
    }
  });
});

describe('abort', () => {
  it('stops between plain actions once the signal fired, even when the action ignores it', async () => {
    const controller = new AbortController();
    const leaving = async (state: State<LoopValues>) => {
      controller.abort(); // The client leaves while ping runs; ping does not look at the signal.
      return tick(state);
    };
    const application = await started(
      new GraphRunner(loopGraph(leaving), { persister: new MemoryPersister() }),
    );
    const error = await application
      .run('x', { action: 'ping', signal: controller.signal })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(RunAbortedError);
    expect(error).toMatchObject({ action: 'pong', during: false });
    expect(error.message).toBe('The run was aborted before action "pong"');
    expect(await application.load('x')).toMatchObject({ sequenceId: 1, position: 'ping' });
  });

  it('reports an action error as itself when the signal fired for another reason', async () => {
    const controller = new AbortController();
    const failing = async (): Promise<ActionOutput<LoopValues>> => {
      controller.abort();
      throw new Error('database down');
    };
    const application = await started(
      new GraphRunner(loopGraph(failing), { persister: new MemoryPersister() }),
    );
    const error = await application
      .run('x', { action: 'ping', signal: controller.signal })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(ActionFailedError);
    expect(error.message).toBe('Action "ping" failed: database down');
  });

  it('reports RunAbortedError when the action failed with the abort itself or an AbortError', async () => {
    const causes = {
      'the signal reason': (signal: AbortSignal) => signal.throwIfAborted(),
      'an AbortError': () => {
        throw new DOMException('The operation was aborted.', 'AbortError');
      },
    };
    for (const [name, fail] of Object.entries(causes)) {
      const controller = new AbortController();
      const aborting = async (_state: State<LoopValues>): Promise<ActionOutput<LoopValues>> => {
        controller.abort(new Error('Cancelled.'));
        fail(controller.signal);
        throw new Error('not reached');
      };
      const application = await started(
        new GraphRunner(loopGraph(aborting), { persister: new MemoryPersister() }),
      );
      const error = await application
        .run('x', { action: 'ping', signal: controller.signal })
        .catch((caught) => caught);
      expect(error, name).toBeInstanceOf(RunAbortedError);
      expect(error, name).toMatchObject({
        action: 'ping',
        during: true,
        message: 'Action "ping" was aborted',
      });
    }
  });

  it("runs a streaming action's finally blocks when aborted between deltas, committing nothing", async () => {
    let closed = 0;
    const application = await started(
      new GraphRunner(
        streamingGraph(() => closed++),
        { persister: new MemoryPersister() },
      ),
    );
    const controller = new AbortController();
    const deltas: RunEvent[] = [];
    let error: unknown;
    for await (const event of application.stream('x', { action: 'talk', signal: controller.signal })) {
      if (event.event === 'error') error = event.data.error;
      if (event.event !== 'delta') continue;
      deltas.push(event);
      controller.abort();
    }
    expect(error).toBeInstanceOf(RunAbortedError);
    expect(deltas).toHaveLength(1);
    expect(closed).toBe(1);
    expect(await application.load('x')).toMatchObject({ sequenceId: 0, state: { n: 0 } });
  });

  it("runs a streaming action's finally blocks when the reader of the stream stops early", async () => {
    let closed = 0;
    const application = await started(
      new GraphRunner(
        streamingGraph(() => closed++),
        { persister: new MemoryPersister() },
      ),
    );
    for await (const event of application.stream('x', { action: 'talk' })) {
      if (event.event === 'delta') break;
    }
    expect(closed).toBe(1);
    expect((await application.load('x'))?.sequenceId).toBe(0);
  });
});

describe('a failing failure record', () => {
  it("logs the persister's error and surfaces the action's own", async () => {
    class UnrecordingPersister extends MemoryPersister {
      override async recordFailedStep(): Promise<void> {
        throw new Error('disk full');
      }
    }
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const failing = async (): Promise<ActionOutput<LoopValues>> => {
      throw new Error('model down');
    };
    const application = await started(
      new GraphRunner(loopGraph(failing), { persister: new UnrecordingPersister(), logger: pino(stream) }),
    );
    const error = await application.run('x', { action: 'ping' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ActionFailedError);
    expect(error.message).toBe('Action "ping" failed: model down');
    expect(lines).toMatchObject([
      { level: 50, msg: 'could not record a failed step', action: 'ping', err: { message: 'disk full' } },
    ]);
  });
});

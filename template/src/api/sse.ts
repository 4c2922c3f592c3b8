import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { StreamWatch } from '../db/live-streams';
import type { AnyRunner, RunEvent } from '../engine';
import type { Logger } from '../lib/logger';
import { toWireEvent } from '../lib/run-events';
import type { Services } from '../lib/services';
import { keepStreamSlot } from './middleware/stream-slots';

/** How often an idle stream sends `: ping`, so proxies keep it open. */
export const PING_INTERVAL_MS = 15_000;

/**
 * Frames waiting for the socket are written together once they reach this size; until then `send`
 * returns at once. A busy producer (a model streaming tokens) then costs one write per batch
 * instead of one per token, and an idle stream still writes each frame the moment it is sent.
 */
const BATCH_BYTES = 16 * 1024;

export interface EventWriter {
  /** Sends one event with the next id. */
  send(event: string, data: unknown): Promise<void>;
  /** Sends one event with its own id (replayed events keep the ids they were stored with). */
  sendWithId(id: number, event: string, data: unknown): Promise<void>;
  /** Fires when the client leaves. */
  signal: AbortSignal;
}

/**
 * Answers with Server-Sent Events: ids increase from `firstId`, a ping comment keeps the connection
 * alive, and the signal fires when the client disconnects so the producer can stop.
 */
export function sseResponse(c: Context, produce: (writer: EventWriter) => Promise<void>, firstId = 1) {
  // The caller's open-stream slot (openStream()) is held until this stream ends.
  const releaseSlot = keepStreamSlot(c);
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    const left = new AbortController();
    stream.onAbort(() => left.abort());
    const streamClosed = (c.get('services' as never) as Services | undefined)?.streamOpened?.('sse');
    const socket = coalescingWriter(stream);
    let id = firstId;
    const every: number = c.get('ssePingIntervalMs' as never) ?? PING_INTERVAL_MS;
    const ping = setInterval(() => void socket.write(': ping\n\n'), every);
    try {
      await produce({
        signal: left.signal,
        send: (event, data) => socket.write(frame(id++, event, data)),
        sendWithId: (eventId, event, data) => socket.write(frame(eventId, event, data)),
      });
      await socket.drained();
    } finally {
      clearInterval(ping);
      releaseSlot();
      streamClosed?.();
    }
  });
}

/** JSON.stringify escapes line breaks, so the data is always one `data:` line. */
const frame = (id: number, event: string, data: unknown) =>
  `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Writes text to the stream, joining what arrives while a write is in flight into the next write.
 * `write` waits only when the joined text has grown past BATCH_BYTES (backpressure).
 */
function coalescingWriter(stream: SSEStreamingApi) {
  let waiting = '';
  let flushing: Promise<void> | null = null;

  async function flush() {
    while (waiting && !stream.aborted) {
      const batch = waiting;
      waiting = '';
      await stream.write(batch);
    }
    waiting = '';
    flushing = null;
  }

  return {
    write(text: string): Promise<void> {
      if (stream.aborted) return Promise.resolve();
      waiting += text;
      flushing ??= flush();
      return waiting.length >= BATCH_BYTES ? flushing : Promise.resolve();
    },
    /** Resolves once everything written so far has reached the stream. */
    drained: () => flushing ?? Promise.resolve(),
  };
}

/**
 * Streams a run (GraphRunner.stream) as Server-Sent Events: `first` is the event already read
 * (so a run that could not start was answered as a plain error), then the rest as they come.
 * The client leaving fires `abort`, which stops the running action; committed steps stay. `watch`
 * sees each event before it is sent (the stream's live_streams row, for the step viewer).
 */
export function sendRun(
  c: Context,
  logger: Logger,
  runner: AnyRunner,
  first: IteratorResult<RunEvent, void>,
  rest: AsyncGenerator<RunEvent, void, void>,
  abort: AbortController,
  watch?: StreamWatch,
) {
  return sseResponse(c, async (events) => {
    events.signal.addEventListener('abort', () => abort.abort(), { once: true });
    if (first.done) return;
    try {
      for (let item: IteratorResult<RunEvent, void> = first; !item.done; item = await rest.next()) {
        const wire = toWireEvent(item.value);
        if (wire.event === 'error' && wire.data.status >= 500 && !events.signal.aborted) {
          const error = item.value.event === 'error' ? item.value.data.error : undefined;
          logger.error({ err: error, graph: runner.graph.name }, 'streamed run failed');
        }
        const seen = watch?.saw(item.value);
        if (seen) await seen;
        await events.send(wire.event, wire.data);
      }
    } finally {
      // Whatever ended the loop, the run's own finally blocks run, and its live_streams row goes.
      await rest.return();
      await watch?.end();
    }
  });
}

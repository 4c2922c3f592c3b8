import type { Context, MiddlewareHandler } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';

/** How often an idle stream sends `: ping`, so proxies keep it open. */
export const PING_INTERVAL_MS = 15_000;

/** Sets the ping interval of the streams answered below it (createApp passes SSE_PING_INTERVAL_MS). */
export const pingInterval =
  (ms: number): MiddlewareHandler =>
  async (c, next) => {
    c.set('ssePingIntervalMs', ms);
    await next();
  };

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
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    const left = new AbortController();
    stream.onAbort(() => left.abort());
    const socket = coalescingWriter(stream);
    let id = firstId;
    const every: number = c.get('ssePingIntervalMs') ?? PING_INTERVAL_MS;
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

import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';

/** How often an idle stream sends `: ping`, so proxies keep it open. */
export const PING_INTERVAL_MS = 15_000;

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
    let id = firstId;
    const ping = setInterval(
      () => void stream.write(': ping\n\n').catch(() => left.abort()),
      PING_INTERVAL_MS,
    );
    try {
      await produce({
        signal: left.signal,
        send: async (event, data) => {
          if (stream.aborted) return;
          await stream.writeSSE({ event, id: String(id++), data: JSON.stringify(data) });
        },
        sendWithId: async (eventId, event, data) => {
          if (stream.aborted) return;
          await stream.writeSSE({ event, id: String(eventId), data: JSON.stringify(data) });
        },
      });
    } finally {
      clearInterval(ping);
    }
  });
}

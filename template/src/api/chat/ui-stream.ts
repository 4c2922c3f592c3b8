import { UI_MESSAGE_STREAM_HEADERS } from 'ai';
import type { Services } from '../../lib/services';
import { followRunPages } from '../../runs/follow-run';
import { followOptions } from '../runs/handlers';
import { PING_INTERVAL_MS } from '../sse';
import { type ChatChunk, uiChunkTranslator } from './ui-chunks';

/**
 * Frames waiting for the reader are handed over together; past this size the producer waits for
 * the reader (backpressure). As in sse.ts: a model streaming tokens costs one socket write per
 * batch, and an idle stream still sends each frame the moment it comes.
 */
const BATCH_BYTES = 16 * 1024;

/**
 * A turn's run as the AI SDK's UI message stream, from its first event: live from the worker when
 * the run executes in this process, else from the stored events (src/runs/follow-run.ts), so a
 * resume replays the whole answer. The frames are the protocol's (`data: <chunk JSON>`, then
 * `data: [DONE]`, the AI SDK's headers), written here rather than through createUIMessageStream,
 * whose four web streams and one socket write a chunk took were about a third of a turn (profiled). `left`
 * (the client leaving) stops following, never the run.
 */
export function uiMessageStreamOf(
  services: Services,
  runId: string,
  left: AbortSignal,
  pingMs = PING_INTERVAL_MS,
): Response {
  const translate = uiChunkTranslator(runId);
  const body = batchedText(async (write, closed) => {
    const signal = AbortSignal.any([left, closed]);
    const send = (chunk: ChatChunk) => write(frameOf(chunk));
    try {
      // A page at a time (what one read or one wake-up gave), and a write is awaited only when the
      // reader is behind: a turn's thousands of deltas cost a hand-over per page, not a microtask
      // per delta.
      for await (const page of followRunPages(followOptions(services), runId, 0, signal)) {
        for (const event of page) {
          const cancelled = event.event === 'error' && (await wasStopped(services, runId));
          for (const chunk of translate.chunksOf(event, cancelled)) {
            const behind = send(chunk);
            if (behind) await behind;
          }
        }
      }
    } catch {
      await send({ type: 'error', errorText: 'The chat stream failed on our side.' });
    }
    await write('data: [DONE]\n\n');
  }, pingMs);
  return new Response(body, { headers: UI_MESSAGE_STREAM_HEADERS });
}

/**
 * A chunk's frame, `data: <chunk JSON>`. A text-delta, nearly every frame of a turn, is written
 * field by field (the same JSON, as chunksOf orders it): stringifying its object cost four times
 * as much (measured: 0.47 against 0.12 µs a delta).
 */
function frameOf(chunk: ChatChunk): string {
  if (chunk.type === 'text-delta' && chunk.providerMetadata === undefined) {
    return `${deltaFramePrefix(chunk.id)}${JSON.stringify(chunk.delta)}}\n\n`;
  }
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** A text part's deltas all start alike: its prefix is built once per part, not once per delta. */
let lastPrefix = { id: '', text: '' };
function deltaFramePrefix(id: string): string {
  if (lastPrefix.id !== id)
    lastPrefix = { id, text: `data: {"type":"text-delta","id":${JSON.stringify(id)},"delta":` };
  return lastPrefix.text;
}

/** A stopped turn ends with `abort`, a failed one with `error`: the cancel is recorded before the event. */
async function wasStopped(services: Services, runId: string) {
  const run = await services.runs.get(runId);
  return run?.status === 'cancelled' || run?.cancelRequestedAt != null;
}

/** Queues text for the reader; returns a promise to wait for only when the reader is behind. */
type Write = (text: string) => Promise<void> | undefined;
type Produce = (write: Write, closed: AbortSignal) => Promise<void>;

/**
 * The bytes of what `produce` writes, joined into one chunk per read of the consumer (the socket),
 * with a `: keep-alive` comment every `pingMs` in which nothing was written. `closed` fires when the
 * consumer cancels (the client left).
 */
function batchedText(produce: Produce, pingMs: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const closed = new AbortController();
  let waiting = '';
  let finished = false;
  let handedOver = false;
  let wakeReader: (() => void) | null = null;
  let wakeWriter: (() => void) | null = null;
  // One timer for the stream, not one reset per frame (a timer each costs more than the frame).
  let wrote = false;
  let ping: NodeJS.Timeout | undefined;
  const append = (text: string) => {
    waiting += text;
    wakeReader?.();
  };
  const write: Write = (text) => {
    if (closed.signal.aborted) return undefined;
    wrote = true;
    append(text);
    if (waiting.length < BATCH_BYTES) return undefined;
    return new Promise((resolve) => {
      wakeWriter = resolve;
    });
  };
  const handOver = () => {
    const writer = wakeWriter;
    wakeWriter = null;
    writer?.();
  };
  return new ReadableStream<Uint8Array>(
    {
      start() {
        ping = setInterval(() => {
          if (!wrote && !closed.signal.aborted) append(': keep-alive\n\n');
          wrote = false;
        }, pingMs);
        void produce(write, closed.signal).finally(() => {
          finished = true;
          clearInterval(ping);
          wakeReader?.();
        });
      },
      async pull(controller) {
        while (!waiting && !finished) {
          await new Promise<void>((resolve) => {
            wakeReader = resolve;
          });
          wakeReader = null;
        }
        // After the first write (which goes at once: a resume's time to its first chunk), the rest of
        // this turn of the event loop joins the batch: the follower hands over one frame per
        // microtask, and the socket would otherwise take them one write each.
        if (handedOver && waiting.length < BATCH_BYTES) await new Promise((resolve) => setImmediate(resolve));
        handedOver = true;
        if (waiting) {
          controller.enqueue(encoder.encode(waiting));
          waiting = '';
          handOver();
        } else controller.close();
      },
      cancel() {
        closed.abort();
        clearInterval(ping);
        waiting = '';
        handOver();
      },
    },
    { highWaterMark: 0 },
  );
}

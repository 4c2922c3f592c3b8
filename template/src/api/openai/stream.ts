import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ChatMapping } from '../../chat/mapping';
import type { StreamWatch } from '../../db/live-streams';
import type { AnyRunner, StoredApp } from '../../engine';
import { runProblem } from '../../lib/run-events';
import { usageOf } from './conversation';
import { toOpenAIError } from './errors';
import type { ChatCompletionRequest } from './schemas';

export interface StreamedCall {
  runner: AnyRunner;
  app: StoredApp;
  mapping: ChatMapping<unknown>;
  inputs: unknown;
  body: ChatCompletionRequest;
  meta: { id: string; created: number; model: string };
  /** The stream's live_streams row (what the step viewer marks as running). */
  watch: StreamWatch;
}

/**
 * A completion with `stream: true`: the graph's text deltas as chat.completion.chunk events, a last
 * chunk with finish_reason `stop` (and one with usage when asked for), then `data: [DONE]`. The
 * client leaving aborts the running action, as on the graph's own stream route.
 */
export function streamCompletion(c: Context, call: StreamedCall) {
  const { runner, app, mapping, inputs, body, meta, watch } = call;
  const leave = new AbortController();
  const events = runner.stream(app, { action: mapping.action, inputs, signal: leave.signal });
  const chunk = (delta: object, finish: 'stop' | null) => ({
    ...meta,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => leave.abort());
    const send = (data: unknown) => stream.writeSSE({ data: JSON.stringify(data) });
    let pieces = 0;
    await send(chunk({ role: 'assistant', content: '' }, null));
    try {
      for await (const event of events) {
        const seen = watch.saw(event);
        if (seen) await seen;
        if (event.event === 'delta' && typeof event.data.delta === 'string') {
          pieces++;
          await send(chunk({ content: event.data.delta }, null));
        } else if (event.event === 'error') {
          // The openai client raises an APIError for a `data:` event carrying `error`.
          await send(toOpenAIError(runProblem(event.data.error, event.data.next)));
          return;
        }
      }
    } finally {
      await watch.end();
    }
    await send(chunk({}, 'stop'));
    if (body.stream_options?.include_usage) {
      await send({ ...chunk({}, null), choices: [], usage: usageOf(body, pieces) });
    }
    await stream.writeSSE({ data: '[DONE]' });
  });
}

import { createUIMessageStream, createUIMessageStreamResponse } from 'ai';
import type { Services } from '../../lib/services';
import { followRun } from '../../runs/follow-run';
import { followOptions } from '../runs/handlers';
import { PING_INTERVAL_MS } from '../sse';
import { type ChatUIMessage, uiChunkTranslator } from './ui-chunks';

/**
 * A turn's run as the AI SDK's UI message stream, from its first stored event and then live
 * (src/runs/follow-run.ts), so a resume replays the whole answer. The AI SDK writes the SSE
 * framing, the `data: [DONE]` and the x-vercel-ai-ui-message-stream header; `left` (the client
 * leaving) stops following, never the run.
 */
export function uiMessageStreamOf(
  services: Services,
  runId: string,
  left: AbortSignal,
  pingMs = PING_INTERVAL_MS,
): Response {
  const translate = uiChunkTranslator(runId);
  const stream = createUIMessageStream<ChatUIMessage>({
    execute: async ({ writer }) => {
      for await (const event of followRun(followOptions(services), runId, 0, left)) {
        const cancelled = event.event === 'error' && (await wasStopped(services, runId));
        for (const chunk of translate.chunksOf(event, cancelled)) writer.write(chunk);
      }
    },
    onError: () => 'The chat stream failed on our side.',
  });
  return createUIMessageStreamResponse({ stream, keepAliveMs: pingMs });
}

/** A stopped turn ends with `abort`, a failed one with `error`: the cancel is recorded before the event. */
async function wasStopped(services: Services, runId: string) {
  const run = await services.runs.get(runId);
  return run?.status === 'cancelled' || run?.cancelRequestedAt != null;
}

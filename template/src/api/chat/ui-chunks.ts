import type { UIMessage, UIMessageChunk } from 'ai';
import type { Problem } from '../../lib/errors';
import type { AppView } from '../../lib/run-events';

// A turn's stored run events (src/runs/worker.ts) as the AI SDK's UI message stream chunks: the
// text an action streams becomes one text part per action, each action's progress a `data-step`
// part, the final app goes in the message metadata, and how the run ended becomes `finish`,
// `abort` (stopped) or `error`. The same events give the same chunks, so a resumed stream (a
// replay, as DefaultChatTransport expects) rebuilds exactly the message the first one did.

/** What a chat's assistant message carries as metadata (`sequence_id` once its turn is done). */
export interface ChatMessageMetadata {
  /** The app holding the conversation (a regenerated chat moves to a fork). */
  app_id: string;
  /** The run of the turn: GET /api/v1/runs/{run_id}, and its cancel. */
  run_id: string;
  sequence_id?: number;
}

/** One stored event, as followRun yields it. */
export interface StoredEvent {
  event: string;
  data: unknown;
}

type Step = { action: string; sequence_id: number };
/** A `data-step` part: an action of the turn, running or committed. */
export type ChatStepData = Step & { status: 'running' | 'committed' };
export type ChatChunk = UIMessageChunk<ChatMessageMetadata, { step: ChatStepData }>;
/** The assistant message a client builds from the stream (useChat<ChatUIMessage>). */
export type ChatUIMessage = UIMessage<ChatMessageMetadata, { step: ChatStepData }>;

/** Translates one turn's events in order; keeps which text part is open. */
export function uiChunkTranslator(runId: string) {
  let openText: string | null = null;
  let sequence = 0;
  const closeText = (): ChatChunk[] => {
    if (!openText) return [];
    const id = openText;
    openText = null;
    return [{ type: 'text-end', id }];
  };
  return {
    /** The chunks of one event; `cancelled` says whether an `error` ended a stopped run. */
    chunksOf(event: StoredEvent, cancelled = false): ChatChunk[] {
      switch (event.event) {
        case 'state': {
          const app = event.data as AppView;
          return [
            { type: 'start', messageId: runId, messageMetadata: { app_id: app.app_id, run_id: runId } },
          ];
        }
        case 'action': {
          const step = event.data as Step;
          sequence = step.sequence_id;
          const part = { ...step, status: 'running' as const };
          return [{ type: 'data-step', id: `step-${step.sequence_id}`, data: part }];
        }
        case 'delta': {
          const { action, delta } = event.data as { action: string; delta: unknown };
          if (typeof delta !== 'string') return [];
          if (openText) return [{ type: 'text-delta', id: openText, delta }];
          openText = `text-${action}-${sequence}`;
          return [
            { type: 'text-start', id: openText },
            { type: 'text-delta', id: openText, delta },
          ];
        }
        case 'step': {
          const step = event.data as Step;
          const part = { ...step, status: 'committed' as const };
          return [...closeText(), { type: 'data-step', id: `step-${step.sequence_id}`, data: part }];
        }
        case 'done': {
          const app = event.data as AppView;
          const messageMetadata = { app_id: app.app_id, sequence_id: app.sequence_id, run_id: runId };
          return [...closeText(), { type: 'finish', finishReason: 'stop', messageMetadata }];
        }
        case 'error': {
          const failure = event.data as Problem;
          if (cancelled) return [...closeText(), { type: 'abort', reason: failure.detail ?? 'Stopped.' }];
          return [...closeText(), { type: 'error', errorText: failure.detail ?? failure.title }];
        }
        default:
          return [];
      }
    },
  };
}

import { createRoute, z } from '@hono/zod-openapi';
import { needs } from '../../auth/policy';
import { requiresChat } from '../../auth/requires-chat';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi';
import { RunSchema } from '../views';
import { ChatIdParams, ChatRequestBody } from './schemas';

// The AI SDK flavor of a chat graph (docs/flavors.md): what DefaultChatTransport calls. Each turn
// is a background run, so its stream can be resumed from the stored events on any instance.

const security = [{ bearerAuth: [] }];
const uiMessageStream = (description: string) => ({
  content: {
    'text/event-stream': {
      schema: z
        .string()
        .describe(
          'The AI SDK UI message stream (x-vercel-ai-ui-message-stream: v1): `data:` JSON chunks start, data-step, text-start, text-delta, text-end, finish | abort | error, then `data: [DONE]`',
        ),
    },
  },
  description,
});

export function chatRoutes(graph: string) {
  const tags = [graph, 'chat'];
  return {
    send: createRoute({
      method: 'post',
      path: '/chat',
      operationId: `${graph}_chat`,
      middleware: [requiresChat(needs.run, { existing: false })] as const,
      tags,
      security,
      summary: 'Send a chat message (AI SDK useChat)',
      description:
        "Runs the user's last message as a background turn on the chat's app (created for the caller on first use) and streams the answer as the AI SDK's UI message stream. Only the last user message is read; the history is the server's. `regenerate-message` forks the app before the last answer and answers again; the chat then continues on the fork. Leaving does not stop the turn (see …/stop). 409 while a turn is running, or when the last turn did not finish (regenerate it).",
      request: { body: jsonBody(ChatRequestBody, "DefaultChatTransport's request") },
      responses: {
        200: uiMessageStream('The answer as a UI message stream'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
    resume: createRoute({
      method: 'get',
      path: '/chat/{id}/stream',
      operationId: `${graph}_chat_resume`,
      middleware: [requiresChat(needs.read, { existing: true })] as const,
      tags,
      security,
      summary: 'Resume the active chat turn (AI SDK resume)',
      description:
        'Replays the running turn from its first stored event and continues live, on any instance; 204 when no turn is running. The URL DefaultChatTransport calls with `resume: true`.',
      request: { params: ChatIdParams },
      responses: {
        200: uiMessageStream('The running turn as a UI message stream'),
        204: { description: 'No turn is running' },
        ...errorResponses(401, 404, 429),
      },
    }),
    stop: createRoute({
      method: 'post',
      path: '/chat/{id}/stop',
      operationId: `${graph}_chat_stop`,
      middleware: [requiresChat(needs.run, { existing: true })] as const,
      tags,
      security,
      summary: 'Stop the running chat turn',
      description:
        "Cancels the turn's run (as POST /api/v1/runs/{run_id}/cancel does): its stream ends with an `abort` chunk after the text streamed so far, and the state keeps only committed steps, so the partial answer is not stored. 409 when no turn is running.",
      request: { params: ChatIdParams },
      responses: { 202: jsonContent(RunSchema, 'Stopping'), ...errorResponses(401, 403, 404, 409, 429) },
    }),
  };
}

export type ChatRoutes = ReturnType<typeof chatRoutes>;

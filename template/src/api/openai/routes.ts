import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody, jsonContent } from '../../lib/openapi';
import { openAIErrorResponses } from './errors';
import { ChatCompletion, ChatCompletionRequest, ModelList } from './schemas';

// OpenAI's chat completions over the graphs that opted in to chat (docs/flavors.md), under /v1 so
// an `openai` client with `baseURL: …/v1` and the bearer token as `apiKey` works as it is.

const security = [{ bearerAuth: [] }];
const tags = ['openai'];

export const openAIRoutes = {
  completions: createRoute({
    method: 'post',
    path: '/chat/completions',
    operationId: 'openai_chat_completions',
    tags,
    security,
    summary: 'Create a chat completion (OpenAI-compatible)',
    description:
      "Answers the last user message with the chat graph named by `model`. Each call is a new app (its id is the completion id) seeded with the earlier messages, so it is tracked, viewable and forkable. `stream: true` answers chat.completion.chunk events and `data: [DONE]`. tools, n > 1, logprobs and non-text formats are refused (422); system, developer and tool messages and non-text content too (400). Errors in OpenAI's shape.",
    request: { body: jsonBody(ChatCompletionRequest, "OpenAI's chat completion request") },
    responses: {
      200: {
        content: {
          'application/json': { schema: ChatCompletion },
          'text/event-stream': {
            schema: z
              .string()
              .describe('With stream: true, `data:` chat.completion.chunk objects, then `data: [DONE]`'),
          },
        },
        description: 'The completion, or its chunks when streaming',
      },
      ...openAIErrorResponses(400, 401, 404, 413, 422, 429, 500),
    },
  }),
  models: createRoute({
    method: 'get',
    path: '/models',
    operationId: 'openai_list_models',
    tags,
    security,
    summary: 'List the models (OpenAI-compatible)',
    description: 'The chat graphs the caller may use, one model per graph, named after it.',
    responses: { 200: jsonContent(ModelList, 'The chat graphs'), ...openAIErrorResponses(401, 429) },
  }),
};

export type OpenAIRoutes = typeof openAIRoutes;

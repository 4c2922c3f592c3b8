// Walks the route table of DESIGN.md ("HTTP API") against /openapi.json: every route is documented,
// with its summary, description, tags, bearer security, success response, error responses in the
// shared problem schema, and an operationId; and the document has no /api/v1 route beyond them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app';

/** The chatbot's actions, as DESIGN.md's "The sample chatbot graph" names them. */
const chatbotActions = [
  'prompt',
  'decide_mode',
  'unsafe_response',
  'generate_code',
  'answer_question',
  'generate_poem',
  'prompt_for_more',
];

interface DocumentedRoute {
  method: 'get' | 'head' | 'post' | 'put' | 'delete';
  path: string;
  operationId: string;
  /** The success status and the media type of its body (none for an empty body). */
  success: [status: string, mediaType?: string];
  /** Error statuses the route must document, at least. */
  errors: number[];
}

const app = '/api/v1/chatbot/apps/{app_id}';
// With {graph} = chatbot. Every route answers 401 (no token) and 429 (rate limit); a route naming an
// app or run answers 404; a change answers 403; a body or query answers 422.
const designRoutes: DocumentedRoute[] = [
  {
    method: 'post',
    path: '/api/v1/chatbot/apps',
    operationId: 'chatbot_create_app',
    success: ['201', 'application/json'],
    errors: [400, 401, 403, 404, 422, 429],
  },
  {
    method: 'get',
    path: app,
    operationId: 'chatbot_get_app',
    success: ['200', 'application/json'],
    errors: [401, 404, 429],
  },
  { method: 'head', path: app, operationId: 'chatbot_app_exists', success: ['200'], errors: [401, 404, 429] },
  {
    method: 'get',
    path: '/api/v1/chatbot/apps',
    operationId: 'chatbot_list_apps',
    success: ['200', 'application/json'],
    errors: [401, 422, 429],
  },
  ...chatbotActions.flatMap((action): DocumentedRoute[] => [
    {
      method: 'post',
      path: `${app}/actions/${action}`,
      operationId: `chatbot_${action}`,
      success: ['200', 'application/json'],
      errors: [400, 401, 403, 404, 409, 413, 422, 429],
    },
    {
      method: 'post',
      path: `${app}/actions/${action}/stream`,
      operationId: `chatbot_${action}_stream`,
      success: ['200', 'text/event-stream'],
      errors: [400, 401, 403, 404, 409, 413, 422, 429],
    },
  ]),
  {
    method: 'post',
    path: `${app}/fork`,
    operationId: 'chatbot_fork',
    success: ['201', 'application/json'],
    errors: [400, 401, 403, 404, 409, 422, 429],
  },
  {
    method: 'get',
    path: `${app}/steps`,
    operationId: 'chatbot_list_steps',
    success: ['200', 'application/json'],
    errors: [401, 404, 422, 429],
  },
  {
    method: 'get',
    path: '/api/v1/chatbot/graph',
    operationId: 'chatbot_graph',
    success: ['200', 'application/json'],
    errors: [401, 429],
  },
  {
    method: 'get',
    path: `${app}/steps/{sequence_id}/state`,
    operationId: 'chatbot_step_state',
    success: ['200', 'application/json'],
    errors: [401, 404, 422, 429],
  },
  {
    method: 'get',
    path: `${app}/runs`,
    operationId: 'chatbot_list_app_runs',
    success: ['200', 'application/json'],
    errors: [401, 404, 422, 429],
  },
  {
    method: 'get',
    path: `${app}/streams`,
    operationId: 'chatbot_list_app_streams',
    success: ['200', 'application/json'],
    errors: [401, 404, 422, 429],
  },
  {
    method: 'get',
    path: `${app}/access`,
    operationId: 'chatbot_app_access',
    success: ['200', 'application/json'],
    errors: [401, 404, 429],
  },
  {
    method: 'put',
    path: `${app}/grants/{subject}`,
    operationId: 'chatbot_put_grant',
    success: ['200', 'application/json'],
    errors: [400, 401, 403, 404, 422, 429],
  },
  {
    method: 'delete',
    path: `${app}/grants/{subject}`,
    operationId: 'chatbot_delete_grant',
    success: ['204'],
    errors: [401, 403, 404, 429],
  },
  {
    method: 'get',
    path: `${app}/grants`,
    operationId: 'chatbot_list_grants',
    success: ['200', 'application/json'],
    errors: [401, 403, 404, 429],
  },
  {
    method: 'post',
    path: `${app}/runs`,
    operationId: 'chatbot_create_run',
    success: ['202', 'application/json'],
    errors: [400, 401, 403, 404, 422, 429],
  },
  {
    method: 'get',
    path: '/api/v1/runs/{run_id}',
    operationId: 'get_run',
    success: ['200', 'application/json'],
    errors: [401, 404, 429],
  },
  {
    method: 'get',
    path: '/api/v1/runs/{run_id}/result',
    operationId: 'get_run_result',
    success: ['200', 'application/json'],
    errors: [401, 404, 409, 429],
  },
  {
    method: 'get',
    path: '/api/v1/runs/{run_id}/events',
    operationId: 'run_events',
    success: ['200', 'text/event-stream'],
    errors: [401, 404, 429],
  },
  {
    method: 'get',
    path: '/api/v1/runs/{run_id}/ws',
    operationId: 'run_events_ws',
    success: ['101'],
    errors: [401, 404, 429],
  },
  {
    method: 'post',
    path: '/api/v1/runs/{run_id}/cancel',
    operationId: 'cancel_run',
    success: ['202', 'application/json'],
    errors: [401, 403, 404, 409, 429],
  },
  // The AI SDK flavor of a chat graph (src/api/chat).
  {
    method: 'post',
    path: '/api/v1/chatbot/chat',
    operationId: 'chatbot_chat',
    success: ['200', 'text/event-stream'],
    errors: [400, 401, 403, 404, 409, 413, 422, 429],
  },
  {
    method: 'get',
    path: '/api/v1/chatbot/chat/{id}/stream',
    operationId: 'chatbot_chat_resume',
    success: ['200', 'text/event-stream'],
    errors: [401, 404, 429],
  },
  {
    method: 'post',
    path: '/api/v1/chatbot/chat/{id}/stop',
    operationId: 'chatbot_chat_stop',
    success: ['202', 'application/json'],
    errors: [401, 403, 404, 409, 429],
  },
  // The owner's own example route (src/routes/me.ts).
  {
    method: 'get',
    path: '/api/v1/me',
    operationId: 'get_me',
    success: ['200', 'application/json'],
    errors: [401, 429],
  },
];

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};
let document: {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
let testApp: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  testApp = await createTestApp({ env: { AUTH_DEV_LOGIN: 'true' } });
  document = await (await testApp.app.request('/openapi.json')).json();
});
afterAll(() => testApp.close());

const operationAt = (method: string, path: string) => document.paths[path]?.[method];

describe.each(designRoutes)('$method $path', (route) => {
  it('is documented with a summary, description, tags, bearer security and an operationId', () => {
    const operation = operationAt(route.method, route.path);
    expect(operation, `${route.method} ${route.path} is not in /openapi.json`).toBeDefined();
    expect(operation?.operationId).toBe(route.operationId);
    expect(operation?.summary?.length).toBeGreaterThan(0);
    expect(operation?.description?.length).toBeGreaterThan(0);
    expect(operation?.tags?.length).toBeGreaterThan(0);
    expect(operation?.security).toEqual([{ bearerAuth: [] }]);
  });

  it('documents its success response', () => {
    const [status, mediaType] = route.success;
    const response = operationAt(route.method, route.path)?.responses[status];
    expect(response?.description?.length).toBeGreaterThan(0);
    if (mediaType) expect(response?.content?.[mediaType]?.schema).toBeDefined();
    else expect(response?.content).toBeUndefined();
  });

  it('documents its error responses with the shared problem schema', () => {
    const responses = operationAt(route.method, route.path)?.responses ?? {};
    for (const status of route.errors) {
      const response = responses[status];
      expect(response?.description?.length, `${status} is not documented`).toBeGreaterThan(0);
      // A HEAD response has no body: its errors are documented without one.
      if (route.method === 'head') expect(response?.content).toBeUndefined();
      else
        expect(response?.content).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
    }
  });
});

// OpenAI's routes (src/api/openai) answer errors in OpenAI's shape, not as problems.
const openAIRoutes: DocumentedRoute[] = [
  {
    method: 'post',
    path: '/v1/chat/completions',
    operationId: 'openai_chat_completions',
    success: ['200', 'application/json'],
    errors: [400, 401, 404, 413, 422, 429, 500],
  },
  {
    method: 'get',
    path: '/v1/models',
    operationId: 'openai_list_models',
    success: ['200', 'application/json'],
    errors: [401, 429],
  },
];

describe.each(openAIRoutes)('$method $path', (route) => {
  it('is documented with its summary, bearer security, success and OpenAI-shaped errors', () => {
    const operation = operationAt(route.method, route.path);
    expect(operation?.operationId).toBe(route.operationId);
    expect(operation?.summary?.length).toBeGreaterThan(0);
    expect(operation?.description?.length).toBeGreaterThan(0);
    expect(operation?.security).toEqual([{ bearerAuth: [] }]);
    const [status, mediaType] = route.success;
    expect(operation?.responses[status]?.content?.[mediaType as string]?.schema).toBeDefined();
    for (const error of route.errors) {
      expect(operation?.responses[error]?.content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/OpenAIError' } },
      });
    }
  });
});

describe('the document as a whole', () => {
  it('has no /api/v1 operation beyond the route table', () => {
    const documented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(documented.sort()).toEqual(designRoutes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('gives every /api operation its own operationId', () => {
    const ids = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([, item]) => Object.values(item).map((operation) => operation.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers with the AppView for an app and for a run result', () => {
    const appView = { $ref: '#/components/schemas/ChatbotApp' };
    expect(operationAt('get', app)?.responses['200']?.content?.['application/json']?.schema).toEqual(appView);
    const result = operationAt('get', '/api/v1/runs/{run_id}/result')?.responses['200']?.content?.[
      'application/json'
    ]?.schema;
    expect(result).toEqual(appView);
    expect(document.components.schemas.ChatbotApp).toBeDefined();
  });

  it('documents the unauthenticated routes without a security requirement', () => {
    for (const [method, path] of [
      ['get', '/healthz'],
      ['get', '/readyz'],
      ['post', '/auth/dev-token'],
    ] as const) {
      const operation = operationAt(method, path);
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation?.security ?? [], `${method} ${path}`).toEqual([]);
    }
  });
});

import { createRoute, z } from '@hono/zod-openapi';
import { needs } from '../../auth/policy';
import { requiresRun } from '../../auth/requires';
import type { AnyRunner } from '../../engine';
import { errorResponses, jsonContent } from '../../lib/openapi';
import { openStream } from '../middleware/stream-slots';
import { LastEventIdHeader, RunIdParams } from '../schemas';
import { appViewSchema, RunSchema } from '../views';

// The route definitions of background runs (started by each graph's POST …/apps/{app_id}/runs):
// status, result, events over SSE, cancel. The WebSocket route is in websocket.ts.

const security = [{ bearerAuth: [] }];
const tags = ['runs'];
const request = { params: RunIdParams };

const getRun = createRoute({
  method: 'get',
  path: '/runs/{run_id}',
  operationId: 'get_run',
  middleware: [requiresRun(needs.read)] as const,
  tags,
  security,
  summary: 'Status of a run',
  description: 'queued, running, succeeded, failed or cancelled, with the error and times.',
  request,
  responses: { 200: jsonContent(RunSchema, 'The run'), ...errorResponses(401, 404, 429) },
});

/**
 * A run's result is the AppView of its graph: one schema per mounted graph, and no union of one
 * (a linter flags an anyOf with a single member).
 */
function getResult(runners: Iterable<AnyRunner>) {
  const views = [...runners].map((runner) => appViewSchema(runner.graph.name, runner.graph.state));
  const [only, ...others] = views;
  const AppResult = only && others.length === 0 ? only : z.union(views);
  return createRoute({
    method: 'get',
    path: '/runs/{run_id}/result',
    operationId: 'get_run_result',
    middleware: [requiresRun(needs.read)] as const,
    tags,
    security,
    summary: 'Result of a run',
    description:
      'The AppView where the run halted, once it succeeded; 409 while it is not finished; the problem of a failed run.',
    request,
    responses: {
      200: jsonContent(AppResult, 'The AppView where the run halted'),
      ...errorResponses(401, 404, 409, 422, 429, 500),
    },
  });
}

const events = createRoute({
  method: 'get',
  path: '/runs/{run_id}/events',
  operationId: 'run_events',
  middleware: [requiresRun(needs.read), openStream()] as const,
  tags,
  security,
  summary: 'Events of a run (SSE)',
  description: [
    'The same events as a streamed action, replayed from the start or after `Last-Event-ID` (422 when it is not an event id), then live until done or error; 204 when `Last-Event-ID` is at or after the end of a finished run; 429 when the caller holds STREAMS_PER_USER streams open already.',
    'Each event has an `id:` and one JSON object as `data:`: `state` the AppView before the run; `action` `{ action, sequence_id }` when an action starts; `delta` `{ action, delta }` for each piece a streaming action yields; `step` `{ action, sequence_id }` when a step is committed; `done` the final AppView; `error` a problem object (RFC 9457, with `next`). A `: ping` comment comes every 15 s.',
  ].join('\n\n'),
  request: {
    ...request,
    headers: LastEventIdHeader,
  },
  responses: {
    200: {
      content: { 'text/event-stream': { schema: RunSchema.shape.run_id } },
      description: 'Server-Sent Events',
    },
    204: {
      description:
        'The run has finished and `Last-Event-ID` is its last event (or later): nothing more to send',
    },
    ...errorResponses(401, 404, 422, 429),
  },
});

const cancel = createRoute({
  method: 'post',
  path: '/runs/{run_id}/cancel',
  operationId: 'cancel_run',
  middleware: [requiresRun(needs.run)] as const,
  tags,
  security,
  summary: 'Cancel a run',
  description:
    "A queued run is cancelled at once and never starts. A running run gets the request recorded and its action's AbortSignal fired (at once through the bus, or by its worker's next event or heartbeat); the state stays at the last committed step. 409 once finished.",
  request,
  responses: { 202: jsonContent(RunSchema, 'Cancelling'), ...errorResponses(401, 403, 404, 409, 429) },
});

/** The routes of runs, for the graphs `runners` drive. */
export function runRoutes(runners: Iterable<AnyRunner>) {
  return { getRun, getResult: getResult(runners), events, cancel };
}

export type RunRoutes = ReturnType<typeof runRoutes>;

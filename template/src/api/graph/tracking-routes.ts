import { needs } from '../../auth/policy';
import { errorResponses, jsonContent } from '../../lib/openapi';
import { AppIdParams, AppRunsQuery, AppStreamsQuery, StepParams } from '../schemas';
import { AccessSchema, AppRunsSchema, AppStreamsSchema, StepStateSchema } from '../views';
import type { GraphRouteMaker } from './graph-route';
import { GraphStructureSchema } from './structure';

// The routes the step viewer added to every graph (routes.ts spreads them into its list): the state
// around one step, the graph's own structure, the app's runs (so a page finds the run working on
// the app now and follows its events), the streamed actions working on it now (which leave no run
// to follow: the page shows the action each names), and what the caller may do with the app (so a
// page offers fork only to who may fork, by the same rule as the fork route).

export function trackingRoutes(route: GraphRouteMaker) {
  return {
    stepState: route({
      method: 'get',
      path: '/apps/{app_id}/steps/{sequence_id}/state',
      operation: 'step_state',
      requires: needs.read,
      summary: 'The state around one step',
      description:
        'The whole state before and after the committed step `sequence_id` (404 when there is none).',
      request: { params: StepParams },
      responses: {
        200: jsonContent(StepStateSchema, 'The state before and after the step'),
        ...errorResponses(401, 404, 422, 429),
      },
    }),
    appRuns: route({
      method: 'get',
      path: '/apps/{app_id}/runs',
      operation: 'list_app_runs',
      requires: needs.read,
      alsoTagged: ['runs'],
      summary: 'Background runs of an app',
      description:
        "The app's newest background runs (chat turns included), newest first; `status=active` gives those queued or running, whose events (GET /api/v1/runs/{run_id}/events) show the action working now. A streamed action (…/stream) is not a run: GET …/apps/{app_id}/streams lists those working now.",
      request: { params: AppIdParams, query: AppRunsQuery },
      responses: {
        200: jsonContent(AppRunsSchema, 'The runs'),
        ...errorResponses(401, 404, 422, 429),
      },
    }),
    appStreams: route({
      method: 'get',
      path: '/apps/{app_id}/streams',
      operation: 'list_app_streams',
      requires: needs.read,
      summary: 'Streamed actions working on an app now',
      description:
        'The streamed actions (POST …/actions/{action}/stream) working on the app now, on any instance, oldest first, each with the action it works on and the step that action will commit; a stream is listed from its first action until its last event. A stream whose instance died stops being listed within seconds. Background runs are listed by GET …/apps/{app_id}/runs.',
      request: { params: AppIdParams, query: AppStreamsQuery },
      responses: {
        200: jsonContent(AppStreamsSchema, 'The streams'),
        ...errorResponses(401, 404, 422, 429),
      },
    }),
    access: route({
      method: 'get',
      path: '/apps/{app_id}/access',
      operation: 'app_access',
      requires: needs.read,
      summary: 'What the caller may do with an app',
      description:
        'Its access (read, write through a grant, or manage as owner or admin) and which requests that allows. 404 for a caller who may not read the app.',
      request: { params: AppIdParams },
      responses: {
        200: jsonContent(AccessSchema, "The caller's access"),
        ...errorResponses(401, 404, 429),
      },
    }),
    structure: route({
      method: 'get',
      path: '/graph',
      operation: 'graph',
      summary: 'The graph itself',
      description:
        'Its actions (reads, writes, input JSON Schema), transitions with their conditions named, and halts. Any signed-in caller may read it.',
      responses: {
        200: jsonContent(GraphStructureSchema, 'The graph structure'),
        ...errorResponses(401, 429),
      },
    }),
  };
}

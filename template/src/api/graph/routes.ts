import { z } from '@hono/zod-openapi';
import { needs } from '../../auth/policy';
import type { Graph } from '../../engine/graph';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi';
import { openStream } from '../middleware/stream-slots';
import {
  AppIdParams,
  CreateAppBody,
  forkBodySchema,
  GrantBody,
  GrantParams,
  ListAppsQuery,
  ListGrantsQuery,
  runRequestSchema,
  StepsQuery,
} from '../schemas';
import {
  AppSummarySchema,
  appViewSchema,
  GrantPage,
  GrantSchema,
  RunCreatedSchema,
  StepPage,
} from '../views';
import { type GraphRouteMaker, graphRouteMaker } from './graph-route';
import { trackingRoutes } from './tracking-routes';

/** What the routes need to know of an action: its name and input schema. */
type ActionSignature = { name: string; input?: z.ZodType };

const sseContent = (description: string) => ({
  content: {
    'text/event-stream': { schema: z.string().describe('Events: state, action, delta, step, done | error') },
  },
  description,
});

/** What every route of one graph shares: the graph, its name, its AppView schema, its route maker. */
interface GraphRouteContext {
  graph: Graph;
  graphName: string;
  AppView: ReturnType<typeof appViewSchema>;
  route: GraphRouteMaker;
}

/**
 * The route definitions (OpenAPI operations) of one graph: paths, schemas, documented errors, and
 * the authorization each declares (`requires: needs.…`; graph-route.ts adds what all share).
 * handlers.ts answers them; index.ts mounts the two together.
 */
export function graphRoutes(graph: Graph) {
  const context: GraphRouteContext = {
    graph,
    graphName: graph.name,
    AppView: appViewSchema(graph.name, graph.state),
    route: graphRouteMaker(graph.name),
  };
  return {
    ...appRoutes(context),
    ...historyRoutes(context),
    ...grantRoutes(context),
    ...runRoutes(context),
    action: (action: ActionSignature) => actionRoutes(context, action),
  };
}

/** Get or create, read, test and list apps. */
function appRoutes({ route, AppView, graphName }: GraphRouteContext) {
  return {
    createApp: route({
      method: 'post',
      path: '/apps',
      operation: 'create_app',
      summary: 'Get or create an app',
      description:
        'Creates the app (201) or returns it when it exists (200). A non-admin may only use its own `sub` as partition_key.',
      request: { body: jsonBody(CreateAppBody, 'Optional id and partition') },
      responses: {
        200: jsonContent(AppView, 'The existing app'),
        201: jsonContent(AppView, 'The new app'),
        ...errorResponses(400, 401, 403, 404, 413, 422, 429),
      },
    }),
    getApp: route({
      method: 'get',
      path: '/apps/{app_id}',
      operation: 'get_app',
      requires: needs.read,
      summary: 'Get an app',
      description:
        'The app, its state and the action that may run next. HEAD answers 200 or 404 without a body.',
      request: { params: AppIdParams },
      responses: { 200: jsonContent(AppView, 'The app'), ...errorResponses(401, 404, 429) },
    }),
    headApp: route({
      method: 'head',
      path: '/apps/{app_id}',
      operation: 'app_exists',
      requires: needs.read,
      summary: 'Does the app exist?',
      description: '200 when the app exists and the caller may read it, else 404.',
      request: { params: AppIdParams },
      // A HEAD response has no body, so its errors are documented without the problem schema.
      responses: {
        200: { description: 'It exists' },
        401: { description: 'Missing, invalid or expired bearer token' },
        404: { description: 'Unknown, or not visible to the caller' },
        429: { description: 'Rate limited; see Retry-After' },
      },
    }),
    listApps: route({
      method: 'get',
      path: '/apps',
      operation: 'list_apps',
      summary: 'List apps',
      description: 'Apps the caller may read, newest first, with cursor pagination.',
      request: { query: ListAppsQuery },
      responses: {
        200: jsonContent(
          z
            .object({ items: z.array(AppSummarySchema), next_cursor: z.string().nullable() })
            .openapi(`${graphName}AppPage`),
          'One page of apps',
        ),
        ...errorResponses(401, 422, 429),
      },
    }),
  };
}

/** An app's history: its steps, and forks from any of them. */
function historyRoutes({ graph, route, AppView }: GraphRouteContext) {
  return {
    fork: route({
      method: 'post',
      path: '/apps/{app_id}/fork',
      operation: 'fork',
      requires: needs.fork,
      summary: 'Fork an app at a step',
      description:
        "A new app, owned by the caller, whose state is the source's at `sequence_id` with `state` keys overridden.",
      request: {
        params: AppIdParams,
        body: jsonBody(forkBodySchema(graph.name, graph.state), 'Where to fork from'),
      },
      responses: {
        201: jsonContent(AppView, 'The forked app'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
    steps: route({
      method: 'get',
      path: '/apps/{app_id}/steps',
      operation: 'list_steps',
      requires: needs.read,
      summary: 'Steps of an app',
      description:
        'Every step in log order with its action, inputs, result, writes (what it changed), status and timing; the state it left only with `include=state`. A page ends at `limit` steps or near 1 MB of JSON.',
      request: { params: AppIdParams, query: StepsQuery },
      responses: { 200: jsonContent(StepPage, 'One page of steps'), ...errorResponses(401, 404, 422, 429) },
    }),
    ...trackingRoutes(route),
  };
}

/** Sharing an app: who holds which grant. */
function grantRoutes({ route }: GraphRouteContext) {
  return {
    listGrants: route({
      method: 'get',
      path: '/apps/{app_id}/grants',
      operation: 'list_grants',
      requires: needs.manageGrants,
      summary: 'Who the app is shared with',
      description: 'Owner or admin only. By subject, a page at a time: pass `next_cursor` back as `cursor`.',
      request: { params: AppIdParams, query: ListGrantsQuery },
      responses: {
        200: jsonContent(GrantPage, 'A page of the grants'),
        ...errorResponses(401, 403, 404, 422, 429),
      },
    }),
    putGrant: route({
      method: 'put',
      path: '/apps/{app_id}/grants/{subject}',
      operation: 'put_grant',
      requires: needs.manageGrants,
      summary: 'Share the app',
      description: 'Gives `subject` read or write access. Owner or admin only.',
      request: { params: GrantParams, body: jsonBody(GrantBody, 'The permission') },
      responses: {
        200: jsonContent(GrantSchema, 'The grant'),
        ...errorResponses(400, 401, 403, 404, 413, 422, 429),
      },
    }),
    deleteGrant: route({
      method: 'delete',
      path: '/apps/{app_id}/grants/{subject}',
      operation: 'delete_grant',
      requires: needs.manageGrants,
      summary: 'Stop sharing the app',
      description: 'Owner or admin only. 404 when the subject held no grant; 422 when it is not an id.',
      request: { params: GrantParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 422, 429) },
    }),
  };
}

/** Starting a background run of one of the graph's actions. */
function runRoutes({ graph, route }: GraphRouteContext) {
  return {
    createRun: route({
      method: 'post',
      path: '/apps/{app_id}/runs',
      operation: 'create_run',
      requires: needs.run,
      alsoTagged: ['runs'],
      summary: 'Start a background run',
      description:
        "Queues `action` with `inputs`, which are that action's input schema (422 for an action the graph lacks or inputs that do not match it); a worker runs it like the action route would. 202 at once.",
      request: {
        params: AppIdParams,
        body: jsonBody(runRequestSchema(graph.name, graph.actions.values()), 'The action and its inputs'),
      },
      responses: {
        202: jsonContent(RunCreatedSchema, 'Queued'),
        ...errorResponses(400, 401, 403, 404, 413, 422, 429),
      },
    }),
  };
}

/** One operation per action, and its streaming variant, each with the action's input schema. */
function actionRoutes({ route, AppView, graphName }: GraphRouteContext, action: ActionSignature) {
  const input = (action.input ?? z.object({})) as z.ZodType;
  const request = { params: AppIdParams, body: jsonBody(input, `Inputs of ${action.name}`) };
  const description = `Runs \`${action.name}\` (409 with \`next\` when it may not run now), then steps on through actions that need no input until the ${graphName} graph halts.`;
  return {
    run: route({
      method: 'post',
      path: `/apps/{app_id}/actions/${action.name}`,
      operation: action.name,
      requires: needs.act,
      summary: `Run ${action.name}`,
      description,
      request,
      responses: {
        200: jsonContent(AppView, 'The app where the run halted'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 500),
      },
    }),
    stream: route({
      method: 'post',
      path: `/apps/{app_id}/actions/${action.name}/stream`,
      operation: `${action.name}_stream`,
      requires: needs.act,
      middleware: [openStream()],
      summary: `Run ${action.name}, streaming`,
      description: `${description} Answers Server-Sent Events; leaving aborts the running action. 429 when the caller holds STREAMS_PER_USER streams open already.`,
      request,
      responses: {
        200: sseContent('The run as Server-Sent Events'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
  };
}

export type GraphRoutes = ReturnType<typeof graphRoutes>;
export type ActionRoutes = ReturnType<GraphRoutes['action']>;

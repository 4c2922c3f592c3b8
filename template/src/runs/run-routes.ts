import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import { appViewSchema } from '../api/app-view';
import { loadAuthorized } from '../api/authorize';
import { AppIdParams } from '../api/schemas';
import { sseResponse } from '../api/sse';
import { type Access, needs } from '../auth/policy';
import type { AuthVariables } from '../auth/user';
import type { GrantsRepository } from '../db/grants-repository';
import type { Run, RunsRepository } from '../db/runs-repository';
import { type Problem, ProblemError, problem, problems, zodProblem } from '../lib/errors';
import { createRouter, errorResponses, jsonBody, jsonContent } from '../lib/openapi';
import type { RequestLogVariables } from '../middleware/request-log';
import { type FollowRunOptions, followRun } from './follow-run';
import type { RunBus } from './run-bus';
import { type AnyRunner, endingProblem, withNext } from './run-problem';
import { RunCreatedSchema, RunIdParams, RunRequestSchema, RunSchema, toRunView } from './run-views';

type Env = { Variables: AuthVariables & RequestLogVariables };

export interface RunRoutesOptions {
  applications: ReadonlyMap<string, AnyRunner>;
  runs: RunsRepository;
  grants: GrantsRepository;
  bus: RunBus;
  /** Wakes the local worker so a new run starts without waiting for its poll. */
  onQueued: () => void;
  upgradeWebSocket: UpgradeWebSocket;
  /** How often a follower looks at the database when the bus is silent (RUN_FOLLOW_POLL_MS). */
  followPollMs: number;
}

const security = [{ bearerAuth: [] }];
const tags = ['runs'];
const runParams = { params: RunIdParams };

const eventIdMessage = 'must be the id of an event (a whole number, 0 for the start)';
const EventIdQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, eventIdMessage)
    .optional()
    .openapi({ param: { name: 'after', in: 'query' }, description: 'Resume after this event id' }),
});

/** The event id a client resumes after (Last-Event-ID or ?after=); 422 when it is not one. */
function resumeAfter(value: string | undefined, name: string): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,15}$/.test(value))
    throw problems.unprocessable(`${name} ${eventIdMessage}.`, [{ path: name, message: eventIdMessage }]);
  return Number(value);
}

/** Background runs: queue an action, then read its status, result and events (SSE or WebSocket). */
export function runRoutes(options: RunRoutesOptions) {
  const router = createRouter<Env>();
  // A run's result is the AppView of its graph: one schema per mounted graph.
  const AppResult = z.union(
    [...options.applications.values()].map((application) =>
      appViewSchema(application.graph.name, application.graph.state),
    ),
  );

  const follow: FollowRunOptions = {
    runs: options.runs,
    bus: options.bus,
    pollMs: options.followPollMs,
    endingOf: (run) => withNext(options.applications, run, endingProblem(run)),
  };

  /** The run, if the caller may `needed` its app; 404 for an unknown run or an app it may not see. */
  async function authorizedRun(c: Context<Env>, runId: string, needed: Access): Promise<Run> {
    const run = await options.runs.get(runId);
    const application = run && options.applications.get(run.graph);
    if (!run || !application) throw problems.notFound();
    await loadAuthorized(application, options.grants, c.get('user'), run.appId, needed);
    return run;
  }

  for (const application of options.applications.values()) {
    const graph = application.graph.name;
    const create = createRoute({
      method: 'post',
      path: `/${graph}/apps/{app_id}/runs`,
      operationId: `${graph}_create_run`,
      tags: [graph, ...tags],
      security,
      summary: 'Start a background run',
      description:
        'Queues `action` with `inputs`; a worker runs it like the action route would. 202 at once.',
      request: { params: AppIdParams, body: jsonBody(RunRequestSchema, 'The action and its inputs') },
      responses: {
        202: jsonContent(RunCreatedSchema, 'Queued'),
        ...errorResponses(400, 401, 403, 404, 422, 429),
      },
    });
    router.openapi(create, async (c) => {
      const appId = c.req.valid('param').app_id;
      await loadAuthorized(application, options.grants, c.get('user'), appId, needs.run);
      const { action, inputs } = c.req.valid('json');
      const definition = application.graph.actions.get(action);
      if (!definition)
        throw problems.unprocessable(`The ${graph} graph has no action "${action}".`, [
          { path: 'action', message: 'unknown action' },
        ]);
      const parsed = definition.input?.safeParse(inputs);
      if (parsed && !parsed.success)
        throw new ProblemError(zodProblem(parsed.error, `Inputs of "${action}" do not match its schema`));
      const run = await options.runs.create({ graph, appId, action, inputs, createdBy: c.get('user').sub });
      options.onQueued();
      return c.json({ run_id: run.runId, status: 'queued' as const }, 202);
    });
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/runs/{run_id}',
      operationId: 'get_run',
      tags,
      security,
      summary: 'Status of a run',
      description: 'queued, running, succeeded, failed or cancelled, with the error and times.',
      request: runParams,
      responses: { 200: jsonContent(RunSchema, 'The run'), ...errorResponses(401, 404, 429) },
    }),
    async (c) => c.json(toRunView(await authorizedRun(c, c.req.valid('param').run_id, needs.read)), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/runs/{run_id}/result',
      operationId: 'get_run_result',
      tags,
      security,
      summary: 'Result of a run',
      description:
        'The AppView where the run halted, once it succeeded; 409 while it is not finished; the problem of a failed run.',
      request: runParams,
      responses: {
        200: jsonContent(AppResult, 'The AppView where the run halted'),
        ...errorResponses(401, 404, 409, 422, 429, 500),
      },
    }),
    async (c) => {
      const run = await authorizedRun(c, c.req.valid('param').run_id, needs.read);
      if (run.status === 'queued' || run.status === 'running') {
        throw new ProblemError(problem(409, `The run is ${run.status}; ask again when it has finished.`));
      }
      const last = (await options.runs.listEvents(run.runId, {})).findLast(
        (e) => e.event === 'done' || e.event === 'error',
      );
      if (run.status === 'succeeded' && last?.event === 'done')
        return c.json(last.data as z.infer<typeof AppResult>, 200);
      const failure =
        (last?.event === 'error' ? (last.data as Problem) : undefined) ??
        problem(500, run.error ?? 'The run failed.');
      throw new ProblemError(
        run.status === 'cancelled' ? problem(409, run.error ?? 'The run was cancelled.') : failure,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/runs/{run_id}/events',
      operationId: 'run_events',
      tags,
      security,
      summary: 'Events of a run (SSE)',
      description:
        'The same events as a streamed action, replayed from the start or after `Last-Event-ID` (422 when it is not an event id), then live until done or error.',
      request: runParams,
      responses: {
        200: {
          content: { 'text/event-stream': { schema: RunSchema.shape.run_id } },
          description: 'Server-Sent Events',
        },
        ...errorResponses(401, 404, 422, 429),
      },
    }),
    async (c) => {
      const run = await authorizedRun(c, c.req.valid('param').run_id, needs.read);
      const after = resumeAfter(c.req.header('last-event-id'), 'Last-Event-ID');
      return sseResponse(c, async (events) => {
        for await (const event of followRun(follow, run.runId, after, events.signal)) {
          await events.sendWithId(event.id, event.event, event.data);
        }
      }) as never;
    },
  );

  router.openAPIRegistry.registerPath({
    method: 'get',
    path: '/runs/{run_id}/ws', // the router is mounted at /api/v1, which prefixes its documented paths
    operationId: 'run_events_ws',
    tags,
    security,
    summary: 'Events of a run (WebSocket)',
    description:
      'Upgrade to a WebSocket that sends each event as JSON `{ event, id, data }`, replayed from the start (or after `?after=id`), then closes after done or error. The token goes in `Authorization: Bearer`, or, from a browser (which cannot set headers on a WebSocket), as the subprotocols `bearer, <token>`: `new WebSocket(url, ["bearer", token])`; the server then answers with the subprotocol `bearer`.',
    request: { params: RunIdParams, query: EventIdQuery },
    responses: { 101: { description: 'Switching to WebSocket' }, ...errorResponses(401, 404, 422, 429) },
  });
  // Checked before the upgrade, so a refused client gets a plain HTTP status.
  const authorizeWs: MiddlewareHandler<Env> = async (c, next) => {
    await authorizedRun(c, c.req.param('run_id') ?? '', needs.read);
    resumeAfter(c.req.query('after'), 'after');
    await next();
  };
  router.get(
    '/runs/:run_id/ws',
    authorizeWs,
    options.upgradeWebSocket((c) => {
      const runId = c.req.param('run_id') ?? '';
      const after = resumeAfter(c.req.query('after'), 'after');
      const closed = new AbortController();
      return {
        onOpen: (_event, ws) => {
          void (async () => {
            for await (const event of followRun(follow, runId, after, closed.signal)) {
              ws.send(JSON.stringify({ event: event.event, id: event.id, data: event.data }));
            }
            ws.close(1000, 'run finished');
          })().catch(() => ws.close(1011, 'error'));
        },
        onClose: () => closed.abort(),
      };
    }),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/runs/{run_id}/cancel',
      operationId: 'cancel_run',
      tags,
      security,
      summary: 'Cancel a run',
      description:
        "A queued run is cancelled at once and never starts. A running run gets the request recorded and its action's AbortSignal fired (at once through the bus, or by its worker's next event or heartbeat); the state stays at the last committed step. 409 once finished.",
      request: runParams,
      responses: { 202: jsonContent(RunSchema, 'Cancelling'), ...errorResponses(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const run = await authorizedRun(c, c.req.valid('param').run_id, needs.run);
      const detail = 'The run was cancelled before it started.';
      const cancelled = await options.runs.setStatus(run.runId, 'cancelled', {
        error: detail,
        from: ['queued'],
      });
      if (cancelled) {
        // No worker will touch it: the route writes its last event, so followers see why it ended.
        const ending = await withNext(options.applications, cancelled, problem(409, detail));
        await options.runs.appendEvent(run.runId, 'error', ending);
        await options.bus.publish(run.runId, 'event');
        return c.json(toRunView(cancelled), 202);
      }
      // Running (perhaps claimed since it was read): the request is stored, so whichever worker runs
      // it sees it even if the bus message below is lost.
      const requested = await options.runs.requestCancel(run.runId);
      if (!requested) {
        const now = (await options.runs.get(run.runId)) ?? run;
        throw new ProblemError(
          problem(409, `The run has already ${now.status === 'cancelled' ? 'been cancelled' : 'finished'}.`),
        );
      }
      await options.bus.publish(run.runId, 'cancel');
      return c.json(toRunView(requested), 202);
    },
  );

  return router;
}

import type { RouteConfig, RouteConfigToEnv, RouteHandler } from '@hono/zod-openapi';
import { context } from '@opentelemetry/api';
import { allows, canCreateIn, needs, visibleApps } from '../../auth/policy';
import { accessToApp, type GraphVariables, idTakenProblem } from '../../auth/requires';
import { activeStatuses } from '../../db/runs-repository';
import { type AnyRunner, AppExistsError, type StoredApp, UnknownStepError } from '../../engine';
import type { AppEnv } from '../../lib/env';
import { problems } from '../../lib/errors';
import { decodeStepCursor } from '../../lib/step-cursor';
import { inRunSpan, tracedRun } from '../../tracing/run-spans';
import { traceParentOf } from '../../tracing/traceparent';
import { asProblem, requestSignal } from '../problems';
import { sendRun } from '../sse';
import { boundedStepPage } from '../step-page';
import { appViewJson, toAppSummary, toAppView, toGrantView, toLiveStreamView, toRunView } from '../views';
import type { ActionRoutes, GraphRoutes } from './routes';
import { type GraphStructure, graphStructure } from './structure';

// The answers of one graph's routes (routes.ts defines them). Each is thin: the route has validated
// the request and checked the caller's access (its `requires(…)` loaded `c.var.app`); the handler
// calls the engine or a repository and returns a view.

type GraphEnv = { Variables: AppEnv['Variables'] & GraphVariables };
type Handler<R extends RouteConfig> = RouteHandler<R, GraphEnv & RouteConfigToEnv<R>>;

const view = (runner: AnyRunner, app: StoredApp) => toAppView(app, runner.next(app));

export const createApp: Handler<GraphRoutes['createApp']> = async (c) => {
  const { user, runner } = c.var;
  const body = c.req.valid('json');
  const partitionKey = body.partition_key ?? user.sub;
  if (!canCreateIn(user, partitionKey))
    throw problems.forbidden('You may only create apps in your own partition.');
  // Create answers an app that exists only when it is in the partition asked for; an id held in
  // another partition (found here, or taken by a concurrent create) answers as idTakenProblem says.
  // The insert does nothing on a conflict, so a refused request writes nothing.
  const { app, created } = await runner.create({ appId: body.app_id, partitionKey });
  if (!created && app.partitionKey !== partitionKey)
    throw await idTakenProblem(c.var.services.grants, user, app);
  return c.json(view(runner, app), created ? 201 : 200);
};

export const headApp: Handler<GraphRoutes['headApp']> = (c) => c.body(null, 200);

// The same body and Content-Type as c.json(view(…)), the state's JSON written once per commit
// (appViewJson); the cast tells the route's types it is that JSON. c.get rather than c.var, as in
// requires.ts: every read of an app takes this route.
export const getApp: Handler<GraphRoutes['getApp']> = (c) => {
  const app = c.get('app');
  const json = appViewJson(app, c.get('runner').next(app));
  return c.body(json, 200, { 'Content-Type': 'application/json' }) as unknown as ReturnType<
    typeof c.json<ReturnType<typeof view>, 200>
  >;
};

export const listApps: Handler<GraphRoutes['listApps']> = async (c) => {
  const query = c.req.valid('query');
  const page = await c.var.services.apps.list({
    graph: c.var.runner.graph.name,
    limit: query.limit,
    partitionKey: query.partition_key,
    visibility: visibleApps(c.var.user),
    cursor: query.cursor,
  });
  return c.json({ items: page.items.map(toAppSummary), next_cursor: page.nextCursor }, 200);
};

/** POST …/actions/{action}: runs it and the steps after it; answers where the run halted. */
export const runAction =
  (action: string): Handler<ActionRoutes['run']> =>
  async (c) => {
    const { runner, app } = c.var;
    try {
      const run = { kind: 'request', graph: runner.graph.name, action, appId: app.appId } as const;
      const halted = await inRunSpan(run, () =>
        runner.run(app, { action, inputs: c.req.valid('json'), signal: requestSignal(c) }),
      );
      return c.json(view(runner, halted), 200);
    } catch (error) {
      throw await asProblem(c.var.logger, runner, error, app.appId);
    }
  };

/** POST …/actions/{action}/stream: the same run as Server-Sent Events. */
export const streamAction =
  (action: string): Handler<ActionRoutes['stream']> =>
  async (c) => {
    const { runner, app } = c.var;
    const signal = new AbortController();
    const run = tracedRun(
      { kind: 'stream', graph: runner.graph.name, action, appId: app.appId },
      runner.stream(app, { action, inputs: c.req.valid('json'), signal: signal.signal }),
    );
    // What makes the run impossible (409: not the app's next) throws here, before the stream
    // starts, so the client gets a plain problem rather than an error event.
    const first = await run.next().catch(async (error) => {
      throw await asProblem(c.var.logger, runner, error, app.appId);
    });
    // The 200 is declared as text/event-stream, for which @hono/zod-openapi types the answer as a
    // plain Response (it types JSON and text bodies only): as narrow as it gets, and no cast.
    // While it works, the stream is listed as the app's (GET …/streams: the step viewer marks it).
    const watch = c.var.services.liveStreams.watch({ graph: runner.graph.name, appId: app.appId });
    return sendRun(c, c.var.logger, runner, first, run, signal, watch);
  };

export const fork: Handler<GraphRoutes['fork']> = async (c) => {
  const { user, runner, app: source } = c.var;
  const { grants } = c.var.services;
  const body = c.req.valid('json');
  const taken = body.app_id ? await runner.load(body.app_id) : null;
  if (taken) throw await idTakenProblem(grants, user, taken);
  try {
    const app = await runner.fork(source.appId, {
      appId: body.app_id,
      fromSequence: body.sequence_id,
      stateOverrides: body.state,
      partitionKey: user.sub,
    });
    return c.json(view(runner, app), 201);
  } catch (error) {
    if (error instanceof UnknownStepError) {
      throw problems.unprocessable(error.message, [{ path: 'sequence_id', message: error.message }]);
    }
    // Taken by a concurrent request after the check above: answered the same way, never shown.
    if (error instanceof AppExistsError) throw await idTakenProblem(grants, user, error.app);
    throw await asProblem(c.var.logger, runner, error, source.appId);
  }
};

/** GET …/steps: a page of the log, each step with its writes (and its state with include=state). */
export const steps: Handler<GraphRoutes['steps']> = async (c) => {
  const query = c.req.valid('query');
  const found = await c.var.runner.steps(c.var.app.appId, {
    after: (query.cursor && decodeStepCursor(query.cursor)) || query.after,
    limit: query.limit,
    withState: query.include === 'state',
  });
  const page = boundedStepPage(found, query.limit);
  return c.json({ items: page.items, next_cursor: page.nextCursor }, 200);
};

/** GET …/steps/{sequence_id}/state: the whole state before and after one committed step. */
export const stepState: Handler<GraphRoutes['stepState']> = async (c) => {
  const { runner, app } = c.var;
  const { sequence_id: sequenceId } = c.req.valid('param');
  const noStep = () => problems.notFound(`The app has no committed step ${sequenceId}.`);
  if (sequenceId > app.sequenceId) throw noStep();
  const [before, after] = await Promise.all([
    runner.stateAt(app.appId, sequenceId - 1),
    runner.stateAt(app.appId, sequenceId),
  ]);
  if (!before || !after) throw noStep();
  return c.json(
    { sequence_id: sequenceId, action: after.position, before: before.state, after: after.state },
    200,
  );
};

/** GET …/graph: built once per graph, since a graph does not change while the process runs. */
const structures = new WeakMap<object, GraphStructure>();
export const structure: Handler<GraphRoutes['structure']> = (c) => {
  const { graph } = c.var.runner;
  if (!structures.has(graph)) structures.set(graph, graphStructure(graph));
  return c.json(structures.get(graph) as GraphStructure, 200);
};

/** GET …/runs: the app's newest runs; `status=active` those still queued or running. */
export const appRuns: Handler<GraphRoutes['appRuns']> = async (c) => {
  const { status, limit } = c.req.valid('query');
  const statuses = status === 'active' ? activeStatuses : status ? [status] : undefined;
  const runs = await c.var.services.runs.listForApp(c.var.runner.graph.name, c.var.app.appId, {
    statuses,
    limit,
  });
  return c.json({ items: runs.map(toRunView) }, 200);
};

/** GET …/streams: the streamed actions working on the app now (live_streams, any instance). */
export const appStreams: Handler<GraphRoutes['appStreams']> = async (c) => {
  const { graph } = c.var.runner;
  const { limit } = c.req.valid('query');
  const streams = await c.var.services.liveStreams.listForApp(graph.name, c.var.app.appId, limit);
  return c.json({ items: streams.map(toLiveStreamView) }, 200);
};

/** GET …/access: the caller's access, and what each kind of request needs of it (policy.ts). */
export const access: Handler<GraphRoutes['access']> = async (c) => {
  const access = await accessToApp(c.var.services.grants, c.var.user, c.var.app);
  // requires(needs.read) let the caller in, so its access is at least read.
  if (access === 'none') throw problems.notFound();
  const may = (needed: keyof typeof needs) => allows(access, needs[needed]);
  return c.json(
    {
      access,
      may: {
        read: may('read'),
        act: may('act'),
        fork: may('fork'),
        run: may('run'),
        manage_grants: may('manageGrants'),
      },
    },
    200,
  );
};

export const listGrants: Handler<GraphRoutes['listGrants']> = async (c) => {
  const { limit, cursor } = c.req.valid('query');
  const { grants, more } = await c.var.services.grants.list(c.var.app, { limit, after: cursor });
  const next = more ? grants.at(-1)?.subject : undefined;
  return c.json({ items: grants.map(toGrantView), next_cursor: next ?? null }, 200);
};

export const putGrant: Handler<GraphRoutes['putGrant']> = async (c) => {
  const { subject } = c.req.valid('param');
  const grant = await c.var.services.grants.put(c.var.app, subject, c.req.valid('json').permission);
  return c.json(toGrantView(grant), 200);
};

export const deleteGrant: Handler<GraphRoutes['deleteGrant']> = async (c) => {
  const { subject } = c.req.valid('param');
  if (!(await c.var.services.grants.delete(c.var.app, subject)))
    throw problems.notFound(`${subject} holds no grant on this app.`);
  return c.body(null, 204);
};

/** POST …/runs: queues the action as a background run (src/runs/worker.ts executes it). */
export const createRun: Handler<GraphRoutes['createRun']> = async (c) => {
  const { runner, app, user } = c.var;
  const { runs, runQueued } = c.var.services;
  // The route checked `action` against the graph and `inputs` against its schema: what is stored
  // (and run by the worker) is what was validated, zod's output without the keys it does not name.
  const { action, inputs, webhook } = c.req.valid('json');
  if (webhook) await checkWebhook(c.var.services, webhook.url);
  const run = await runs.create({
    graph: runner.graph.name,
    appId: app.appId,
    action,
    inputs,
    createdBy: user.sub,
    webhookUrl: webhook?.url,
    // The worker (on whichever instance claims the run) starts the run's span as this request's child.
    traceParent: traceParentOf(context.active()),
  });
  runQueued();
  return c.json({ run_id: run.runId, status: 'queued' as const }, 202);
};

/** A webhook needs WEBHOOK_SECRET (it is signed) and a target this server may call. */
async function checkWebhook(services: AppEnv['Variables']['services'], url: string) {
  const refusal = services.webhookTargets
    ? await services.webhookTargets.refusal(url)
    : 'webhooks are off on this server (WEBHOOK_SECRET is not set)';
  if (refusal) {
    throw problems.unprocessable(`The webhook URL is refused: ${refusal}.`, [
      { path: 'webhook.url', message: refusal },
    ]);
  }
}

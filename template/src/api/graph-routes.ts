import type { Context } from 'hono';
import type { z } from 'zod';
import { type Access, canCreateIn, listsEveryApp, needs } from '../auth/policy';
import type { AuthVariables } from '../auth/user';
import type { AppsRepository } from '../db/apps-repository';
import type { Grant, GrantsRepository } from '../db/grants-repository';
import type { GraphRunner } from '../engine/runner';
import { ActionNotAllowedError, AppExistsError } from '../engine/errors';
import type { StoredApp } from '../engine/persister';
import { ProblemError, problem, problems } from '../lib/errors';
import { createRouter } from '../lib/openapi';
import type { DeadlineVariables } from '../middleware/deadline';
import type { RequestLogVariables } from '../middleware/request-log';
import { toAppView } from './app-view';
import { idTakenProblem, loadAuthorized } from './authorize';
import { engineProblem } from './engine-problems';
import { defineGraphRoutes } from './routes';
import { sseResponse } from './sse';

export interface GraphRoutesOptions {
  apps: AppsRepository;
  grants: GrantsRepository;
}

type Env = { Variables: AuthVariables & RequestLogVariables & Partial<DeadlineVariables> };

/** Fires when the client leaves or the request's deadline passes (src/middleware/deadline.ts). */
function requestSignal(c: Context<Env>): AbortSignal {
  const deadline = c.get('deadline');
  return deadline ? AbortSignal.any([c.req.raw.signal, deadline]) : c.req.raw.signal;
}

/**
 * The HTTP API of one graph, derived from its schemas: mount it with
 * `app.route('/api/v1/chatbot', graphRoutes(chatbot, options))` behind `authenticate()`.
 * Handlers stay thin: validate (done by the route schemas), authorize, call the engine, map errors.
 */
export function graphRoutes<Schema extends z.ZodObject>(
  application: GraphRunner<Schema>,
  options: GraphRoutesOptions,
) {
  const graph = application.graph;
  const routes = defineGraphRoutes(graph);
  const router = createRouter<Env>();
  const key = (appId: string) => ({ graph: graph.name, appId });
  const view = (app: StoredApp) => toAppView(app, application.next(app));

  const authorized = (c: Context<Env>, appId: string, needed: Access) =>
    loadAuthorized(application, options.grants, c.get('user'), appId, needed);

  /**
   * The ProblemError an engine error answers with (handlers throw it, so they only ever return the
   * bodies their route declares); anything else is rethrown for the app's 500 handler.
   */
  async function asProblem(c: Context<Env>, error: unknown, appId: string): Promise<ProblemError> {
    const found = await engineProblem(error, async () => {
      const app = await application.load(appId);
      return app ? application.next(app) : null;
    });
    if (!found) throw error;
    if (found.status >= 500) c.get('logger').error({ err: error, appId }, 'action failed');
    return new ProblemError(found);
  }

  router.openapi(routes.createApp, async (c) => {
    const user = c.get('user');
    const body = c.req.valid('json');
    const partitionKey = body.partition_key ?? user.sub;
    if (!canCreateIn(user, partitionKey))
      throw problems.forbidden('You may only create apps in your own partition.');
    // Create answers an app that exists only when it is in the partition asked for; an id held in
    // another partition (found here, or taken by a concurrent create) answers as idTakenProblem says.
    // The insert does nothing on a conflict, so a refused request writes nothing.
    const { app, created } = await application.create({ appId: body.app_id, partitionKey });
    if (!created && app.partitionKey !== partitionKey) throw await idTakenProblem(options.grants, user, app);
    return c.json(view(app), created ? 201 : 200);
  });

  router.openapi(routes.headApp, async (c) => {
    await authorized(c, c.req.valid('param').app_id, needs.read);
    return c.body(null, 200);
  });

  router.openapi(routes.getApp, async (c) => {
    const app = await authorized(c, c.req.valid('param').app_id, needs.read);
    return c.json(view(app), 200);
  });

  router.openapi(routes.listApps, async (c) => {
    const user = c.get('user');
    const query = c.req.valid('query');
    const page = await options.apps.list({
      graph: graph.name,
      limit: query.limit,
      partitionKey: query.partition_key,
      visibleTo: listsEveryApp(user) ? undefined : user.sub,
      cursor: query.cursor,
    });
    const items = page.items.map((app) => {
      const { state: _state, ...summary } = toAppView({ ...app, state: {} }, null);
      return summary;
    });
    return c.json({ items, next_cursor: page.nextCursor }, 200);
  });

  for (const action of graph.actions.values()) {
    const { run, stream } = routes.action(action);

    router.openapi(run, async (c) => {
      const appId = c.req.valid('param').app_id;
      await authorized(c, appId, needs.act);
      try {
        const app = await application.run(appId, {
          action: action.name,
          inputs: c.req.valid('json'),
          signal: requestSignal(c),
        });
        return c.json(view(app), 200);
      } catch (error) {
        throw await asProblem(c, error, appId);
      }
    });

    router.openapi(stream, async (c) => {
      const appId = c.req.valid('param').app_id;
      const before = await authorized(c, appId, needs.act);
      const next = application.next(before);
      // Refuse before the stream starts, so a client gets a plain 409 rather than an error event.
      if (next !== action.name) throw await asProblem(c, new ActionNotAllowedError(action.name, next), appId);
      const inputs = c.req.valid('json');
      const logger = c.get('logger');
      // The 200 is declared as text/event-stream, for which @hono/zod-openapi types the answer as a
      // plain Response (it types JSON and text bodies only): as narrow as it gets, and no cast.
      return sseResponse(c, async (events) => {
        await events.send('state', view(before));
        try {
          const run = application.stream(appId, { action: action.name, inputs, signal: events.signal });
          for (;;) {
            const item = await run.next();
            if (item.done) {
              await events.send('done', view(item.value));
              return;
            }
            await events.send(item.value.event, item.value.data);
          }
        } catch (error) {
          if (events.signal.aborted) return; // The client left; committed steps stay.
          const found =
            (await engineProblem(error, async () => null)) ??
            problem(500, 'Something went wrong on our side.');
          if (found.status >= 500) logger.error({ err: error, appId }, 'streamed run failed');
          const current = await application.load(appId);
          await events.send('error', { ...found, next: current ? application.next(current) : null });
        }
      });
    });
  }

  router.openapi(routes.fork, async (c) => {
    const source = c.req.valid('param').app_id;
    await authorized(c, source, needs.fork);
    const user = c.get('user');
    const body = c.req.valid('json');
    const taken = body.app_id ? await application.load(body.app_id) : null;
    if (taken) throw await idTakenProblem(options.grants, user, taken);
    let app: StoredApp;
    try {
      app = await application.fork(source, {
        appId: body.app_id,
        fromSequence: body.sequence_id,
        stateOverrides: body.state,
        partitionKey: user.sub,
      });
    } catch (error) {
      if (error instanceof RangeError) {
        throw problems.unprocessable(error.message, [{ path: 'sequence_id', message: error.message }]);
      }
      // Taken by a concurrent request after the check above: answered the same way, never shown.
      if (error instanceof AppExistsError) throw await idTakenProblem(options.grants, user, error.app);
      throw await asProblem(c, error, source);
    }
    return c.json(view(app), 201);
  });

  router.openapi(routes.steps, async (c) => {
    const appId = c.req.valid('param').app_id;
    await authorized(c, appId, needs.read);
    const query = c.req.valid('query');
    const steps = await application.steps(appId, query);
    const last = steps.at(-1);
    return c.json(
      {
        items: steps.map((step) => ({
          sequence_id: step.sequenceId,
          action: step.action,
          inputs: step.inputs,
          result: step.result,
          state: step.state,
          status: step.status,
          error: step.error,
          started_at: step.startedAt.toISOString(),
          ended_at: step.endedAt.toISOString(),
          duration_ms: step.durationMs,
        })),
        next_cursor: steps.length === query.limit && last ? last.sequenceId : null,
      },
      200,
    );
  });

  router.openapi(routes.listGrants, async (c) => {
    const appId = c.req.valid('param').app_id;
    await authorized(c, appId, needs.manageGrants);
    const grants = await options.grants.list(key(appId));
    return c.json({ items: grants.map(grantView) }, 200);
  });

  router.openapi(routes.putGrant, async (c) => {
    const { app_id: appId, subject } = c.req.valid('param');
    await authorized(c, appId, needs.manageGrants);
    const grant = await options.grants.put(key(appId), subject, c.req.valid('json').permission);
    return c.json(grantView(grant), 200);
  });

  router.openapi(routes.deleteGrant, async (c) => {
    const { app_id: appId, subject } = c.req.valid('param');
    await authorized(c, appId, needs.manageGrants);
    if (!(await options.grants.delete(key(appId), subject)))
      throw problems.notFound(`${subject} holds no grant on this app.`);
    return c.body(null, 204);
  });

  return router;
}

const grantView = (grant: Grant) => ({
  subject: grant.subject,
  permission: grant.permission,
  created_at: grant.createdAt.toISOString(),
});

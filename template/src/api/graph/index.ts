import type { GraphVariables } from '../../auth/requires';
import type { AnyRunner } from '../../engine';
import type { AppEnv } from '../../lib/env';
import { createRouter } from '../../lib/openapi';
import * as handlers from './handlers';
import { graphRoutes } from './routes';

/**
 * The HTTP API of one graph, derived from its schemas: its app, action, fork, steps, grants and
 * background-run routes. createApp mounts it at graphPath(graph.name) behind authentication, once
 * for every graph listed in src/graphs.ts.
 */
export function mountGraph(runner: AnyRunner) {
  const routes = graphRoutes(runner.graph);
  const router = createRouter<{ Variables: AppEnv['Variables'] & GraphVariables }>();
  router.use(async (c, next) => {
    c.set('runner', runner);
    await next();
  });
  router
    .openapi(routes.createApp, handlers.createApp)
    .openapi(routes.headApp, handlers.headApp)
    .openapi(routes.getApp, handlers.getApp)
    .openapi(routes.listApps, handlers.listApps)
    .openapi(routes.fork, handlers.fork)
    .openapi(routes.steps, handlers.steps)
    .openapi(routes.stepState, handlers.stepState)
    .openapi(routes.structure, handlers.structure)
    .openapi(routes.appRuns, handlers.appRuns)
    .openapi(routes.appStreams, handlers.appStreams)
    .openapi(routes.access, handlers.access)
    .openapi(routes.listGrants, handlers.listGrants)
    .openapi(routes.putGrant, handlers.putGrant)
    .openapi(routes.deleteGrant, handlers.deleteGrant)
    .openapi(routes.createRun, handlers.createRun);
  for (const action of runner.graph.actions.values()) {
    const { run, stream } = routes.action(action);
    router.openapi(run, handlers.runAction(action.name)).openapi(stream, handlers.streamAction(action.name));
  }
  return router;
}

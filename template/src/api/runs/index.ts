import type { UpgradeWebSocket } from 'hono/ws';
import type { AnyRunner } from '../../engine';
import type { AppEnv } from '../../lib/env';
import { createRouter } from '../../lib/openapi';
import * as handlers from './handlers';
import { runRoutes } from './routes';
import { addRunWebSocket, webSocketPath } from './websocket';

/**
 * The background-run routes shared by every graph (each graph's own POST …/runs starts one):
 * status, result, events over SSE and WebSocket, cancel. createApp mounts them at /api/v1.
 */
export function mountRuns(runners: Iterable<AnyRunner>, upgradeWebSocket: UpgradeWebSocket) {
  const routes = runRoutes(runners);
  const router = createRouter<AppEnv>()
    .openapi(routes.getRun, handlers.getRun)
    .openapi(routes.getResult, handlers.getResult)
    .openapi(routes.events, handlers.events)
    .openapi(routes.cancel, handlers.cancel);
  router.openAPIRegistry.registerPath(webSocketPath);
  addRunWebSocket(router, upgradeWebSocket);
  return router;
}

import type { ChatVariables } from '../../auth/requires-chat';
import type { ChatMapping } from '../../chat/mapping';
import type { AnyRunner } from '../../engine';
import type { AppEnv } from '../../lib/env';
import { createRouter } from '../../lib/openapi';
import * as handlers from './handlers';
import { chatRoutes } from './routes';

/**
 * The AI SDK chat routes of one graph that opted in to chat (src/graphs.ts, `withChat`):
 * POST …/chat, GET …/chat/{id}/stream, POST …/chat/{id}/stop. createApp mounts them at
 * graphPath(graph.name), beside the graph's own routes.
 */
export function mountChat(runner: AnyRunner, mapping: ChatMapping<unknown>) {
  const routes = chatRoutes(runner.graph.name);
  const router = createRouter<{ Variables: AppEnv['Variables'] & Partial<ChatVariables> }>();
  router.use(async (c, next) => {
    c.set('runner', runner);
    c.set('chatMapping', mapping);
    await next();
  });
  return router
    .openapi(routes.send, handlers.send)
    .openapi(routes.resume, handlers.resume)
    .openapi(routes.stop, handlers.stop);
}

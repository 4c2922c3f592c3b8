import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../lib/env';
import { createRouter } from '../../lib/openapi';
import { openAIErrors } from './errors';
import * as handlers from './handlers';
import { openAIRoutes } from './routes';

export { OPENAI_PREFIX } from '../paths';

/**
 * POST /v1/chat/completions and GET /v1/models over the chat graphs, behind the same
 * authentication and rate limit as /api (`authenticated`), answering errors in OpenAI's shape.
 */
export function mountOpenAI(authenticated: readonly MiddlewareHandler[]) {
  const router = createRouter<AppEnv>();
  router.use(openAIErrors(), ...authenticated);
  return router
    .openapi(openAIRoutes.completions, handlers.completions)
    .openapi(openAIRoutes.models, handlers.models);
}

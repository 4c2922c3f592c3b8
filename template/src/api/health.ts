import { createRoute, z } from '@hono/zod-openapi';
import { ProblemError, problem } from '../lib/errors';
import { createRouter, errorResponses, jsonContent } from '../lib/openapi';

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'healthz',
  tags: ['system'],
  security: [],
  summary: 'Liveness',
  description: 'Answers while the process serves requests; it touches no dependency.',
  // 429: a probe counts against the per-address limit of requests without a token, like any other.
  responses: { 200: jsonContent(HealthSchema, 'The process is up'), ...errorResponses(429) },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'readyz',
  tags: ['system'],
  security: [],
  summary: 'Readiness',
  description: 'Runs a query against the database; a load balancer sends traffic only on 200.',
  responses: {
    200: jsonContent(HealthSchema, 'The database answers'),
    ...errorResponses(429, 503),
  },
});

/** Liveness and readiness probes; `checkDatabase` throws when the database does not answer. */
export function healthRoutes(checkDatabase: () => Promise<void>) {
  return createRouter()
    .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyz, async (c) => {
      try {
        await checkDatabase();
        return c.json({ status: 'ok' as const }, 200);
      } catch {
        // A problem like every other error; the cause stays out of the answer (it may name hosts).
        throw new ProblemError(problem(503, 'The database did not answer.'));
      }
    });
}

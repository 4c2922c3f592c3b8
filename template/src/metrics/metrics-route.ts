import { createHash, timingSafeEqual } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { ProblemError, problem } from '../lib/errors';
import { createRouter, errorResponses } from '../lib/openapi';
import type { AppMetrics } from './metrics';

const scrape = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  tags: ['system'],
  security: [{ metricsToken: [] }],
  summary: 'Prometheus metrics',
  description:
    'The process and app metrics in the Prometheus text format (docs/operations.md lists them). ' +
    'Served only when METRICS_TOKEN is set, to a caller sending it as `Authorization: Bearer <METRICS_TOKEN>` ' +
    '(a token of its own, not a user JWT); without METRICS_TOKEN the route does not exist (404).',
  responses: {
    200: {
      content: {
        'text/plain': { schema: z.string().openapi({ example: 'switchyard_runs{status="queued"} 0' }) },
      },
      description: 'The metrics, Prometheus text format 0.0.4',
    },
    // 429: outside /api, a scrape counts against the per-address limit of requests without a user token.
    ...errorResponses(401, 404, 429),
  },
});

/** Compared as digests, so the comparison takes the same time whatever the caller sent. */
const digest = (value: string) => createHash('sha256').update(value).digest();

const refused = () =>
  new ProblemError(problem(401, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.'), {
    'WWW-Authenticate': 'Bearer realm="metrics"',
  });

/** GET /metrics for a caller with `Bearer <token>`; mounted only when METRICS_TOKEN is set. */
export function metricsRoutes(metrics: AppMetrics, token: string) {
  const expected = digest(token);
  return createRouter().openapi(scrape, async (c) => {
    const [scheme, given] = (c.req.header('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !given || !timingSafeEqual(digest(given), expected)) {
      throw refused();
    }
    const body = await metrics.registry.metrics();
    return c.text(body, 200, { 'content-type': metrics.registry.contentType });
  });
}

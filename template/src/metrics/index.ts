import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import type { Database } from '../db/client';
import { httpMetrics } from './http-metrics';
import { createMetrics } from './metrics';
import { metricsRoutes } from './metrics-route';
import { MetricsTracker } from './metrics-tracker';
import { addRunGauges } from './run-gauges';

export type { AppMetrics } from './metrics';
export type StreamKind = 'sse' | 'websocket';

/**
 * The app's Prometheus metrics and the hooks that feed them, built only when METRICS_TOKEN is set:
 * without it createApp adds no middleware, no tracker and no route, so nothing is counted.
 */
export function instrumentation(database: Database) {
  const metrics = createMetrics();
  addRunGauges(metrics, database);
  const cacheHit = metrics.tokenCache.labels({ result: 'hit' });
  const cacheMiss = metrics.tokenCache.labels({ result: 'miss' });
  const streams = {
    sse: metrics.openStreams.labels({ kind: 'sse' }),
    websocket: metrics.openStreams.labels({ kind: 'websocket' }),
  };
  return {
    metrics,
    /** For the request log: counts each answered request (switchyard_http_request_duration_seconds). */
    observeRequest: httpMetrics(metrics.httpRequests),
    tracker: new MetricsTracker(metrics),
    onTokenCacheLookup: (hit: boolean) => (hit ? cacheHit : cacheMiss).inc(),
    /** Counts a stream as open; call what it returns once, when the stream closes. */
    streamOpened(kind: StreamKind) {
      streams[kind].inc();
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        streams[kind].dec();
      };
    },
    /** Adds GET /metrics (and its security scheme in OpenAPI) to `app`. */
    mount<E extends Env>(app: OpenAPIHono<E>, token: string) {
      app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', {
        type: 'http',
        scheme: 'bearer',
        description: 'METRICS_TOKEN, a secret of its own (not a user JWT)',
      });
      app.route('/', metricsRoutes(metrics, token));
    },
  };
}

export type Instrumentation = ReturnType<typeof instrumentation>;

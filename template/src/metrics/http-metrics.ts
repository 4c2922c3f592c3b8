import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { Histogram } from 'prom-client';

type Labels = 'route' | 'method' | 'status';

/** A client picks the method: any other is counted as OTHER, so it cannot add series at will. */
const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request into `histogram`, labelled by the route template that answered
 * (`/api/v1/chatbot/apps/:app_id`, never the raw path, so an id never becomes a series) or the
 * middleware that did (`/api/*` for a 401), its method and status. For a stream, the time until the
 * response started.
 */
export function httpMetrics(histogram: Histogram<Labels>) {
  // prom-client hashes a label object on every observe; the child of each route/method/status is
  // looked up once and kept (a bounded set: routes × methods × statuses).
  const children = new Map<string, ReturnType<Histogram<Labels>['labels']>>();
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // After next(), the route index is the one of the handler (or middleware) that answered.
    const route = routePath(c) || 'unmatched';
    const method = knownMethods.has(c.req.method) ? c.req.method : 'OTHER';
    const key = `${method} ${c.res.status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = histogram.labels({ route, method, status: String(c.res.status) });
      children.set(key, child);
    }
    child.observe(seconds);
  });
}

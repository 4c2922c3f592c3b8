import type { Context } from 'hono';
import { routePath } from 'hono/route';
import type { KeyedHistogram } from './keyed-histogram';

/** A client picks the method: any other is counted as OTHER, so it cannot add series at will. */
const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Counts one answered request; the request log calls it with the time it measured. */
export type RequestObserver = (c: Context, seconds: number) => void;

/**
 * Times every request into `histogram`, labelled by the route template that answered
 * (`/api/v1/chatbot/apps/:app_id`, never the raw path, so an id never becomes a series) or the
 * middleware that did (`/api/*` for a 401), its method and status. For a stream, the time until the
 * response started. Called by the request log (src/api/middleware/request-log.ts), which times every
 * request anyway: a middleware of its own was one more async layer and clock pair per request.
 */
export function httpMetrics(histogram: KeyedHistogram): RequestObserver {
  return (c, seconds) => {
    // After next(), the route index is the one of the handler (or middleware) that answered.
    const route = routePath(c) || 'unmatched';
    const method = knownMethods.has(c.req.method) ? c.req.method : 'OTHER';
    const status = c.res.status;
    // A bounded set of series: routes × methods × statuses.
    histogram.observe(
      `${method} ${status} ${route}`,
      () => ({ route, method, status: String(status) }),
      seconds,
    );
  };
}

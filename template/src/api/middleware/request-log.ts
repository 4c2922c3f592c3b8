import { createMiddleware } from 'hono/factory';
import type { MiddlewareHandler } from 'hono/types';
import type { Logger } from '../../lib/logger';
import type { RequestObserver } from '../../metrics/http-metrics';
import { setResponseHeader } from './response-headers';

export type RequestLogVariables = { requestId: string; logger: Logger };

/** What hono/request-id accepts from a caller: at most 64 word characters, `-` or `=`. */
const SANE_REQUEST_ID = /^[\w\-=]{1,64}$/;

/**
 * A request id and its child logger for handlers, and one log line per request, which `observe`
 * (the HTTP metrics, when METRICS_TOKEN is set) also gets with the time taken. The id is the
 * caller's X-Request-Id when it looks sane (as hono/request-id takes it), else a random UUID, set as
 * `c.get('requestId')` and sent back in X-Request-Id (on the Node response: response-headers.ts).
 */
export function requestLog(
  logger: Logger,
  observe?: RequestObserver,
): MiddlewareHandler<{ Variables: RequestLogVariables }> {
  return createMiddleware<{ Variables: RequestLogVariables }>(async (c, next) => {
    const given = c.req.header('X-Request-Id');
    const requestId = given && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', requestId);
    setResponseHeader(c, 'X-Request-Id', requestId);
    const started = performance.now();
    c.set('logger', logger.child({ requestId }));
    await next();
    const ms = performance.now() - started;
    observe?.(c, ms / 1000);
    // One line per request, written when the handler returns (for SSE: when the stream starts).
    logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(ms * 100) / 100,
      },
      'request',
    );
  });
}

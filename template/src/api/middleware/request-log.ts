import { createMiddleware } from 'hono/factory';
import type { MiddlewareHandler } from 'hono/types';
import type { Logger } from '../../lib/logger';
import { setResponseHeader } from './response-headers';

export type RequestLogVariables = { requestId: string; logger: Logger };

/** What hono/request-id accepts from a caller: at most 64 word characters, `-` or `=`. */
const SANE_REQUEST_ID = /^[\w\-=]{1,64}$/;

/**
 * A request id and its child logger for handlers, and one log line per request. The id is the
 * caller's X-Request-Id when it looks sane (as hono/request-id takes it), else a random UUID, set as
 * `c.get('requestId')` and sent back in X-Request-Id (on the Node response: response-headers.ts).
 */
export function requestLog(logger: Logger): MiddlewareHandler<{ Variables: RequestLogVariables }> {
  return createMiddleware<{ Variables: RequestLogVariables }>(async (c, next) => {
    const given = c.req.header('X-Request-Id');
    const requestId = given && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', requestId);
    setResponseHeader(c, 'X-Request-Id', requestId);
    const started = performance.now();
    c.set('logger', logger.child({ requestId }));
    await next();
    // One line per request, written when the handler returns (for SSE: when the stream starts).
    logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      },
      'request',
    );
  });
}

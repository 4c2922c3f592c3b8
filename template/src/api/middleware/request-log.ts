import { every } from 'hono/combine';
import { createMiddleware } from 'hono/factory';
import { type RequestIdVariables, requestId } from 'hono/request-id';
import type { MiddlewareHandler } from 'hono/types';
import type { Logger } from '../../lib/logger';

export type RequestLogVariables = RequestIdVariables & { logger: Logger };

/**
 * A request id and its child logger for handlers, and one log line per request. The id is Hono's
 * requestId(): the caller's X-Request-Id when it looks sane (at most 64 word characters, `-` or `=`),
 * else a random UUID, set as `c.get('requestId')` and sent back in X-Request-Id.
 */
export function requestLog(logger: Logger): MiddlewareHandler<{ Variables: RequestLogVariables }> {
  const logRequest = createMiddleware<{ Variables: RequestLogVariables }>(async (c, next) => {
    const requestId = c.get('requestId');
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
  return every(requestId({ limitLength: 64 }), logRequest);
}

import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { Logger } from '../../lib/logger';

export type RequestLogVariables = { requestId: string; logger: Logger };

/** A request id (the caller's X-Request-Id when it looks sane) and its child logger for handlers. */
export function requestLog(logger: Logger) {
  return createMiddleware<{ Variables: RequestLogVariables }>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    const started = performance.now();
    c.set('requestId', requestId);
    c.set('logger', logger.child({ requestId }));
    c.header('X-Request-Id', requestId);
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

import type { IncomingMessage } from 'node:http';
import { createMiddleware } from 'hono/factory';

/**
 * Sends `Connection: close` on a response given before the request's body had fully arrived (an
 * early 413, 401, 415 or 404). Otherwise the response says keep-alive while @hono/node-server
 * drains the rest of the body for 500 ms and then destroys the socket, and a pooled client (Node's
 * fetch) that sends its next request on that socket sees "other side closed".
 *
 *     app.use(closeUnreadBody()); // first, so it sees the final response of every route
 */
export function closeUnreadBody() {
  return createMiddleware(async (c, next) => {
    await next();
    // Only on node:http (app.request() in tests has no socket); `complete` is true once the whole
    // message, body included, has been received, whether or not a handler read it.
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming && !incoming.complete) c.res.headers.set('Connection', 'close');
  });
}

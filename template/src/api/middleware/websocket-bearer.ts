import type { MiddlewareHandler } from 'hono';

/** The subprotocol a browser offers before its token: `new WebSocket(url, ['bearer', token])`. */
const BEARER_SUBPROTOCOL = 'bearer';

/**
 * Browsers cannot set headers on a WebSocket, but they can offer subprotocols. On a WebSocket upgrade
 * with no Authorization header, this takes `Sec-WebSocket-Protocol: bearer, <token>` and hands the
 * token on as `Authorization: Bearer <token>`, so the usual authentication checks it. The server
 * accepts the first subprotocol offered (`bearer`), so the token is never echoed back. Mount it
 * before `authenticate`, on the WebSocket routes only.
 */
export function webSocketBearer(): MiddlewareHandler {
  return async (c, next) => {
    const offered = c.req.header('sec-websocket-protocol');
    const upgrading = c.req.header('upgrade')?.toLowerCase() === 'websocket';
    if (offered && upgrading && !c.req.header('authorization')) {
      const [scheme, token, ...more] = offered.split(',').map((protocol) => protocol.trim());
      if (scheme === BEARER_SUBPROTOCOL && token && more.length === 0) {
        c.req.raw.headers.set('authorization', `Bearer ${token}`);
      }
    }
    await next();
  };
}

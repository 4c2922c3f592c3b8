import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { createMiddleware } from 'hono/factory';

/**
 * @hono/node-server answers an upgrade the app refused (401, 404, 422, 429 …) with its status line
 * and headers but no body: the app's problem+json is dropped. Mounted first on the WebSocket route,
 * this makes the socket's one `end(statusLine)` call write the app's whole response instead. An
 * accepted upgrade, and every request that is not an upgrade (it has a Node response), are left
 * alone.
 *
 *     app.use('/api/v1/runs/:run_id/ws', fullWebSocketRefusals());
 */
export function fullWebSocketRefusals() {
  return createMiddleware(async (c, next) => {
    await next();
    // An upgrade reaches the app with the Node request but no Node response (the socket is raw).
    const env = c.env as { incoming?: IncomingMessage; outgoing?: unknown } | undefined;
    const socket = env?.incoming?.socket as Socket | undefined;
    if (c.res.status < 400 || !socket || env?.outgoing) return;
    const whole = await serialize(c.res.clone());
    // The adapter ends the socket with its status line next: send ours in its place, once.
    const end = socket.end.bind(socket);
    socket.end = (() => end(whole)) as Socket['end'];
  });
}

/** An HTTP/1.1 response as bytes, on a connection that closes after it. */
async function serialize(response: Response): Promise<Buffer> {
  const body = Buffer.from(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
  for (const [name, value] of response.headers) {
    if (name !== 'connection' && name !== 'content-length') lines.push(`${name}: ${value}`);
  }
  lines.push('connection: close', `content-length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]);
}

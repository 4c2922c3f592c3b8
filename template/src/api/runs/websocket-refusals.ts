import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** What createNodeWebSocket calls for each upgrade request: the app's own `request`. */
type RequestFn = (input: URL, init: RequestInit, env: { incoming?: IncomingMessage }) => Promise<Response>;

/**
 * @hono/node-ws answers an upgrade the app refused (401, 404, 422, 429 …) with a bare status line:
 * the app's problem+json body and its headers (WWW-Authenticate, Retry-After) are dropped. This
 * wraps the app it is given so that, for a refusal, the socket's one `end(statusLine)` call writes
 * the app's whole response instead. An accepted upgrade answers 200 and is left alone.
 *
 *     createNodeWebSocket({ app: withFullRefusals(app) })
 */
export function withFullRefusals<App extends { request: unknown }>(app: App): App {
  const request = (app.request as RequestFn).bind(app);
  const wrapped: RequestFn = async (input, init, env) => {
    const response = await request(input, init, env);
    const socket = env.incoming?.socket as Socket | undefined;
    if (response.status >= 400 && socket) {
      const whole = await serialize(response);
      // node-ws ends the socket with its status line next: send ours in its place, once.
      const end = socket.end.bind(socket);
      socket.end = (() => end(whole)) as Socket['end'];
    }
    return response;
  };
  return new Proxy(app, { get: (target, key) => (key === 'request' ? wrapped : Reflect.get(target, key)) });
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

import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** The app's fetch as @hono/node-server calls it: the Node request and response ride in `env`. */
export type NodeFetch = (request: Request, env?: unknown) => Response | Promise<Response>;

/**
 * @hono/node-server answers an upgrade the app refused (401, 404, 422, 429 …) with its status line
 * and headers but no body: the app's problem+json is dropped. This wraps the app's fetch so that,
 * for a refused upgrade on any path, the socket's one `end(statusLine)` call writes the app's whole
 * response instead. Plain HTTP requests (they come with a Node response) pass straight through, and
 * an accepted upgrade is left alone.
 *
 *     serve({ fetch: withFullRefusals(app.fetch), websocket: { server: webSockets } })
 */
export function withFullRefusals(fetch: NodeFetch): NodeFetch {
  return (request, env) => {
    const node = env as { incoming?: IncomingMessage; outgoing?: unknown } | undefined;
    if (node?.outgoing || !node?.incoming) return fetch(request, env);
    return refusedInFull(fetch(request, env), node.incoming.socket as Socket);
  };
}

async function refusedInFull(answer: Response | Promise<Response>, socket: Socket): Promise<Response> {
  const response = await answer;
  if (response.status < 400) return response;
  const whole = await serialize(response.clone());
  // The adapter ends the socket with its status line next: send ours in its place, once.
  const end = socket.end.bind(socket);
  socket.end = (() => end(whole)) as Socket['end'];
  return response;
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

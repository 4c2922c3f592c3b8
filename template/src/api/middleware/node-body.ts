import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

// Request bodies on node:http without the web-stream detour. On @hono/node-server, the first look
// at a body through Hono (`c.req.raw.body`, `c.req.json()`) builds a full undici Request around a
// web stream of the Node stream. Measured over HTTP (autocannon c=50, a 34-byte JSON POST echoed
// back): 200–240 µs of server CPU a request that way, 43–55 µs reading the same body from the
// Node stream (docs/benchmarks.md, "The hot path, third pass"). hono/body-limit took that first
// look on every POST. Without node:http (app.request() in tests), or without a Content-Length,
// bodies go through Hono as before.

type NodeRequest = IncomingMessage & { rawBody?: Buffer };

/** The Node request and the body length it declares, when there is one and nothing overrides it. */
function declared(c: Context): { incoming: NodeRequest; length: number } | undefined {
  const incoming = (c.env as { incoming?: NodeRequest } | undefined)?.incoming;
  const header = incoming?.headers['content-length'];
  if (!incoming || header === undefined || incoming.headers['transfer-encoding'] !== undefined) return;
  return { incoming, length: Number.parseInt(header, 10) || 0 };
}

/**
 * hono/body-limit, except that a body whose Content-Length node:http enforces is judged by that
 * header alone, as bodyLimit itself judges it, without touching the body.
 */
export function limitBody(maxSize: number, tooLarge: (c: Context) => Response): MiddlewareHandler {
  const hono = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const body = declared(c);
    if (!body) return hono(c, next);
    if (body.length > maxSize) return tooLarge(c);
    await next();
  };
}

/**
 * Reads the body from the Node request and hands Hono its text, so `c.req.json()` and
 * `c.req.text()` (storableJson, the route's validator) take it from there. The buffer is also left
 * as `incoming.rawBody`, which @hono/node-server uses as the body if something asks for the full
 * Request later (`c.req.raw.signal` does). For text bodies (JSON): Hono derives other reads from
 * the text.
 */
export async function readTextBodyFromNode(c: Context): Promise<void> {
  const body = declared(c);
  if (!body || body.incoming.rawBody || body.incoming.readableEnded) return;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body.incoming) chunks.push(chunk as Buffer);
  } catch {
    return; // The client went away mid-body: Hono's own read then fails as it would have (400).
  }
  body.incoming.rawBody = Buffer.concat(chunks);
  // TextDecoder drops a leading BOM and replaces bad UTF-8, as Request.text() does.
  const text = new TextDecoder().decode(body.incoming.rawBody);
  // Hono keeps the promise of each body read here (its d.ts types the slot as the method).
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
}

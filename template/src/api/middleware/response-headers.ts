import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';

// Headers every response carries (security headers, the request id, the rate limit) go on the Node
// response itself when the app is served by node:http: @hono/node-server puts it on
// `c.env.outgoing`, and node:http merges what is set there with what the route answers (a header the
// route sets itself wins). Through Hono's `c.header()` instead, a response carries an undici
// `Headers`, which @hono/node-server then walks to write it: measured over HTTP on Node 20, bare
// Hono answering JSON took 22–26 µs of CPU a request, and with one `c.header()` more (Hono's
// requestId) 44 µs. The app's read set 14 headers so (docs/benchmarks.md, "The hot path, third pass").
// Without node:http (`app.request()` in tests) the headers go through Hono as before.

const nodeResponse = (c: Context) => (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;

/** Sets a header on the response this request gets; call it before the route answers. */
export function setResponseHeader(c: Context, name: string, value: string) {
  const outgoing = nodeResponse(c);
  if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/**
 * The headers `middleware` adds to a response, taken once and set on every response, unless the
 * route set the header itself. For middleware whose headers never change (hono/secure-headers with a
 * policy that has no nonce): each request copies them instead of building them again.
 */
export function constantHeaders(middleware: MiddlewareHandler): MiddlewareHandler {
  const probe = new Hono().use(middleware).get('/', (c) => c.body(null, 204));
  const captured = Promise.resolve(probe.request('/')).then((response) =>
    [...response.headers].filter(([name]) => name !== 'content-type'),
  );
  let headers: [string, string][] | undefined;
  captured.then((taken) => {
    headers = taken;
  });
  return createMiddleware(async (c, next) => {
    const taken = headers ?? (await captured);
    const outgoing = nodeResponse(c);
    if (outgoing) {
      for (const [name, value] of taken) outgoing.setHeader(name, value);
      return next();
    }
    await next();
    for (const [name, value] of taken) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
  });
}

import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { HonoRequest } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { tracer } from './tracer';

/**
 * Reads propagation headers (traceparent, baggage) from the request, only when asked: on
 * @hono/node-server the headers object is built on first use, which a request without an SDK
 * should not pay for.
 */
const headerGetter = {
  get: (request: HonoRequest, key: string) => request.header(key),
  keys: (request: HonoRequest) => Object.keys(request.header()),
};

/**
 * A server span per request, named `METHOD route-template` (`GET /api/v1/chatbot/apps/:app_id`,
 * never the raw path), continuing the caller's trace when it sent a traceparent. Everything the
 * request does runs inside it (so run and step spans are its children). For a stream, the span
 * ends when the response starts; the run's span, its child, lasts until the run ends.
 */
export function requestSpans() {
  return createMiddleware(async (c, next) => {
    // Without an SDK the propagator is a no-op and never reads the headers.
    const parent = propagation.extract(ROOT_CONTEXT, c.req, headerGetter);
    const span = tracer.startSpan(
      c.req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      // After next(), the route index is the one of the handler (or middleware) that answered.
      const route = routePath(c);
      if (route) {
        span.updateName(`${c.req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      const status = c.res.status;
      span.setAttribute('http.response.status_code', status);
      // Per the HTTP conventions a server span is an error only for 5xx: a 4xx is the client's.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  });
}

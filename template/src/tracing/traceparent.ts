import { type Context, isSpanContextValid, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api';

// The W3C Trace Context `traceparent` (version 00) of a span, stored with a queued run so its
// worker, on any instance, continues the trace. Written here rather than through the global
// propagator, which an operator may set to another format (OTEL_PROPAGATORS=b3): the column
// always holds W3C.

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The traceparent of the span current in `context`, or undefined when there is none (no SDK). */
export function traceParentOf(context: Context): string | undefined {
  const span = trace.getSpanContext(context);
  if (!span || !isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A context whose (remote) parent span is `traceParent`; the root context when it is absent or malformed. */
export function contextFromTraceParent(traceParent: string | null | undefined): Context {
  const match = traceParent ? TRACEPARENT.exec(traceParent) : null;
  if (!match) return ROOT_CONTEXT;
  const span: SpanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16),
    isRemote: true,
  };
  return isSpanContextValid(span) ? trace.setSpanContext(ROOT_CONTEXT, span) : ROOT_CONTEXT;
}

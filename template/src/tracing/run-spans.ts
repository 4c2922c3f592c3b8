import { type Context, context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RunEvent } from '../engine';
import { attributes, tracer } from './tracer';

/** How the run was asked for: the JSON action route, its /stream variant, or a background run. */
export type RunKind = 'request' | 'stream' | 'background';

export interface RunSpanInfo {
  kind: RunKind;
  graph: string;
  action: string;
  appId: string;
  runId?: string;
}

/** Starts a run's span as a child of `parent` (the request's context unless told otherwise). */
function startRunSpan(info: RunSpanInfo, parent: Context): Span {
  return tracer.startSpan(
    `run ${info.graph}.${info.action}`,
    {
      attributes: {
        [attributes.runKind]: info.kind,
        [attributes.graph]: info.graph,
        [attributes.action]: info.action,
        [attributes.appId]: info.appId,
        ...(info.runId ? { [attributes.runId]: info.runId } : {}),
      },
    },
    parent,
  );
}

function fail(span: Span, error: unknown) {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** Runs `work` (a whole run awaited at once) inside a run span, which ends when it settles. */
export async function inRunSpan<T>(info: RunSpanInfo, work: () => Promise<T>): Promise<T> {
  const span = startRunSpan(info, context.active());
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * The events of a run (runner.stream) inside a run span: every resumption of the runner happens in
 * the span's context, so its step spans are children of it, whoever reads the events and from
 * whichever async context. The span ends with the events (done, error, or the reader leaving).
 * `parent` is the stored traceparent's context for a background run.
 */
export async function* tracedRun(
  info: RunSpanInfo,
  events: AsyncGenerator<RunEvent, void, void>,
  parent: Context = context.active(),
): AsyncGenerator<RunEvent, void, void> {
  const span = startRunSpan(info, parent);
  const inSpan = trace.setSpan(parent, span);
  try {
    for (;;) {
      const item = await context.with(inSpan, () => events.next());
      if (item.done) return;
      if (item.value.event === 'error') fail(span, item.value.data.error);
      yield item.value;
    }
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    // The reader left early: close the runner's generator (its own finally blocks) in the span too.
    await context.with(inSpan, () => events.return());
    span.end();
  }
}

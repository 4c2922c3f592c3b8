import { context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { StepInfo, StepTiming, Tracker } from '../engine/tracker';
import { attributes, tracer } from './tracer';

const keyOf = (step: StepInfo) => `${step.graph}\u0000${step.appId}\u0000${step.sequenceId}`;

/**
 * A span per step (`step graph.action`), a child of the run span current when the step starts,
 * and current itself while the action's code runs (`scope`), so an LLM call's span is its child.
 * The engine knows nothing of OpenTelemetry: it calls these hooks (tracker.ts).
 */
export class TraceTracker implements Tracker {
  /** Open step spans; a step of one app at one sequence id is open at most once (see stepStarted). */
  readonly #open = new Map<string, Span>();

  stepStarted(step: StepInfo & { startedAt: Date }) {
    const span = tracer.startSpan(
      `step ${step.graph}.${step.action}`,
      {
        startTime: step.startedAt,
        attributes: {
          [attributes.graph]: step.graph,
          [attributes.action]: step.action,
          [attributes.appId]: step.appId,
          [attributes.sequenceId]: step.sequenceId,
        },
      },
      context.active(),
    );
    if (!span.isRecording()) return; // No SDK (or not sampled): nothing to keep.
    const key = keyOf(step);
    // Two requests racing for the same step of an app: the loser's commit fails without a hook,
    // so its span would stay open forever; end the older one here instead.
    const racing = this.#open.get(key);
    if (racing) this.#end(racing, 'failed', 'another request took this step');
    this.#open.set(key, span);
  }

  delta() {}

  stepCommitted(step: StepInfo & StepTiming) {
    this.#finish(step, 'committed');
  }

  stepFailed(step: StepInfo & StepTiming & { error: string }) {
    this.#finish(step, 'failed', step.error);
  }

  scope<T>(step: StepInfo, work: () => T): T {
    const span = this.#open.get(keyOf(step));
    return span ? context.with(trace.setSpan(context.active(), span), work) : work();
  }

  #finish(step: StepInfo & StepTiming, status: 'committed' | 'failed', error?: string) {
    const key = keyOf(step);
    const span = this.#open.get(key);
    if (!span) return;
    this.#open.delete(key);
    this.#end(span, status, error, new Date(step.startedAt.getTime() + step.durationMs));
  }

  #end(span: Span, status: 'committed' | 'failed', error?: string, endTime?: Date) {
    span.setAttribute(attributes.stepStatus, status);
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end(endTime);
  }
}

import type { StepInfo, StepTiming, Tracker } from '../engine/tracker';
import type { AppMetrics } from './metrics';

/** Counts steps (with their duration) and streamed deltas into the app's Prometheus metrics. */
export class MetricsTracker implements Tracker {
  constructor(private readonly metrics: AppMetrics) {}

  stepStarted() {}

  delta(step: StepInfo) {
    this.metrics.deltas.inc({ graph: step.graph, action: step.action });
  }

  stepCommitted(step: StepInfo & StepTiming) {
    this.#observe(step, 'committed');
  }

  stepFailed(step: StepInfo & StepTiming) {
    this.#observe(step, 'failed');
  }

  #observe(step: StepInfo & StepTiming, status: 'committed' | 'failed') {
    this.metrics.steps.observe({ graph: step.graph, action: step.action, status }, step.durationMs / 1000);
  }
}

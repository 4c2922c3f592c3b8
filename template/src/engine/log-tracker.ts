import type { Logger } from 'pino';
import type { StepInfo, StepTiming, Tracker } from './tracker';

/**
 * Logs one line per finished step; nothing per delta (a long answer yields hundreds). Counting
 * steps, failures and deltas is the metrics tracker's (src/metrics/metrics-tracker.ts).
 */
export class LogTracker implements Tracker {
  constructor(private readonly logger: Logger) {}

  stepStarted() {}

  delta() {}

  stepCommitted(step: StepInfo & StepTiming) {
    this.logger.info(this.#fields(step), 'step committed');
  }

  stepFailed(step: StepInfo & StepTiming & { error: string }) {
    this.logger.warn({ ...this.#fields(step), error: step.error }, 'step failed');
  }

  #fields(step: StepInfo & StepTiming) {
    return {
      graph: step.graph,
      app_id: step.appId,
      action: step.action,
      sequence_id: step.sequenceId,
      durationMs: step.durationMs, // named like the request log's, so one query finds both
    };
  }
}

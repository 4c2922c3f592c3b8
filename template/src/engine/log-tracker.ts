import type { Logger } from 'pino';
import type { StepInfo, StepTiming, Tracker } from './tracker';

export interface StepCounts {
  committed: number;
  failed: number;
  /** Pieces streamed by the action (counted, not logged: a long answer yields hundreds). */
  deltas: number;
}

/** Logs one line per finished step and counts steps, failures and deltas per action (for metrics). */
export class LogTracker implements Tracker {
  /** Keyed `graph.action`. */
  readonly counts = new Map<string, StepCounts>();

  constructor(private readonly logger: Logger) {}

  stepStarted() {}

  delta(step: StepInfo) {
    this.#count(step).deltas++;
  }

  stepCommitted(step: StepInfo & StepTiming) {
    this.#count(step).committed++;
    this.logger.info(this.#fields(step), 'step committed');
  }

  stepFailed(step: StepInfo & StepTiming & { error: string }) {
    this.#count(step).failed++;
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

  #count(step: StepInfo): StepCounts {
    const name = `${step.graph}.${step.action}`;
    let counts = this.counts.get(name);
    if (!counts) {
      counts = { committed: 0, failed: 0, deltas: 0 };
      this.counts.set(name, counts);
    }
    return counts;
  }
}

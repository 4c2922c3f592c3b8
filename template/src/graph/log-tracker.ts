import type { Logger } from '../lib/logger';
import type { StepInfo, Tracker } from './tracker';

export interface StepCounts {
  committed: number;
  failed: number;
}

/** Logs one line per step and counts steps and failures per action (for a metrics endpoint). */
export class LogTracker implements Tracker {
  readonly counts = new Map<string, StepCounts>();

  constructor(private readonly logger: Logger) {}

  stepStarted() {}

  stepCommitted(step: StepInfo & { durationMs: number }) {
    this.#count(step).committed++;
    this.logger.info(this.#fields(step), 'step committed');
  }

  stepFailed(step: StepInfo & { durationMs: number; error: string }) {
    this.#count(step).failed++;
    this.logger.warn({ ...this.#fields(step), error: step.error }, 'step failed');
  }

  #fields(step: StepInfo & { durationMs: number }) {
    return {
      graph: step.graph,
      app_id: step.appId,
      action: step.action,
      sequence_id: step.sequenceId,
      durationMs: step.durationMs,
    };
  }

  #count(step: StepInfo): StepCounts {
    const name = `${step.graph}.${step.action}`;
    let counts = this.counts.get(name);
    if (!counts) {
      counts = { committed: 0, failed: 0 };
      this.counts.set(name, counts);
    }
    return counts;
  }
}

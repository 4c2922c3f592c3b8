/** Which step an event is about. */
export interface StepInfo {
  graph: string;
  appId: string;
  action: string;
  /** The sequence id the step gets when it commits. */
  sequenceId: number;
}

/**
 * Observes every step as it happens (the persister stores it; the tracker logs and counts it).
 * `src/db/step-tracker.ts` logs one pino line per step and keeps per-action counters.
 */
export interface Tracker {
  stepStarted(step: StepInfo): void;
  stepCommitted(step: StepInfo & { durationMs: number }): void;
  stepFailed(step: StepInfo & { durationMs: number; error: string }): void;
}

export const noopTracker: Tracker = {
  stepStarted() {},
  stepCommitted() {},
  stepFailed() {},
};

/** Which step an event is about. */
export interface StepInfo {
  graph: string;
  appId: string;
  action: string;
  /** The sequence id the step gets when it commits. */
  sequenceId: number;
}

/** How long a step took, from its start until it committed or failed. */
export interface StepTiming {
  startedAt: Date;
  durationMs: number;
}

/**
 * Observes every step as it happens (the persister stores it; the tracker logs and counts it).
 * `log-tracker.ts` beside this file logs one pino line per step; src/metrics counts them.
 * Hooks are called inline on the step's path, so they must be cheap and must not throw;
 * `delta` is called for every piece a streaming action yields.
 */
export interface Tracker {
  stepStarted(step: StepInfo & { startedAt: Date }): void;
  delta(step: StepInfo, delta: unknown): void;
  stepCommitted(step: StepInfo & StepTiming): void;
  stepFailed(step: StepInfo & StepTiming & { error: string }): void;
  /**
   * Optional: runs `work` (the call of the step's action, and each resumption of a streaming one)
   * inside whatever the tracker keeps current for the step, so that code the action calls (an LLM
   * client opening a trace span) sees it. An async generator resumes in the context of whoever
   * resumes it, so the runner asks for this around every resumption, not once.
   */
  scope?<T>(step: StepInfo, work: () => T): T;
}

export const noopTracker: Tracker = {
  stepStarted() {},
  delta() {},
  stepCommitted() {},
  stepFailed() {},
};

import type { StepInfo, Tracker } from './tracker';

/** One tracker that hands every hook to each of `trackers` in turn (the log line, the metrics …). */
export function composeTrackers(...trackers: Tracker[]): Tracker {
  if (trackers.length === 1) return trackers[0] as Tracker;
  const scoped = trackers.filter((tracker) => tracker.scope);
  return {
    stepStarted: (step) => {
      for (const tracker of trackers) tracker.stepStarted(step);
    },
    delta: (step, delta) => {
      for (const tracker of trackers) tracker.delta(step, delta);
    },
    stepCommitted: (step) => {
      for (const tracker of trackers) tracker.stepCommitted(step);
    },
    stepFailed: (step) => {
      for (const tracker of trackers) tracker.stepFailed(step);
    },
    // Nested, so the work runs inside every tracker's scope; absent when none has one (no cost).
    scope: scoped.length === 0 ? undefined : (step, work) => nest(scoped, 0, step, work),
  };
}

/** `work` inside the scope of trackers[index] and of every tracker after it. */
function nest<T>(trackers: Tracker[], index: number, step: StepInfo, work: () => T): T {
  const tracker = trackers[index];
  if (!tracker?.scope) return work();
  return tracker.scope(step, () => nest(trackers, index + 1, step, work));
}

import type { Tracker } from './tracker';

/** One tracker that hands every hook to each of `trackers` in turn (the log line, the metrics …). */
export function composeTrackers(...trackers: Tracker[]): Tracker {
  if (trackers.length === 1) return trackers[0] as Tracker;
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
  };
}

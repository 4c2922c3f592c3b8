import type { StateValues } from '../engine/state';

/**
 * How often a step stores the full state, and why so seldom. A step normally stores only what it
 * wrote, so its cost does not grow with the state; rebuilding a state then reads the nearest snapshot
 * and replays the writes since. A snapshot is taken once at least SNAPSHOT_MIN_STEPS steps and as many
 * bytes of writes as the last snapshot held have gone by, or after SNAPSHOT_MAX_STEPS steps whatever
 * the bytes. So snapshots cost at most about as much as the writes themselves (a long chat does not pay
 * for its whole history every few steps), and rebuilding any state reads one snapshot plus writes of
 * about its size, in a bounded number of rows. The apps row carries the counters this needs.
 */
export const SNAPSHOT_MIN_STEPS = 32;
export const SNAPSHOT_MAX_STEPS = 1024;

/** What the apps row keeps about its latest snapshot (0: the origin state) and the writes since. */
export interface SnapshotCounters {
  snapshotSequenceId: number;
  snapshotBytes: number;
  replayBytes: number;
}

/** Whether step `sequenceId`, about to commit on an app with these counters, stores the full state. */
export function snapshotDue(app: SnapshotCounters, sequenceId: number): boolean {
  const since = sequenceId - app.snapshotSequenceId;
  return since >= SNAPSHOT_MAX_STEPS || (since >= SNAPSHOT_MIN_STEPS && app.replayBytes >= app.snapshotBytes);
}

/** The counters once step `sequenceId` stored `state` in full (a new app: step 0, its origin state). */
export function snapshotCounters(sequenceId: number, state: StateValues): SnapshotCounters {
  return { snapshotSequenceId: sequenceId, snapshotBytes: sizeOf(state), replayBytes: 0 };
}

/** The policy's unit: a value's size as JSON, in bytes. */
export const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

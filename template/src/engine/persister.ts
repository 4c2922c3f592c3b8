/**
 * The storage contract of the engine. The engine knows nothing of a database: it hands each
 * committed step to a Persister. `memory-persister.ts` implements it for tests and examples;
 * `src/db/drizzle-persister.ts` implements it on SQLite and Postgres.
 */

/** The key of every app: the graph it runs and its id. */
export interface AppKey {
  graph: string;
  appId: string;
}

/** What an action changed, kept per step instead of a copy of the whole state. */
export type StateWrite =
  | { key: string; op: 'set'; value: unknown }
  | { key: string; op: 'append'; items: unknown[] };

export interface ParentRef {
  appId: string;
  sequenceId: number;
}

/** An app as stored: its current state and where it stands. */
export interface StoredApp extends AppKey {
  partitionKey: string;
  /** Completed steps; 0 for a new app (and for a fork, which starts from a copy of its source). */
  sequenceId: number;
  /** The last action run, or null. */
  position: string | null;
  state: Record<string, unknown>;
  parent: ParentRef | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewApp extends AppKey {
  partitionKey: string;
  position: string | null;
  state: Record<string, unknown>;
  parent: ParentRef | null;
}

/** A step that committed: it becomes sequence `sequenceId` (= expected + 1). */
export interface CommittedStep {
  action: string;
  inputs: unknown;
  result: unknown;
  writes: StateWrite[];
  startedAt: Date;
  endedAt: Date;
}

/** A step whose action threw: recorded for tracking, the app's state does not move. */
export interface FailedStep {
  action: string;
  inputs: unknown;
  error: string;
  /** The sequence id the step would have had. */
  sequenceId: number;
  startedAt: Date;
  endedAt: Date;
}

/** One row of the tracking view (`GET …/steps`). */
export interface StepRecord {
  /**
   * The row's place in the app's log, unique within the app: a failed attempt shares its sequence id
   * with the retry that commits, so only (sequenceId, row) names one row, and pages resume after it.
   */
  row: number;
  sequenceId: number;
  action: string;
  inputs: unknown;
  result: unknown;
  /** What the step changed ([] for a failed one). */
  writes: StateWrite[];
  /** The state after the step (committed steps only); left out unless the page asks `withState`. */
  state?: Record<string, unknown> | null;
  status: 'committed' | 'failed';
  error: string | null;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
}

/** Where a page of steps resumes: after this row (rows of a sequence are ordered by `row`). */
export interface StepCursor {
  sequenceId: number;
  row: number;
}

export interface StepPageRequest {
  after: number | StepCursor;
  limit: number;
  withState?: boolean;
}

/** The cursor of a plain sequence id: after every row of that sequence. */
export const afterSequence = (after: number | StepCursor): StepCursor =>
  typeof after === 'number' ? { sequenceId: after, row: Number.MAX_SAFE_INTEGER } : after;

/** True when the row comes after the cursor in log order. */
export const isAfter = (step: StepCursor, cursor: StepCursor) =>
  step.sequenceId > cursor.sequenceId || (step.sequenceId === cursor.sequenceId && step.row > cursor.row);

/** Thrown by commitStep when another step committed first (the API answers 409). */
export class SequenceConflictError extends Error {
  constructor(
    readonly key: AppKey,
    readonly expectedSequenceId: number,
  ) {
    super(`App ${key.appId} moved past sequence ${expectedSequenceId}: another step committed first`);
    this.name = 'SequenceConflictError';
  }
}

export interface Persister {
  /** Get or create: returns the stored app and whether this call created it. */
  createApp(app: NewApp): Promise<{ app: StoredApp; created: boolean }>;
  loadApp(key: AppKey): Promise<StoredApp | null>;
  /**
   * Atomically stores the step as sequence expectedSequenceId + 1 and moves the app to
   * `state`/`position`, only if the stored sequence is still `expectedSequenceId`;
   * otherwise throws SequenceConflictError and writes nothing.
   */
  commitStep(
    key: AppKey,
    expectedSequenceId: number,
    step: CommittedStep,
    next: { state: Record<string, unknown>; position: string },
  ): Promise<StoredApp>;
  recordFailedStep(key: AppKey, step: FailedStep): Promise<void>;
  /** The state and position right after step `sequenceId` (0: as created), or null if out of range. */
  stateAt(
    key: AppKey,
    sequenceId: number,
  ): Promise<{ state: Record<string, unknown>; position: string | null } | null>;
  /**
   * Steps in log order (sequence id, then row), those after `after` (a sequence id: every row of it
   * is skipped, or a cursor naming one row), at most `limit`; each with the state it left only when
   * `withState` (true unless false: rebuilding states costs a replay, writes alone cost nothing).
   */
  listSteps(key: AppKey, page: StepPageRequest): Promise<StepRecord[]>;
}

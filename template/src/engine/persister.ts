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
  sequenceId: number;
  action: string;
  inputs: unknown;
  result: unknown;
  /** The state after the step (committed steps only). */
  state: Record<string, unknown> | null;
  status: 'committed' | 'failed';
  error: string | null;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
}

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
  /** Steps with sequence id > after, in order, at most `limit`. */
  listSteps(key: AppKey, page: { after: number; limit: number }): Promise<StepRecord[]>;
}

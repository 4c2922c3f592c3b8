import type {
  AppKey,
  CommittedStep,
  FailedStep,
  NewApp,
  Persister,
  StepPageRequest,
  StoredApp,
} from '../engine/persister';
import type { StateValues } from '../engine/state';
import type { Database } from './client';
import { LatestStates } from './latest-states';
import { type AppRow, type MovedApp, type PreparedReads, prepareReads } from './prepared-queries';
import { snapshotCounters } from './snapshot-policy';
import { type RebuiltState, StateReplay } from './state-replay';
import { type CommitStep, stepCommitter } from './step-commit';
import { UnchangedApps } from './unchanged-apps';

/**
 * The engine's Persister on SQLite or Postgres. The apps row says where an app stands; the steps rows
 * are its log (what each step wrote, and now and then a full snapshot). A step is one transaction,
 * optimistic on apps.sequence_id, and costs what it wrote, not the size of the state.
 *
 * This file is the main path; what makes it fast sits behind it: step-commit.ts (the commit of each
 * dialect; on SQLite the steps of one event-loop turn share a transaction, grouped-commits.ts),
 * snapshot-policy.ts (when a step stores the full state), state-replay.ts (a state rebuilt from the
 * log), prepared-queries.ts (the hot queries, prepared once), latest-states.ts (latest states kept
 * in memory, checked against the apps row) and unchanged-apps.ts (on SQLite, apps handed out again
 * without a row read while nothing was written).
 */
export class DrizzlePersister implements Persister {
  readonly #reads: PreparedReads;
  readonly #replay: StateReplay;
  readonly #commit: CommitStep;
  readonly #latest: LatestStates;
  readonly #unchanged: UnchangedApps | null;

  /**
   * `latestStateBytes`: how much JSON of latest states to keep in memory (0 turns that off, and
   * loads every app from the database).
   */
  constructor(
    private readonly database: Database,
    options: { latestStateBytes?: number } = {},
  ) {
    const latestStateBytes = options.latestStateBytes ?? 32 * 1024 * 1024;
    this.#reads = prepareReads(database);
    this.#replay = new StateReplay(database, this.#reads);
    this.#commit = stepCommitter(database);
    this.#latest = new LatestStates(latestStateBytes);
    this.#unchanged =
      database.sqlite && latestStateBytes > 0
        ? new UnchangedApps(database.sqlite.$client, latestStateBytes)
        : null;
  }

  /** Creates an app, or a fork (its parent set, its state copied); an existing one is returned as it is. */
  async createApp(app: NewApp) {
    const { db, tables } = this.database;
    const now = new Date();
    const inserted = await db
      .insert(tables.apps)
      .values({
        graph: app.graph,
        appId: app.appId,
        partitionKey: app.partitionKey,
        sequenceId: 0,
        position: app.position,
        originState: app.state,
        originPosition: app.position,
        ...snapshotCounters(0, app.state),
        parentAppId: app.parent?.appId ?? null,
        parentSequenceId: app.parent?.sequenceId ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { app: toStoredApp(inserted[0], app.state), created: true };
    const existing = await this.loadApp(app);
    if (!existing) throw new Error(`App ${app.appId} vanished while it was created`);
    return { app: existing, created: false };
  }

  /**
   * On SQLite, nothing but a question when nothing was written since this process loaded the app
   * (unchanged-apps.ts); else one row read when this process remembers the app's latest state, else
   * a replay from its snapshot.
   */
  async loadApp(key: AppKey) {
    const version = this.#unchanged?.version();
    const unchanged = version && this.#unchanged?.get(key, version);
    if (unchanged) return unchanged;
    const row = await this.#appRow(key);
    const current = row && (await this.#current(row));
    if (!row || !current) return null;
    const app = toStoredApp(row, current.state);
    if (version) this.#unchanged?.keep(app, version, row.snapshotBytes + row.replayBytes);
    return app;
  }

  /** One transaction (step-commit.ts); throws SequenceConflictError when another step committed first. */
  async commitStep(
    key: AppKey,
    expectedSequenceId: number,
    step: CommittedStep,
    next: { state: StateValues; position: string },
  ) {
    const sequenceId = expectedSequenceId + 1;
    const moved = await this.#commit({ key, expectedSequenceId, sequenceId, step, next });
    this.#latest.remember(moved, next);
    return toStoredApp(moved, next.state);
  }

  async recordFailedStep(key: AppKey, step: FailedStep) {
    const { db, tables } = this.database;
    await db.insert(tables.steps).values({
      ...key,
      sequenceId: step.sequenceId,
      action: step.action,
      inputs: step.inputs,
      result: null,
      writes: [],
      snapshot: null,
      status: 'failed',
      error: step.error,
      startedAt: step.startedAt,
      endedAt: step.endedAt,
      durationMs: step.endedAt.getTime() - step.startedAt.getTime(),
    });
  }

  async stateAt(key: AppKey, sequenceId: number) {
    const app = await this.#appRow(key);
    // Before the origin: compacted away (STEP_KEEP_LAST), answered as a step the app never took.
    if (
      !app ||
      !Number.isInteger(sequenceId) ||
      sequenceId < app.originSequenceId ||
      sequenceId > app.sequenceId
    )
      return null;
    return sequenceId === app.sequenceId ? this.#current(app) : this.#replay.stateAfter(app, sequenceId);
  }

  async listSteps(key: AppKey, page: StepPageRequest) {
    const app = await this.#appRow(key);
    return app ? this.#replay.stepsAfter(app, page) : [];
  }

  /** The app's latest state: remembered from this process's last commit or load, else rebuilt. */
  async #current(app: AppRow): Promise<RebuiltState | null> {
    const remembered = this.#latest.recall(app);
    if (remembered) return remembered;
    // Null only when the app was removed while its state was rebuilt.
    const rebuilt = await this.#replay.stateAfter(app, app.sequenceId);
    if (rebuilt) this.#latest.remember(app, rebuilt);
    return rebuilt;
  }

  async #appRow(key: AppKey): Promise<AppRow | undefined> {
    return (await this.#reads.app.execute({ graph: key.graph, appId: key.appId }))[0];
  }
}

function toStoredApp(row: MovedApp, state: StateValues): StoredApp {
  return {
    graph: row.graph,
    appId: row.appId,
    partitionKey: row.partitionKey,
    sequenceId: row.sequenceId,
    position: row.position,
    state,
    parent:
      row.parentAppId !== null && row.parentSequenceId !== null
        ? { appId: row.parentAppId, sequenceId: row.parentSequenceId }
        : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

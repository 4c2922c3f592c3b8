import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import {
  type AppKey,
  type CommittedStep,
  type FailedStep,
  type NewApp,
  type Persister,
  SequenceConflictError,
  type StoredApp,
} from '../engine/persister';
import type { StateValues } from '../engine/state';
import type { Database } from './client';
import { LatestStates } from './latest-states';
import {
  type AppRow,
  jsonOrNull,
  type MovedApp,
  type PreparedReads,
  prepareReads,
  prepareSqliteStepWrites,
} from './prepared-queries';
import { sizeOf, snapshotCounters, snapshotDue } from './snapshot-policy';
import { type RebuiltState, StateReplay } from './state-replay';

type SqliteStepWrites = ReturnType<typeof prepareSqliteStepWrites>;

interface Commit {
  key: AppKey;
  expectedSequenceId: number;
  sequenceId: number;
  step: CommittedStep;
  next: { state: Record<string, unknown>; position: string };
}

/**
 * The engine's Persister on SQLite or Postgres. The apps row says where an app stands; the steps rows
 * are its log (what each step wrote, and now and then a full snapshot). A step is one transaction,
 * optimistic on apps.sequence_id, and costs what it wrote, not the size of the state.
 */
export class DrizzlePersister implements Persister {
  readonly #reads: PreparedReads;
  readonly #replay: StateReplay;
  readonly #sqliteWrites: SqliteStepWrites | null = null;
  readonly #immediate: <T>(work: () => T) => T = (work) => work();

  readonly #latest: LatestStates;

  /** `latestStateBytes`: how much JSON of latest states to keep in memory (0 turns that off). */
  constructor(
    private readonly database: Database,
    options: { latestStateBytes?: number } = {},
  ) {
    this.#latest = new LatestStates(options.latestStateBytes ?? 32 * 1024 * 1024);
    this.#reads = prepareReads(database);
    this.#replay = new StateReplay(database, this.#reads);
    if (database.sqlite) {
      this.#sqliteWrites = prepareSqliteStepWrites(database.sqlite, database.tables);
      const transaction = database.sqlite.$client.transaction((work: () => unknown) => work());
      this.#immediate = (work) => transaction.immediate(work) as ReturnType<typeof work>;
    }
  }

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

  async loadApp(key: AppKey) {
    const row = await this.#appRow(key);
    if (!row) return null;
    return toStoredApp(row, (await this.#current(row)).state);
  }

  async commitStep(
    key: AppKey,
    expectedSequenceId: number,
    step: CommittedStep,
    next: { state: Record<string, unknown>; position: string },
  ) {
    const commit = { key, expectedSequenceId, sequenceId: expectedSequenceId + 1, step, next };
    const moved = this.#sqliteWrites ? this.#commitOnSqlite(commit) : await this.#commitOnPostgres(commit);
    this.#latest.remember(moved, next);
    return toStoredApp(moved, next.state);
  }

  /**
   * better-sqlite3 runs a transaction synchronously: nothing in this process interleaves, and
   * IMMEDIATE takes the write lock up front, so another connection waits (busy_timeout) instead of
   * failing halfway. The statements are prepared once (prepared-queries.ts).
   */
  #commitOnSqlite({ key, expectedSequenceId, sequenceId, step, next }: Commit): MovedApp {
    const writes = this.#sqliteWrites as SqliteStepWrites;
    const app = { graph: key.graph, appId: key.appId };
    return this.#immediate(() => {
      const [row] = writes.move.all({
        ...app,
        expected: expectedSequenceId,
        sequenceId,
        position: next.position,
        updatedAt: step.endedAt.getTime(),
        writeBytes: sizeOf(step.writes),
      });
      if (!row) throw new SequenceConflictError(key, expectedSequenceId);
      const snapshot = snapshotDue(row, sequenceId) ? next.state : null;
      writes.insertStep.run({
        ...app,
        sequenceId,
        action: step.action,
        inputs: jsonOrNull(step.inputs),
        result: jsonOrNull(step.result),
        writes: step.writes,
        snapshot: jsonOrNull(snapshot),
        startedAt: step.startedAt,
        endedAt: step.endedAt,
        durationMs: step.endedAt.getTime() - step.startedAt.getTime(),
      });
      if (!snapshot) return row;
      const reset = snapshotCounters(sequenceId, snapshot);
      writes.resetSnapshot.run({ ...app, ...reset });
      return { ...row, ...reset };
    });
  }

  async #commitOnPostgres({ key, expectedSequenceId, sequenceId, step, next }: Commit): Promise<MovedApp> {
    const { db, tables } = this.database;
    const { apps, steps } = tables;
    return db.transaction(async (tx) => {
      // Under READ COMMITTED a concurrent commit makes this update wait, then match no row.
      const [row] = await tx
        .update(apps)
        .set({
          sequenceId,
          position: next.position,
          updatedAt: step.endedAt,
          replayBytes: sql`${apps.replayBytes} + ${sizeOf(step.writes)}`,
        })
        .where(and(appIs(apps, key), eq(apps.sequenceId, expectedSequenceId)))
        .returning(movedColumns(apps));
      if (!row) throw new SequenceConflictError(key, expectedSequenceId);
      const snapshot = snapshotDue(row, sequenceId) ? next.state : null;
      await tx.insert(steps).values(committedRow(key, sequenceId, step, snapshot));
      if (!snapshot) return row;
      const reset = snapshotCounters(sequenceId, snapshot);
      await tx.update(apps).set(reset).where(appIs(apps, key));
      return { ...row, ...reset };
    });
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
    if (!app || !Number.isInteger(sequenceId) || sequenceId < 0 || sequenceId > app.sequenceId) return null;
    return sequenceId === app.sequenceId ? this.#current(app) : this.#replay.stateAfter(app, sequenceId);
  }

  async listSteps(key: AppKey, page: { after: number; limit: number }) {
    const app = await this.#appRow(key);
    return app ? this.#replay.stepsAfter(app, page) : [];
  }

  /** The app's latest state: remembered from this process's last commit or load, else rebuilt. */
  async #current(app: AppRow): Promise<RebuiltState> {
    const remembered = this.#latest.recall(app);
    if (remembered) return remembered;
    const rebuilt = await this.#replay.stateAfter(app, app.sequenceId);
    this.#latest.remember(app, rebuilt);
    return rebuilt;
  }

  async #appRow(key: AppKey): Promise<AppRow | undefined> {
    return (await this.#reads.app.execute({ graph: key.graph, appId: key.appId }))[0];
  }
}

function committedRow(key: AppKey, sequenceId: number, step: CommittedStep, snapshot: StateValues | null) {
  return {
    ...key,
    sequenceId,
    action: step.action,
    inputs: step.inputs,
    result: step.result,
    writes: step.writes,
    snapshot,
    status: 'committed' as const,
    error: null,
    startedAt: step.startedAt,
    endedAt: step.endedAt,
    durationMs: step.endedAt.getTime() - step.startedAt.getTime(),
  };
}

function movedColumns(apps: Database['tables']['apps']) {
  const { originState: _state, originPosition: _position, ...columns } = getTableColumns(apps);
  return columns;
}

function appIs(apps: Database['tables']['apps'], key: AppKey) {
  return and(eq(apps.graph, key.graph), eq(apps.appId, key.appId));
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

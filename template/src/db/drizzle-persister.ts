import { and, asc, desc, eq, getTableColumns, gt, isNotNull, lte, sql } from 'drizzle-orm';
import {
  type AppKey,
  type CommittedStep,
  type FailedStep,
  type NewApp,
  type Persister,
  SequenceConflictError,
  type StateWrite,
  type StepRecord,
  type StoredApp,
} from '../engine/persister';
import type { StateValues } from '../engine/state';
import { applyWrites } from '../engine/writes';
import type { Database } from './client';
import { LatestStates } from './latest-states';
import { jsonOrNull, prepareReads, prepareSqliteStepWrites } from './prepared-queries';
import { sizeOf, snapshotCounters, snapshotDue } from './snapshot-policy';

type AppRow = typeof import('./schema.pg').apps.$inferSelect;
/** The apps row as a commit returns it: all but the origin state, which a commit never needs. */
type MovedApp = Omit<AppRow, 'originState' | 'originPosition'>;
type Rebuilt = { state: StateValues; position: string | null };
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
  readonly #reads: ReturnType<typeof prepareReads>;
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
    return sequenceId === app.sequenceId ? this.#current(app) : this.#rebuild(app, sequenceId);
  }

  async listSteps(key: AppKey, page: { after: number; limit: number }) {
    const { db, tables } = this.database;
    const app = await this.#appRow(key);
    if (!app) return [];
    const after = Math.max(0, page.after);
    const rows = await db
      .select()
      .from(tables.steps)
      .where(and(stepsOf(tables.steps, key), gt(tables.steps.sequenceId, after)))
      .orderBy(asc(tables.steps.sequenceId), asc(tables.steps.id))
      .limit(page.limit);
    if (rows.length === 0) return [];
    // Rebuild once up to the page's start, then apply each row's writes as the page goes: every row
    // returns its own state, so these copies are needed anyway.
    let state = (await this.#rebuild(app, Math.min(after, app.sequenceId))).state;
    return rows.map((row): StepRecord => {
      if (row.status === 'committed') state = row.snapshot ?? applyWrites(state, row.writes);
      return {
        sequenceId: row.sequenceId,
        action: row.action,
        inputs: row.inputs,
        result: row.result,
        state: row.status === 'committed' ? state : null,
        status: row.status,
        error: row.error,
        startedAt: row.startedAt,
        endedAt: row.endedAt,
        durationMs: row.durationMs,
      };
    });
  }

  /** The app's latest state: remembered from this process's last commit or load, else rebuilt. */
  async #current(app: AppRow): Promise<Rebuilt> {
    const remembered = this.#latest.recall(app);
    if (remembered) return remembered;
    const rebuilt = await this.#rebuild(app, app.sequenceId);
    this.#latest.remember(app, rebuilt);
    return rebuilt;
  }

  async #appRow(key: AppKey): Promise<AppRow | undefined> {
    return (await this.#reads.app.execute({ graph: key.graph, appId: key.appId }))[0];
  }

  /** The state after step `sequenceId`: the nearest snapshot at or before it, plus the writes since. */
  async #rebuild(app: AppRow, sequenceId: number): Promise<Rebuilt> {
    const { db, tables } = this.database;
    const { steps } = tables;
    const key = { graph: app.graph, appId: app.appId };
    const committed = and(stepsOf(steps, key), eq(steps.status, 'committed'));
    // The apps row knows the latest snapshot; an older sequence looks its snapshot up (an index hit).
    let from = app.snapshotSequenceId;
    if (sequenceId < from) {
      const [nearest] = await db
        .select({ sequenceId: steps.sequenceId })
        .from(steps)
        .where(and(committed, isNotNull(steps.snapshot), lte(steps.sequenceId, sequenceId)))
        .orderBy(desc(steps.sequenceId))
        .limit(1);
      from = nearest?.sequenceId ?? 0;
    }
    if (from === sequenceId && from === 0) return { state: app.originState, position: app.originPosition };
    const rows = await this.#reads.stepsBetween.execute({ ...key, from, to: sequenceId });
    // Rows come freshly parsed from the driver, so replaying into them in place is safe and keeps a
    // long replay linear in the bytes read.
    const rebuilt: Rebuilt = { state: app.originState, position: app.originPosition };
    for (const row of rows) {
      if (row.sequenceId === from && row.snapshot) rebuilt.state = row.snapshot;
      else replayInPlace(rebuilt.state, row.writes);
      rebuilt.position = row.action;
    }
    return rebuilt;
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

function replayInPlace(state: StateValues, writes: readonly StateWrite[]): void {
  for (const write of writes) {
    if (write.op === 'set') {
      state[write.key] = write.value;
      continue;
    }
    const list = state[write.key];
    if (!Array.isArray(list)) state[write.key] = [...write.items];
    else for (const item of write.items) list.push(item);
  }
}

function movedColumns(apps: Database['tables']['apps']) {
  const { originState: _state, originPosition: _position, ...columns } = getTableColumns(apps);
  return columns;
}

function appIs(apps: Database['tables']['apps'], key: AppKey) {
  return and(eq(apps.graph, key.graph), eq(apps.appId, key.appId));
}

function stepsOf(steps: Database['tables']['steps'], key: AppKey) {
  return and(eq(steps.graph, key.graph), eq(steps.appId, key.appId));
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

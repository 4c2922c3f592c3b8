import { and, asc, desc, eq, gt, isNotNull, lte } from 'drizzle-orm';
import {
  type AppKey,
  type CommittedStep,
  type FailedStep,
  type NewApp,
  type Persister,
  SequenceConflictError,
  type StepRecord,
  type StoredApp,
} from '../graph/persister';
import type { StateValues } from '../graph/state';
import { applyWrites } from '../graph/writes';
import type { Database } from './client';

/** Every K-th step also stores the full state, so rebuilding a state replays fewer than K steps. */
export const SNAPSHOT_EVERY = 32;

type AppRow = typeof import('./schema.pg').apps.$inferSelect;

/** The engine's Persister on SQLite or Postgres: one transaction per step, optimistic on sequence_id. */
export class DrizzlePersister implements Persister {
  constructor(private readonly database: Database) {}

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
        state: app.state,
        originState: app.state,
        originPosition: app.position,
        parentAppId: app.parent?.appId ?? null,
        parentSequenceId: app.parent?.sequenceId ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { app: toStoredApp(inserted[0]), created: true };
    const existing = await this.loadApp(app);
    if (!existing) throw new Error(`App ${app.appId} vanished while it was created`);
    return { app: existing, created: false };
  }

  async loadApp(key: AppKey) {
    const { db, tables } = this.database;
    const rows = await db.select().from(tables.apps).where(appIs(tables.apps, key)).limit(1);
    return rows[0] ? toStoredApp(rows[0]) : null;
  }

  async commitStep(
    key: AppKey,
    expectedSequenceId: number,
    step: CommittedStep,
    next: { state: Record<string, unknown>; position: string },
  ) {
    const { db, tables, sqlite } = this.database;
    const sequenceId = expectedSequenceId + 1;
    const move = {
      sequenceId,
      position: next.position,
      state: next.state,
      updatedAt: step.endedAt,
    };
    const row = {
      ...key,
      sequenceId,
      action: step.action,
      inputs: step.inputs,
      result: step.result,
      writes: step.writes,
      snapshot: sequenceId % SNAPSHOT_EVERY === 0 ? next.state : null,
      status: 'committed' as const,
      error: null,
      startedAt: step.startedAt,
      endedAt: step.endedAt,
      durationMs: step.endedAt.getTime() - step.startedAt.getTime(),
    };
    const guard = and(appIs(tables.apps, key), eq(tables.apps.sequenceId, expectedSequenceId));
    const conflict = () => new SequenceConflictError(key, expectedSequenceId);

    if (sqlite) {
      // better-sqlite3 transactions are synchronous: nothing else can interleave with them.
      const stored = sqlite.transaction((tx) => {
        const t = this.database.tables as unknown as typeof import('./schema.sqlite');
        const moved = tx.update(t.apps).set(move).where(guard).returning().all();
        if (!moved[0]) throw conflict();
        tx.insert(t.steps).values(row).run();
        return moved[0];
      });
      return toStoredApp(stored as unknown as AppRow);
    }
    const stored = await db.transaction(async (tx) => {
      const moved = await tx.update(tables.apps).set(move).where(guard).returning();
      if (!moved[0]) throw conflict();
      await tx.insert(tables.steps).values(row);
      return moved[0];
    });
    return toStoredApp(stored);
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
    if (!app || sequenceId < 0 || sequenceId > app.sequenceId) return null;
    if (sequenceId === app.sequenceId) return { state: app.state, position: app.position };
    return this.#rebuild(app, sequenceId);
  }

  async listSteps(key: AppKey, page: { after: number; limit: number }) {
    const { db, tables } = this.database;
    const app = await this.#appRow(key);
    if (!app) return [];
    const rows = await db
      .select()
      .from(tables.steps)
      .where(and(stepsOf(tables.steps, key), gt(tables.steps.sequenceId, page.after)))
      .orderBy(asc(tables.steps.sequenceId), asc(tables.steps.id))
      .limit(page.limit);
    // Rebuild once up to the page's start, then apply each row's writes as the page goes.
    let state = (await this.#rebuild(app, Math.min(page.after, app.sequenceId))).state;
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

  async #appRow(key: AppKey): Promise<AppRow | undefined> {
    const { db, tables } = this.database;
    return (await db.select().from(tables.apps).where(appIs(tables.apps, key)).limit(1))[0];
  }

  /** The state after step `sequenceId`: the nearest snapshot at or before it, plus the writes since. */
  async #rebuild(app: AppRow, sequenceId: number): Promise<{ state: StateValues; position: string | null }> {
    const { db, tables } = this.database;
    const key = { graph: app.graph, appId: app.appId };
    const committedUpTo = and(
      stepsOf(tables.steps, key),
      eq(tables.steps.status, 'committed'),
      lte(tables.steps.sequenceId, sequenceId),
    );
    const [snapshot] = await db
      .select({
        sequenceId: tables.steps.sequenceId,
        snapshot: tables.steps.snapshot,
        action: tables.steps.action,
      })
      .from(tables.steps)
      .where(and(committedUpTo, isNotNull(tables.steps.snapshot)))
      .orderBy(desc(tables.steps.sequenceId))
      .limit(1);
    let state: StateValues = snapshot?.snapshot ?? app.originState;
    let position = snapshot ? snapshot.action : app.originPosition;
    const after = snapshot?.sequenceId ?? 0;
    const rows = await db
      .select({ writes: tables.steps.writes, action: tables.steps.action })
      .from(tables.steps)
      .where(and(committedUpTo, gt(tables.steps.sequenceId, after)))
      .orderBy(asc(tables.steps.sequenceId));
    for (const row of rows) {
      state = applyWrites(state, row.writes);
      position = row.action;
    }
    return { state, position };
  }
}

function appIs(apps: Database['tables']['apps'], key: AppKey) {
  return and(eq(apps.graph, key.graph), eq(apps.appId, key.appId));
}

function stepsOf(steps: Database['tables']['steps'], key: AppKey) {
  return and(eq(steps.graph, key.graph), eq(steps.appId, key.appId));
}

function toStoredApp(row: AppRow): StoredApp {
  return {
    graph: row.graph,
    appId: row.appId,
    partitionKey: row.partitionKey,
    sequenceId: row.sequenceId,
    position: row.position,
    state: row.state,
    parent:
      row.parentAppId !== null && row.parentSequenceId !== null
        ? { appId: row.parentAppId, sequenceId: row.parentSequenceId }
        : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

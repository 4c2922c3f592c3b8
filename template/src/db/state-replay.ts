import { and, desc, eq, gt, isNotNull, lte } from 'drizzle-orm';
import {
  type AppKey,
  afterSequence,
  type StateWrite,
  type StepCursor,
  type StepPageRequest,
  type StepRecord,
} from '../engine/persister';
import type { StateValues } from '../engine/state';
import { applyWrites } from '../engine/writes';
import type { Database } from './client';
import type { AppRow, PreparedReads } from './prepared-queries';

/** A state as rebuilt from the log, with the action that left it (null: none ran yet). */
export interface RebuiltState {
  state: StateValues;
  position: string | null;
}

/**
 * Rebuilds states from the steps log. No row holds an app's state after every step: a step stores
 * what it wrote, and now and then a full snapshot (snapshot-policy.ts says when). So any state, the
 * latest one after a restart or an old one for a fork or the tracking view, is the nearest snapshot
 * at or before it plus the writes since, replayed in order. This is the one place that knows how.
 *
 * The log starts after the app's origin: the state it was created with at sequence 0, or, once
 * compaction.ts cut an app's older steps (STEP_KEEP_LAST), the state at the last step it removed.
 * States before the origin are gone: asked for one, this answers null, as for a step never taken.
 */
export class StateReplay {
  constructor(
    private readonly database: Database,
    private readonly reads: PreparedReads,
  ) {}

  /** The state after step `sequenceId`, or null when that lies before the app's origin (compacted away). */
  async stateAfter(app: AppRow, sequenceId: number): Promise<RebuiltState | null> {
    let row: AppRow | undefined = app;
    while (row && sequenceId >= row.originSequenceId) {
      const rebuilt = await this.#replay(row, sequenceId);
      if (rebuilt) return rebuilt;
      // Steps went missing under the replay: a compaction moved the origin on since the apps row was
      // read, or the app was deleted (and perhaps created anew). Read it again and replay from where
      // the log starts now; an app created anew is not the one asked about.
      const moved = await this.#reload(row);
      if (moved && moved.createdAt.getTime() !== row.createdAt.getTime()) return null;
      if (moved && moved.originSequenceId === row.originSequenceId) {
        throw new Error(`The steps log of app ${app.appId} lacks committed steps up to ${sequenceId}`);
      }
      row = moved;
    }
    return null;
  }

  /**
   * A page of the log after `page.after`, oldest first. Without `withState` it reads the rows as they
   * are (no snapshot column, no replay), so a page costs the bytes its steps wrote, not the state.
   */
  async stepsAfter(app: AppRow, page: StepPageRequest): Promise<StepRecord[]> {
    let cursor = afterSequence(page.after);
    // A compacted log starts after the origin: a cursor at or before it pages from there (rows a
    // compaction is still deleting there are never shown).
    if (cursor.sequenceId <= app.originSequenceId) cursor = afterSequence(app.originSequenceId);
    const withState = page.withState ?? true;
    // A plain `after` skips whole sequences; its row sentinel would not fit Postgres' integer column.
    const whole = cursor.row === Number.MAX_SAFE_INTEGER;
    const queries = this.reads.stepsPage;
    const query = withState
      ? whole
        ? queries.withStateAfterWhole
        : queries.withStateAfterRow
      : whole
        ? queries.afterWhole
        : queries.afterRow;
    const rows = (await query.execute({
      graph: app.graph,
      appId: app.appId,
      afterSequence: cursor.sequenceId,
      afterRow: whole ? 0 : cursor.row,
      limit: page.limit,
    })) as (Awaited<ReturnType<typeof queries.afterWhole.execute>>[number] & {
      snapshot?: StateValues | null;
    })[];
    const record = (row: (typeof rows)[number]): StepRecord => ({
      row: row.id,
      sequenceId: row.sequenceId,
      action: row.action,
      inputs: row.inputs,
      result: row.result,
      writes: row.writes,
      status: row.status,
      error: row.error,
      startedAt: row.startedAt,
      endedAt: row.endedAt,
      durationMs: row.durationMs,
    });
    if (!withState || rows.length === 0) return rows.map(record);
    // Rebuild once up to the page's start, then apply each row's writes as the page goes: every row
    // returns its own state, so these copies are needed anyway.
    const start = await this.stateAfter(app, await this.#stateBefore(app, cursor));
    if (!start) {
      // Compacted past the page's start while it was read: page again from where the log starts now.
      const moved = await this.#reload(app);
      return moved && moved.originSequenceId > app.originSequenceId ? this.stepsAfter(moved, page) : [];
    }
    let state = start.state;
    return rows.map((row) => {
      if (row.status === 'committed') state = row.snapshot ?? applyWrites(state, row.writes);
      return { ...record(row), state: row.status === 'committed' ? state : null };
    });
  }

  /** The sequence whose state a page after `cursor` starts from (the cursor may sit inside a sequence). */
  async #stateBefore(app: AppRow, cursor: StepCursor): Promise<number> {
    const { db, tables } = this.database;
    const { steps } = tables;
    let sequenceId = cursor.sequenceId;
    if (cursor.row !== Number.MAX_SAFE_INTEGER && sequenceId > 0) {
      // Inside a sequence: its commit is behind the cursor only if its row is not after it.
      const [committed] = await db
        .select({ id: steps.id })
        .from(steps)
        .where(and(stepsOf(steps, app), eq(steps.sequenceId, sequenceId), eq(steps.status, 'committed')));
      if (!committed || committed.id > cursor.row) sequenceId -= 1;
    }
    return Math.max(app.originSequenceId, Math.min(sequenceId, app.sequenceId));
  }

  /**
   * The origin plus the writes since, or the nearest snapshot after the origin plus the writes since
   * that; null when the rows read are not every committed step in between (the log moved meanwhile).
   */
  async #replay(app: AppRow, sequenceId: number): Promise<RebuiltState | null> {
    const snapshotAt = await this.#nearestSnapshot(app, sequenceId);
    const origin = snapshotAt === null ? await this.#originState(app) : {};
    if (origin === null) return null;
    if (snapshotAt === null && sequenceId === app.originSequenceId) {
      return { state: origin, position: app.originPosition };
    }
    const from = snapshotAt ?? app.originSequenceId + 1;
    const key = { graph: app.graph, appId: app.appId };
    const rows = await this.reads.stepsBetween.execute({ ...key, from, to: sequenceId });
    // One committed row per sequence (steps_committed_once): fewer means some were deleted.
    if (rows.length !== sequenceId - from + 1) return null;
    // Rows come freshly parsed from the driver, so replaying into them in place is safe and keeps a
    // long replay linear in the bytes read. (From a snapshot, the first row replaces the empty start.)
    const rebuilt: RebuiltState = { state: origin, position: app.originPosition };
    for (const row of rows) {
      if (row.sequenceId === snapshotAt && row.snapshot) rebuilt.state = row.snapshot;
      else replayInPlace(rebuilt.state, row.writes);
      rebuilt.position = row.action;
    }
    return rebuilt;
  }

  /** The sequence id of the snapshot to replay from, after the origin; null: replay from the origin. */
  async #nearestSnapshot(app: AppRow, sequenceId: number): Promise<number | null> {
    const origin = app.originSequenceId;
    // The apps row knows the latest snapshot (at the origin: the origin state itself); an older
    // sequence looks its snapshot up (an index hit).
    if (sequenceId >= app.snapshotSequenceId)
      return app.snapshotSequenceId > origin ? app.snapshotSequenceId : null;
    const { db, tables } = this.database;
    const { steps } = tables;
    const [nearest] = await db
      .select({ sequenceId: steps.sequenceId })
      .from(steps)
      .where(
        and(
          stepsOf(steps, app),
          eq(steps.status, 'committed'),
          isNotNull(steps.snapshot),
          gt(steps.sequenceId, origin),
          lte(steps.sequenceId, sequenceId),
        ),
      )
      .orderBy(desc(steps.sequenceId))
      .limit(1);
    return nearest?.sequenceId ?? null;
  }

  /**
   * The app's origin state, read apart from its row (prepared-queries.ts says why); null when the
   * origin is no longer the one `app` names (compacted, or the app deleted or created anew since).
   */
  async #originState(app: AppRow): Promise<StateValues | null> {
    const [origin] = await this.reads.origin.execute({ graph: app.graph, appId: app.appId });
    const same =
      origin?.originSequenceId === app.originSequenceId &&
      origin.createdAt.getTime() === app.createdAt.getTime();
    return same ? origin.originState : null;
  }

  async #reload(app: AppRow): Promise<AppRow | undefined> {
    return (await this.reads.app.execute({ graph: app.graph, appId: app.appId }))[0];
  }
}

/** Applies writes to a state the caller owns, without the copies applyWrites makes. */
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

function stepsOf(steps: Database['tables']['steps'], key: AppKey) {
  return and(eq(steps.graph, key.graph), eq(steps.appId, key.appId));
}

import { and, desc, eq, isNotNull, lte } from 'drizzle-orm';
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
 */
export class StateReplay {
  constructor(
    private readonly database: Database,
    private readonly reads: PreparedReads,
  ) {}

  /** The state after step `sequenceId`: the nearest snapshot at or before it, plus the writes since. */
  async stateAfter(app: AppRow, sequenceId: number): Promise<RebuiltState> {
    const from = await this.#nearestSnapshot(app, sequenceId);
    if (from === sequenceId && from === 0) return { state: app.originState, position: app.originPosition };
    const key = { graph: app.graph, appId: app.appId };
    const rows = await this.reads.stepsBetween.execute({ ...key, from, to: sequenceId });
    // Rows come freshly parsed from the driver, so replaying into them in place is safe and keeps a
    // long replay linear in the bytes read.
    const rebuilt: RebuiltState = { state: app.originState, position: app.originPosition };
    for (const row of rows) {
      if (row.sequenceId === from && row.snapshot) rebuilt.state = row.snapshot;
      else replayInPlace(rebuilt.state, row.writes);
      rebuilt.position = row.action;
    }
    return rebuilt;
  }

  /**
   * A page of the log after `page.after`, oldest first. Without `withState` it reads the rows as they
   * are (no snapshot column, no replay), so a page costs the bytes its steps wrote, not the state.
   */
  async stepsAfter(app: AppRow, page: StepPageRequest): Promise<StepRecord[]> {
    const cursor = afterSequence(page.after);
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
    let state = (await this.stateAfter(app, await this.#stateBefore(app, cursor))).state;
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
    return Math.max(0, Math.min(sequenceId, app.sequenceId));
  }

  /** The sequence id of the snapshot to replay from (0: the origin state on the apps row). */
  async #nearestSnapshot(app: AppRow, sequenceId: number): Promise<number> {
    // The apps row knows the latest snapshot; an older sequence looks its snapshot up (an index hit).
    if (sequenceId >= app.snapshotSequenceId) return app.snapshotSequenceId;
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
          lte(steps.sequenceId, sequenceId),
        ),
      )
      .orderBy(desc(steps.sequenceId))
      .limit(1);
    return nearest?.sequenceId ?? 0;
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

import { and, asc, eq, getTableColumns, gt, gte, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from './client';
import type { EventRow } from './event-rows';
import type * as sqliteTables from './schema.sqlite';

// The queries every request runs, prepared once. drizzle otherwise builds a query's SQL text anew on
// each call, and building it cost more than running it on SQLite (profiled: about three quarters of
// GET /apps/{id}). Values are bound through placeholders, so one statement serves every app.

type FullAppRow = typeof import('./schema.pg').apps.$inferSelect;
/**
 * An apps row as `prepareReads().app` loads it: all but the origin state, which only a replay from the
 * origin needs (`prepareReads().origin`). That state is as large as the app's state was at its origin
 * (a fork's whole parent state, a compacted chat's history up to the cut), and parsing it on every
 * load made each request on such an app cost the size of that state.
 */
export type AppRow = Omit<FullAppRow, 'originState'>;
/** The apps row as a commit returns it: all but the origin, which a commit never needs. */
export type MovedApp = Omit<FullAppRow, 'originState' | 'originPosition' | 'originSequenceId'>;
export type PreparedReads = ReturnType<typeof prepareReads>;

const graph = sql.placeholder('graph');
const appId = sql.placeholder('appId');

/** Reads of both dialects: load an app's row, its origin state, and the committed steps since a snapshot. */
export function prepareReads({ db, tables }: Database) {
  const { apps, steps } = tables;
  const { originState, ...appColumns } = getTableColumns(apps);
  const thisApp = and(eq(apps.graph, graph), eq(apps.appId, appId));
  return {
    app: db.select(appColumns).from(apps).where(thisApp).prepare('load_app'),
    /** With what says which origin it is: a compaction moves it, a delete and re-create replaces it. */
    origin: db
      .select({ originState, originSequenceId: apps.originSequenceId, createdAt: apps.createdAt })
      .from(apps)
      .where(thisApp)
      .prepare('load_app_origin'),
    stepsBetween: db
      .select({
        sequenceId: steps.sequenceId,
        action: steps.action,
        writes: steps.writes,
        snapshot: steps.snapshot,
      })
      .from(steps)
      .where(
        and(
          eq(steps.graph, graph),
          eq(steps.appId, appId),
          eq(steps.status, 'committed'),
          gte(steps.sequenceId, sql.placeholder('from')),
          lte(steps.sequenceId, sql.placeholder('to')),
        ),
      )
      .orderBy(asc(steps.sequenceId))
      .prepare('load_steps_between'),
    stepsPage: prepareStepPages(db, tables),
  };
}

/**
 * A page of the steps log in log order (sequence id, then row id), after a whole sequence or after
 * one row, with or without the snapshot column (only a page with states needs it): four statements,
 * since the viewer and every follower poll read these.
 */
function prepareStepPages(db: Database['db'], tables: Database['tables']) {
  const { steps } = tables;
  const { snapshot: _snapshot, ...logColumns } = getTableColumns(steps);
  const after = sql.placeholder('afterSequence');
  const afterWhole = gt(steps.sequenceId, after);
  const afterRow = or(
    afterWhole,
    and(eq(steps.sequenceId, after), gt(steps.id, sql.placeholder('afterRow'))),
  );
  const page = (columns: typeof logColumns, where: SQL | undefined, name: string) =>
    db
      .select(columns)
      .from(steps)
      .where(and(eq(steps.graph, graph), eq(steps.appId, appId), where))
      .orderBy(asc(steps.sequenceId), asc(steps.id))
      .limit(sql.placeholder('limit'))
      .prepare(name);
  const withSnapshot = { ...logColumns, snapshot: steps.snapshot } as typeof logColumns;
  return {
    afterWhole: page(logColumns, afterWhole, 'steps_after_sequence'),
    afterRow: page(logColumns, afterRow, 'steps_after_row'),
    withStateAfterWhole: page(withSnapshot, afterWhole, 'steps_states_after_sequence'),
    withStateAfterRow: page(withSnapshot, afterRow, 'steps_states_after_row'),
  };
}

/**
 * A placeholder bound as it is given, without the column's encoder: drizzle's types refuse
 * placeholders in update sets, and its JSON encoder turns null into the text 'null'. Values bound
 * this way are encoded by the caller as SQLite stores them (times as epoch ms, JSON as text or NULL).
 */
const raw = (name: string): SQL => sql`${sql.placeholder(name)}`;

/** SQLite's JSON columns hold text; null stays SQL NULL (the snapshot index relies on it). */
export const jsonOrNull = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);

/**
 * The writes of a committed step on SQLite, run synchronously inside one better-sqlite3 transaction.
 * (On Postgres a step is one statement, which step-commit.ts writes out.)
 */
export function prepareSqliteStepWrites(sqlite: NonNullable<Database['sqlite']>, tables: Database['tables']) {
  const { apps, steps } = tables as unknown as typeof sqliteTables;
  const thisApp = and(eq(apps.graph, graph), eq(apps.appId, appId));
  return {
    /** Moves the app one step on, only if it still stands at `expected`; returns the moved row. */
    move: sqlite
      .update(apps)
      .set({
        sequenceId: raw('sequenceId'),
        position: raw('position'),
        updatedAt: raw('updatedAt'),
        replayBytes: sql`${apps.replayBytes} + ${sql.placeholder('writeBytes')}`,
      })
      .where(and(thisApp, eq(apps.sequenceId, sql.placeholder('expected'))))
      // Everything but origin_state, which a commit never needs and would otherwise parse each step.
      .returning({
        graph: apps.graph,
        appId: apps.appId,
        partitionKey: apps.partitionKey,
        sequenceId: apps.sequenceId,
        position: apps.position,
        snapshotSequenceId: apps.snapshotSequenceId,
        snapshotBytes: apps.snapshotBytes,
        replayBytes: apps.replayBytes,
        parentAppId: apps.parentAppId,
        parentSequenceId: apps.parentSequenceId,
        createdAt: apps.createdAt,
        updatedAt: apps.updatedAt,
      })
      .prepare(),
    insertStep: sqlite
      .insert(steps)
      .values({
        graph,
        appId,
        sequenceId: sql.placeholder('sequenceId'),
        action: sql.placeholder('action'),
        inputs: raw('inputs'),
        result: raw('result'),
        writes: sql.placeholder('writes'),
        snapshot: raw('snapshot'),
        status: 'committed',
        error: null,
        startedAt: sql.placeholder('startedAt'),
        endedAt: sql.placeholder('endedAt'),
        durationMs: sql.placeholder('durationMs'),
      })
      .prepare(),
    resetSnapshot: sqlite
      .update(apps)
      .set({
        snapshotSequenceId: raw('snapshotSequenceId'),
        snapshotBytes: raw('snapshotBytes'),
        replayBytes: 0,
      })
      .where(thisApp)
      .prepare(),
  };
}

/**
 * The writes that append run events on SQLite: the run's counter bump, and a row's insert, run
 * inside one better-sqlite3 transaction. Values are bound as SQLite stores them (event-rows.ts
 * gives the data as JSON text), so no column encoder runs per row: drizzle's multi-row insert
 * built its statement anew on each batch (profiled: 28% of the server's CPU over chat turns of
 * 5,000 deltas, when each delta was a row).
 */
export function prepareSqliteEventWrites(
  sqlite: NonNullable<Database['sqlite']>,
  tables: Database['tables'],
) {
  const { runs, runEvents } = tables as unknown as typeof sqliteTables;
  const insert = sqlite
    .insert(runEvents)
    .values({
      runId: raw('runId'),
      id: raw('id'),
      event: raw('event'),
      data: raw('data'),
      eventCount: raw('eventCount'),
      createdAt: raw('createdAt'),
    })
    .prepare();
  return {
    /** Reserves `count` ids; returns the last one and whether a cancel was requested. */
    bump: sqlite
      .update(runs)
      .set({ lastEventId: sql`${runs.lastEventId} + ${sql.placeholder('count')}` })
      .where(eq(runs.runId, sql.placeholder('runId')))
      .returning({ id: runs.lastEventId, cancelRequestedAt: runs.cancelRequestedAt })
      .prepare(),
    insert(row: EventRow) {
      insert.run({ ...row, createdAt: row.createdAt.getTime() });
    },
  };
}

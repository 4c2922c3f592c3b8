import { sql } from 'drizzle-orm';
import { type AppKey, type CommittedStep, SequenceConflictError } from '../engine/persister';
import type { StateValues } from '../engine/state';
import type { Database } from './client';
import { groupedCommits } from './grouped-commits';
import { jsonOrNull, type MovedApp, prepareSqliteStepWrites } from './prepared-queries';
import { sizeOf, snapshotCounters, snapshotDue } from './snapshot-policy';

/**
 * Committing one step, the write every request that runs an action makes, and the one place where the
 * two dialects part ways. Both do the same in one transaction: move the apps row on by one, only if it
 * still stands where the caller saw it (optimistic on sequence_id: a concurrent commit makes the update
 * match no row, hence SequenceConflictError), insert the step's row, and when snapshot-policy.ts says so
 * store the full state and reset the counters. How differs: better-sqlite3 runs the statements,
 * prepared once, synchronously, and the steps of one turn of the event loop share a transaction
 * (grouped-commits.ts); on Postgres a step is one statement, its snapshot a second one.
 */

/** A step to commit as sequence `sequenceId` (= expectedSequenceId + 1), and where it leaves the app. */
export interface StepCommit {
  key: AppKey;
  expectedSequenceId: number;
  sequenceId: number;
  step: CommittedStep;
  next: { state: StateValues; position: string };
}

/** Commits a step and returns the moved apps row; throws SequenceConflictError if another came first. */
export type CommitStep = (commit: StepCommit) => MovedApp | Promise<MovedApp>;

/** The dialect's way to commit a step, its statements prepared once. */
export function stepCommitter(database: Database): CommitStep {
  return database.sqlite ? sqliteCommitter(database.sqlite, database.tables) : postgresCommitter(database);
}

/**
 * better-sqlite3 runs a step's statements synchronously: nothing in this process interleaves. The
 * steps of one turn of the event loop commit together, each in a savepoint (grouped-commits.ts).
 * The statements are prepared once (prepared-queries.ts).
 */
function sqliteCommitter(sqlite: NonNullable<Database['sqlite']>, tables: Database['tables']): CommitStep {
  const statements = prepareSqliteStepWrites(sqlite, tables);
  const commit = groupedCommits<MovedApp>(sqlite.$client);
  return ({ key, expectedSequenceId, sequenceId, step, next }) => {
    const app = { graph: key.graph, appId: key.appId };
    return commit(() => {
      const [moved] = statements.move.all({
        ...app,
        expected: expectedSequenceId,
        sequenceId,
        position: next.position,
        updatedAt: step.endedAt.getTime(),
        writeBytes: sizeOf(step.writes),
      });
      if (!moved) throw new SequenceConflictError(key, expectedSequenceId);
      const snapshot = snapshotDue(moved, sequenceId) ? next.state : null;
      const row = committedRow(app, sequenceId, step, snapshot);
      // The prepared insert binds JSON as SQLite stores it: text, and SQL NULL for null.
      statements.insertStep.run({
        ...row,
        inputs: jsonOrNull(row.inputs),
        result: jsonOrNull(row.result),
        snapshot: jsonOrNull(row.snapshot),
      });
      if (!snapshot) return moved;
      const counters = snapshotCounters(sequenceId, snapshot);
      statements.resetSnapshot.run({ ...app, ...counters });
      return { ...moved, ...counters };
    });
  };
}

/**
 * On Postgres a step commits in one statement, so in one round trip and one implicit transaction:
 * the update moves the apps row on, and the insert of the step's row reads from what it returned, so
 * an update that matched no row (another step came first) inserts nothing. An explicit transaction
 * took four round trips (BEGIN, UPDATE, INSERT, COMMIT), each a turn of the event loop with a pool
 * client held, and drizzle built two queries a step.
 *
 * The rare step that stores a snapshot (snapshot-policy.ts decides from the moved row) adds it with a
 * second statement, which writes the snapshot and resets the app's counters together. Should the
 * process stop between the two, the step stands without its snapshot and the counters still say one
 * is due, so the next step takes it: a snapshot only shortens rebuilding, and the state after a step
 * is the same whichever row holds it.
 */
function postgresCommitter({ db }: Database): CommitStep {
  return async ({ key, expectedSequenceId, sequenceId, step, next }) => {
    const row = committedRow(key, sequenceId, step, null);
    const { rows } = await db.execute<MovedAppColumns>(sql`
      with moved as (
        update apps
           set sequence_id = ${sequenceId}, position = ${next.position}, updated_at = ${step.endedAt},
               replay_bytes = replay_bytes + ${sizeOf(step.writes)}
         where graph = ${key.graph} and app_id = ${key.appId} and sequence_id = ${expectedSequenceId}
        returning ${sql.raw(MOVED_COLUMNS)}
      ), step as (
        insert into steps (graph, app_id, sequence_id, action, inputs, result, writes, status,
                           started_at, ended_at, duration_ms)
        select graph, app_id, sequence_id, ${row.action}::text, ${jsonOrNull(row.inputs)}::jsonb,
               ${jsonOrNull(row.result)}::jsonb, ${JSON.stringify(row.writes)}::jsonb, ${row.status}::text,
               ${row.startedAt}::timestamptz, ${row.endedAt}::timestamptz, ${row.durationMs}::integer
          from moved
      )
      select * from moved`);
    const moved = rows[0] && movedApp(rows[0]);
    if (!moved) throw new SequenceConflictError(key, expectedSequenceId);
    if (!snapshotDue(moved, sequenceId)) return moved;
    const counters = snapshotCounters(sequenceId, next.state);
    // Guarded on sequence_id: once a later step has moved the app on, its counters are left as they are.
    const reset = await db.execute(sql`
      with snapshot as (
        update steps set snapshot = ${JSON.stringify(next.state)}::jsonb
         where graph = ${key.graph} and app_id = ${key.appId} and sequence_id = ${sequenceId}
           and status = 'committed'
      )
      update apps
         set snapshot_sequence_id = ${counters.snapshotSequenceId},
             snapshot_bytes = ${counters.snapshotBytes}, replay_bytes = ${counters.replayBytes}
       where graph = ${key.graph} and app_id = ${key.appId} and sequence_id = ${sequenceId}`);
    return reset.rowCount ? { ...moved, ...counters } : moved;
  };
}

/** What the step's update returns: the apps row but its origin, as Postgres names the columns. */
const MOVED_COLUMNS = `graph, app_id, partition_key, sequence_id, position, snapshot_sequence_id, snapshot_bytes,
        replay_bytes, parent_app_id, parent_sequence_id, created_at, updated_at`;

interface MovedAppColumns extends Record<string, unknown> {
  graph: string;
  app_id: string;
  partition_key: string;
  sequence_id: number;
  position: string | null;
  snapshot_sequence_id: number;
  snapshot_bytes: number;
  replay_bytes: number;
  parent_app_id: string | null;
  parent_sequence_id: number | null;
  created_at: string;
  updated_at: string;
}

/**
 * Integers come as numbers. drizzle has node-postgres hand timestamps over as text (`2026-12-07
 * 20:24:05.123+00`), which Date reads as drizzle's own timestamptz columns do.
 */
function movedApp(row: MovedAppColumns): MovedApp {
  return {
    graph: row.graph,
    appId: row.app_id,
    partitionKey: row.partition_key,
    sequenceId: row.sequence_id,
    position: row.position,
    snapshotSequenceId: row.snapshot_sequence_id,
    snapshotBytes: row.snapshot_bytes,
    replayBytes: row.replay_bytes,
    parentAppId: row.parent_app_id,
    parentSequenceId: row.parent_sequence_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
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

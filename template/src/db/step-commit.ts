import { and, eq, getTableColumns, sql } from 'drizzle-orm';
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
 * (grouped-commits.ts); Postgres needs an async transaction on a pool client.
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

/** A step's transaction holds a pool client of its own, which the pool's prepared queries cannot join. */
function postgresCommitter({ db, tables }: Database): CommitStep {
  const { apps, steps } = tables;
  const appIs = (key: AppKey) => and(eq(apps.graph, key.graph), eq(apps.appId, key.appId));
  const {
    originState: _state,
    originPosition: _position,
    originSequenceId: _origin,
    ...movedColumns
  } = getTableColumns(apps);
  return ({ key, expectedSequenceId, sequenceId, step, next }) =>
    db.transaction(async (tx) => {
      // Under READ COMMITTED a concurrent commit makes this update wait, then match no row.
      const [moved] = await tx
        .update(apps)
        .set({
          sequenceId,
          position: next.position,
          updatedAt: step.endedAt,
          replayBytes: sql`${apps.replayBytes} + ${sizeOf(step.writes)}`,
        })
        .where(and(appIs(key), eq(apps.sequenceId, expectedSequenceId)))
        .returning(movedColumns);
      if (!moved) throw new SequenceConflictError(key, expectedSequenceId);
      const snapshot = snapshotDue(moved, sequenceId) ? next.state : null;
      await tx.insert(steps).values(committedRow(key, sequenceId, step, snapshot));
      if (!snapshot) return moved;
      const counters = snapshotCounters(sequenceId, snapshot);
      await tx.update(apps).set(counters).where(appIs(key));
      return { ...moved, ...counters };
    });
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

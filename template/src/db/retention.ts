import type BetterSqlite3 from 'better-sqlite3';
import { and, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Database } from './client';

export interface PruneOptions {
  /** Apps not updated since this time go, with everything that hangs on them. */
  updatedBefore: Date;
  /** Apps removed per transaction (with their grants, runs and run events). */
  appsPerBatch?: number;
  /** Steps removed per statement: each is a short write, so live steps wait little between them. */
  stepsPerBatch?: number;
}

export interface PruneCounts {
  apps: number;
  steps: number;
  runs: number;
}

type AppKey = { graph: string; appId: string };
interface Pruner {
  /** Deletes up to `limit` expired apps with their grants, runs and run events, in one transaction. */
  removeApps(updatedBefore: Date, limit: number): Promise<{ apps: AppKey[]; runs: number }>;
  /** Deletes up to `limit` steps of one removed app; answers how many went. */
  removeSteps(app: AppKey, limit: number): Promise<number>;
}

/** Lets live requests run between two batches. */
export const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Removes the apps not updated since `updatedBefore` (STEP_RETENTION_DAYS) in bounded batches, so no
 * statement holds the write lock for long. A batch first deletes the apps rows, re-checking their
 * age in the same statement: an app that took a step meanwhile stays, and a step racing the prune
 * fails its optimistic sequence check (409) rather than writing under a removed app. The app's
 * grants, runs and run events go in that transaction; its steps after it, `stepsPerBatch` a
 * statement. A fork keeps working: its state was copied when it was made, it never reads its
 * parent's rows. If the process dies between the two, the removed apps' leftover steps stay
 * unreachable (no app row leads to them) and take space until removed by hand.
 */
export async function pruneApps(database: Database, options: PruneOptions): Promise<PruneCounts> {
  const pruner = database.sqlite ? sqlitePruner(database.sqlite.$client) : postgresPruner(database);
  const counts: PruneCounts = { apps: 0, steps: 0, runs: 0 };
  const stepsPerBatch = options.stepsPerBatch ?? 1_000;
  for (;;) {
    const removed = await pruner.removeApps(options.updatedBefore, options.appsPerBatch ?? 100);
    if (removed.apps.length === 0) return counts;
    counts.apps += removed.apps.length;
    counts.runs += removed.runs;
    for (const app of removed.apps) {
      for (let deleted = stepsPerBatch; deleted === stepsPerBatch; counts.steps += deleted) {
        await yieldToOthers();
        deleted = await pruner.removeSteps(app, stepsPerBatch);
      }
    }
    await yieldToOthers();
  }
}

/**
 * better-sqlite3 runs a transaction synchronously, so it is written on the driver's prepared
 * statements: awaiting inside it would let a step's own transaction start on the same connection.
 */
function sqlitePruner(client: BetterSqlite3.Database): Pruner {
  const expired = client.prepare(
    `delete from apps where rowid in (select rowid from apps where updated_at < ? order by updated_at limit ?)
     returning graph, app_id as appId`,
  );
  const grants = client.prepare('delete from grants where graph = ? and app_id = ?');
  const runs = client.prepare('delete from runs where graph = ? and app_id = ? returning run_id as runId');
  const events = client.prepare('delete from run_events where run_id = ?');
  const steps = client.prepare(
    'delete from steps where id in (select id from steps where graph = ? and app_id = ? limit ?)',
  );
  const removeApps = client.transaction((before: number, limit: number) => {
    const apps = expired.all(before, limit) as AppKey[];
    let runCount = 0;
    for (const app of apps) {
      grants.run(app.graph, app.appId);
      for (const { runId } of runs.all(app.graph, app.appId) as { runId: string }[]) {
        events.run(runId);
        runCount++;
      }
    }
    return { apps, runs: runCount };
  });
  return {
    removeApps: async (updatedBefore, limit) => removeApps.immediate(updatedBefore.getTime(), limit),
    removeSteps: async (app, limit) => steps.run(app.graph, app.appId, limit).changes,
  };
}

function postgresPruner(database: Database): Pruner {
  const { db, tables } = database;
  const { apps, grants, runs, runEvents, steps } = tables;
  const ofApps = (columns: { graph: typeof apps.graph; appId: typeof apps.appId }, keys: AppKey[]) =>
    or(...keys.map((key) => and(eq(columns.graph, key.graph), eq(columns.appId, key.appId))));
  return {
    removeApps: (updatedBefore, limit) =>
      db.transaction(async (tx) => {
        const oldest = tx
          .select({ graph: apps.graph, appId: apps.appId })
          .from(apps)
          .where(lt(apps.updatedAt, updatedBefore))
          .orderBy(apps.updatedAt)
          .limit(limit)
          .for('update', { skipLocked: true });
        const removed = await tx
          .delete(apps)
          .where(and(sql`(${apps.graph}, ${apps.appId}) in (${oldest})`, lt(apps.updatedAt, updatedBefore)))
          .returning({ graph: apps.graph, appId: apps.appId });
        if (removed.length === 0) return { apps: [], runs: 0 };
        await tx.delete(grants).where(ofApps(grants as never, removed));
        const runIds = await tx
          .delete(runs)
          .where(ofApps(runs as never, removed))
          .returning({ runId: runs.runId });
        const ids = runIds.map((row) => row.runId);
        if (ids.length > 0) await tx.delete(runEvents).where(inArray(runEvents.runId, ids));
        return { apps: removed, runs: ids.length };
      }),
    removeSteps: async (app, limit) => {
      const slice = db
        .select({ id: steps.id })
        .from(steps)
        .where(and(eq(steps.graph, app.graph), eq(steps.appId, app.appId)))
        .limit(limit);
      const deleted = await db.delete(steps).where(inArray(steps.id, slice)).returning({ id: steps.id });
      return deleted.length;
    },
  };
}

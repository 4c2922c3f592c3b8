import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { AppKey } from '../engine/persister';
import type { Database } from './client';
import { type AppRow, prepareReads } from './prepared-queries';
import { yieldToOthers } from './retention';
import { sizeOf } from './snapshot-policy';
import { StateReplay } from './state-replay';

export interface CompactOptions {
  /** Committed steps each app keeps, its latest ones (STEP_KEEP_LAST); older steps go. */
  keepLast: number;
  /** Apps looked at per statement while searching for long ones. */
  appsPerBatch?: number;
  /** Steps removed per statement: each is a short write, so live steps wait little between them. */
  stepsPerBatch?: number;
}

export interface CompactCounts {
  /** Apps whose older steps were removed. */
  apps: number;
  steps: number;
}

/**
 * Compacts every app with more than `keepLast` committed steps: its current state stays as it is,
 * and so do its last `keepLast` steps; the steps before them go.
 *
 * Why this way: a step stores only what it wrote, and a state is rebuilt from a snapshot plus the
 * writes since (state-replay.ts), so the earliest kept step must not depend on a removed one. Each
 * app has an origin, the state its log starts from (a new app's, at sequence 0). Compaction moves the
 * origin to the last step it removes: the state there is rebuilt once and stored on the apps row,
 * which is then the snapshot the kept steps replay from, as a new app's origin is for its first steps.
 * So exactly `keepLast` steps stay (keeping back to the last snapshot could keep up to
 * SNAPSHOT_MAX_STEPS more), the state before the first kept step stays loadable (its diff in the step
 * viewer, a fork from it), and everything before that is answered as a step that never was.
 *
 * Per app: one replay, one update of its apps row (optimistic on the origin it read, so a concurrent
 * compaction or a removed and recreated app is left alone; its sequence is not touched, so a step
 * committing meanwhile sees no conflict), then its steps up to the origin, `stepsPerBatch` a
 * statement, with a turn for live requests between two. A reader that read the apps row before the
 * origin moved notices the missing rows and reads it again (StateReplay). If the process dies between
 * the update and the last delete, the rows left before the origin are never read, and go when the app
 * is compacted next.
 */
export async function compactApps(database: Database, options: CompactOptions): Promise<CompactCounts> {
  const reads = prepareReads(database);
  const replay = new StateReplay(database, reads);
  const counts: CompactCounts = { apps: 0, steps: 0 };
  let after: AppKey | null = null;
  for (;;) {
    const long = await longApps(database, options.keepLast, after, options.appsPerBatch ?? 100);
    const last = long.at(-1);
    if (!last) return counts;
    for (const key of long) {
      const [app] = await reads.app.execute(key);
      const removed = app ? await compactApp(database, replay, app, options) : null;
      if (removed === null) continue;
      counts.apps++;
      counts.steps += removed;
    }
    after = last;
    await yieldToOthers();
  }
}

/** Apps after `after` (in key order) with more than `keepLast` steps since their origin. */
async function longApps(database: Database, keepLast: number, after: AppKey | null, limit: number) {
  const { db, tables } = database;
  const { apps } = tables;
  return db
    .select({ graph: apps.graph, appId: apps.appId })
    .from(apps)
    .where(
      and(
        after ? sql`(${apps.graph}, ${apps.appId}) > (${after.graph}, ${after.appId})` : undefined,
        gt(sql`${apps.sequenceId} - ${apps.originSequenceId}`, keepLast),
      ),
    )
    .orderBy(asc(apps.graph), asc(apps.appId))
    .limit(limit);
}

/** Moves the app's origin to `keepLast` steps before its latest, then removes the steps up to it; null: left alone. */
async function compactApp(
  database: Database,
  replay: StateReplay,
  app: AppRow,
  options: CompactOptions,
): Promise<number | null> {
  const { db, tables } = database;
  const { apps, steps } = tables;
  const origin = app.sequenceId - options.keepLast;
  if (origin <= app.originSequenceId) return null;
  const readOrigin = app.originSequenceId;
  const at = await replay.stateAfter(app, origin);
  if (!at) return null;
  // The latest snapshot, if the cut removes it, becomes the origin: the counters say so, so that the
  // policy's next snapshot is timed from here (the writes counted since the old one stay counted,
  // which can only bring it forward a little).
  const cut = sql`${apps.snapshotSequenceId} < cast(${origin} as integer)`;
  const moved = await db
    .update(apps)
    .set({
      originState: at.state,
      originPosition: at.position,
      originSequenceId: origin,
      snapshotSequenceId: sql`case when ${cut} then cast(${origin} as integer) else ${apps.snapshotSequenceId} end`,
      snapshotBytes: sql`case when ${cut} then cast(${sizeOf(at.state)} as integer) else ${apps.snapshotBytes} end`,
    })
    .where(
      and(
        eq(apps.graph, app.graph),
        eq(apps.appId, app.appId),
        eq(apps.originSequenceId, readOrigin),
        eq(apps.createdAt, app.createdAt),
      ),
    )
    .returning({ appId: apps.appId });
  if (moved.length === 0) return null;
  const stepsPerBatch = options.stepsPerBatch ?? 1_000;
  let removed = 0;
  for (let deleted = stepsPerBatch; deleted === stepsPerBatch; removed += deleted) {
    await yieldToOthers();
    const slice = db
      .select({ id: steps.id })
      .from(steps)
      .where(and(eq(steps.graph, app.graph), eq(steps.appId, app.appId), lte(steps.sequenceId, origin)))
      .limit(stepsPerBatch);
    deleted = (await db.delete(steps).where(inArray(steps.id, slice)).returning({ id: steps.id })).length;
  }
  return removed;
}

import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from './client';
import { eventsOf, rowsOf } from './event-rows';
import { prepareSqliteEventWrites } from './prepared-queries';

// The event log of background runs: what a client replays over SSE or WebSocket, from any event on
// (Last-Event-ID). Kept apart from the run queue (runs-repository.ts, which exposes these as
// appendEvent and listEvents) because appending is the one write of a run that several writers make
// at once, and handing out its ids safely differs by dialect.

export interface RunEvent {
  runId: string;
  /** Increases by one per event of the run, from 1: what SSE sends as `id:` and `Last-Event-ID` names. */
  id: number;
  event: string;
  data: unknown;
  createdAt: Date;
}

/** An event just stored, with what the run's row said about cancelling (read in the same statement). */
export interface AppendedEvent extends RunEvent {
  cancelRequested: boolean;
}

/**
 * Appends an event with the run's next id (1, 2, …), safely when several writers append at once.
 * The run's row is updated anyway, so it also answers whether a cancel was requested, for free.
 */
export async function appendRunEvent(
  database: Database,
  runId: string,
  event: string,
  data: unknown,
): Promise<AppendedEvent> {
  return (await appendRunEvents(database, runId, [{ event, data }]))[0] as AppendedEvent;
}

/**
 * Appends events with the run's next ids, in one transaction: a worker storing a model's tokens
 * pays one commit per batch instead of one per token, and one row for each run of deltas in it
 * (event-rows.ts), instead of one per token.
 */
export async function appendRunEvents(
  { db, tables, sqlite }: Database,
  runId: string,
  events: readonly { event: string; data: unknown }[],
): Promise<AppendedEvent[]> {
  const { runs } = tables;
  const createdAt = new Date();
  // The counter on the run row hands out ids: its row lock (Postgres) or the write lock (SQLite)
  // orders concurrent appends, where max(id) + 1 would give two of them the same id.
  const bump = { lastEventId: sql`${runs.lastEventId} + ${events.length}` };
  const missing = () => new Error(`Run ${runId} does not exist`);
  const firstId = (row: { id: number }) => row.id - events.length + 1;
  const afterBump = { id: runs.lastEventId, cancelRequestedAt: runs.cancelRequestedAt };
  const appended = (row: { id: number; cancelRequestedAt: Date | null }) =>
    events.map(({ event, data }, index) => ({
      runId,
      id: firstId(row) + index,
      event,
      data: data ?? null,
      createdAt,
      cancelRequested: row.cancelRequestedAt !== null,
    }));
  if (sqlite) {
    const statements = sqliteEventWrites(sqlite, tables);
    return sqlite.transaction(
      () => {
        const [row] = statements.bump.all({ runId, count: events.length });
        if (!row) throw missing();
        for (const stored of rowsOf(runId, firstId(row), events, createdAt)) statements.insert(stored);
        return appended(row);
      },
      { behavior: 'immediate' },
    );
  }
  return db.transaction(async (tx) => {
    const [row] = await tx.update(runs).set(bump).where(eq(runs.runId, runId)).returning(afterBump);
    if (!row) throw missing();
    const rows = rowsOf(runId, firstId(row), events, createdAt);
    await tx
      .insert(tables.runEvents)
      .values(rows.map((stored) => ({ ...stored, data: sql`${stored.data}::jsonb` })));
    return appended(row);
  });
}

/** The event writes of each SQLite database, prepared on its first append. */
const preparedEventWrites = new WeakMap<object, ReturnType<typeof prepareSqliteEventWrites>>();

function sqliteEventWrites(sqlite: NonNullable<Database['sqlite']>, tables: Database['tables']) {
  let statements = preparedEventWrites.get(sqlite);
  if (!statements) {
    statements = prepareSqliteEventWrites(sqlite, tables);
    preparedEventWrites.set(sqlite, statements);
  }
  return statements;
}

/** The most rows one read returns: a run's log can be large, a reader holds one page of it. */
export const MAX_EVENTS_PAGE = 1000;

/**
 * A page of the run's events with id > after, oldest first (replay from the start with after = 0):
 * those of the first `rows` stored rows that hold any. A row holds one event or a run of deltas
 * (event-rows.ts), so a page has at least as many events as rows read, unless the log ends.
 */
export async function listRunEvents(
  { db, tables }: Database,
  runId: string,
  page: { after?: number; rows: number },
): Promise<RunEvent[]> {
  const { runEvents } = tables;
  const after = page.after ?? 0;
  // A row is keyed by its last event's id: the first row with id > after holds the event after it.
  const rows = await db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.id, after)))
    .orderBy(asc(runEvents.id))
    .limit(Math.min(Math.max(page.rows, 1), MAX_EVENTS_PAGE));
  return rows.flatMap((row) => eventsOf(row, after));
}

/** The event that ended the run (`done` or `error`), read alone whatever the log's size; null if none. */
export async function lastRunEvent({ db, tables }: Database, runId: string): Promise<RunEvent | null> {
  const { runEvents } = tables;
  const [row] = await db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), inArray(runEvents.event, ['done', 'error'])))
    .orderBy(desc(runEvents.id))
    .limit(1);
  // An ending always has a row of its own.
  return row ? (eventsOf(row, 0)[0] ?? null) : null;
}

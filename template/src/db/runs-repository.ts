import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from './client';
import {
  type AppendedEvent,
  appendRunEvent,
  appendRunEvents,
  lastRunEvent,
  listRunEvents,
  type RunEvent,
} from './run-events';

export type { AppendedEvent, RunEvent } from './run-events';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The statuses a run does not leave. */
export const finishedStatuses: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** The statuses of a run that is still to work on its app: waiting for a worker, or working. */
export const activeStatuses: readonly RunStatus[] = ['queued', 'running'];

export interface Run {
  runId: string;
  graph: string;
  appId: string;
  action: string;
  inputs: unknown;
  status: RunStatus;
  error: string | null;
  createdBy: string;
  /** How many times a worker claimed the run. */
  attempt: number;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  /** When someone asked to cancel the run while it was running (the worker aborts when it sees it). */
  cancelRequestedAt: Date | null;
  /** The W3C traceparent of the request that queued the run (null when it was not traced). */
  traceParent: string | null;
  /** The id of the run's last stored event (0 before the first); its next event gets the one after. */
  lastEventId: number;
}

export interface NewRun {
  runId?: string;
  graph: string;
  appId: string;
  action: string;
  inputs: unknown;
  createdBy: string;
  /** POSTed the outcome when the run ends (webhooks-repository.ts tracks the delivery). */
  webhookUrl?: string;
  /** The W3C traceparent of the request that queued the run. */
  traceParent?: string;
}

type RunRow = typeof import('./schema.pg').runs.$inferSelect;

/**
 * Background runs and their events: the queue the workers claim from, and the replayable event log
 * (kept in run-events.ts; appendEvent and listEvents hand over to it).
 */
export class RunsRepository {
  constructor(private readonly database: Database) {}

  async create(run: NewRun): Promise<Run> {
    const { db, tables } = this.database;
    const [row] = await db
      .insert(tables.runs)
      .values({
        runId: run.runId ?? randomUUID(),
        graph: run.graph,
        appId: run.appId,
        action: run.action,
        inputs: run.inputs ?? null,
        status: 'queued',
        error: null,
        createdBy: run.createdBy,
        attempt: 0,
        createdAt: new Date(),
        lastEventId: 0,
        webhookUrl: run.webhookUrl ?? null,
        webhookStatus: run.webhookUrl ? 'pending' : null,
        traceParent: run.traceParent ?? null,
      })
      .returning();
    return toRun(row as RunRow);
  }

  async get(runId: string): Promise<Run | null> {
    const { db, tables } = this.database;
    const [row] = await db.select().from(tables.runs).where(eq(tables.runs.runId, runId)).limit(1);
    return row ? toRun(row) : null;
  }

  /** The newest `limit` runs of one app, only those in `statuses` when given (runs_app index). */
  async listForApp(
    graph: string,
    appId: string,
    filter: { statuses?: readonly RunStatus[]; limit: number },
  ): Promise<Run[]> {
    const { db, tables } = this.database;
    const { runs } = tables;
    const rows = await db
      .select()
      .from(runs)
      .where(
        and(
          eq(runs.graph, graph),
          eq(runs.appId, appId),
          filter.statuses ? inArray(runs.status, [...filter.statuses]) : undefined,
        ),
      )
      .orderBy(desc(runs.createdAt), desc(runs.runId))
      .limit(filter.limit);
    return rows.map(toRun);
  }

  /**
   * Moves the next queued run (fair between users, below) to `running` and returns it, or null when
   * none waits. Atomic: two
   * workers (or instances) never claim the same run. Postgres skips rows another claim holds locked;
   * SQLite runs the one UPDATE under its single write lock.
   */
  async claimNext(): Promise<Run | null> {
    const { db, tables, dialect } = this.database;
    const { runs } = tables;
    // Fair between users: the queued run of whoever was served least recently (never first), then
    // the oldest of theirs. One user queueing a hundred runs delays the others by one run at most
    // per worker slot, where a plain FIFO made them wait for all hundred.
    const lastServed = sql`(select max(served.started_at) from runs as served where served.created_by = ${runs.createdBy})`;
    const oldestQueued = db
      .select({ runId: runs.runId })
      .from(runs)
      .where(eq(runs.status, 'queued'))
      .orderBy(sql`${lastServed} asc nulls first`, asc(runs.createdAt), asc(runs.runId))
      .limit(1);
    const next = dialect === 'postgres' ? oldestQueued.for('update', { skipLocked: true }) : oldestQueued;
    const now = new Date();
    const [row] = await db
      .update(runs)
      .set({ status: 'running', attempt: sql`${runs.attempt} + 1`, startedAt: now, heartbeatAt: now })
      // The status check again: on SQLite the subquery and the update are one statement, on Postgres
      // the row is locked, so this only guards against a reader of this code changing either.
      .where(and(eq(runs.runId, sql`(${next})`), eq(runs.status, 'queued')))
      .returning();
    return row ? toRun(row) : null;
  }

  /**
   * Tells the other instances this run is still being worked on (see failInterrupted), and answers
   * whether someone asked to cancel it meanwhile.
   */
  async heartbeat(runId: string): Promise<{ cancelRequested: boolean }> {
    const { db, tables } = this.database;
    const [row] = await db
      .update(tables.runs)
      .set({ heartbeatAt: new Date() })
      .where(and(eq(tables.runs.runId, runId), eq(tables.runs.status, 'running')))
      .returning({ cancelRequestedAt: tables.runs.cancelRequestedAt });
    return { cancelRequested: Boolean(row?.cancelRequestedAt) };
  }

  /**
   * Records that a running run should stop; whichever worker executes it sees this on its next event
   * or heartbeat. Returns the run, or null when it is not running (queued, finished or unknown).
   */
  async requestCancel(runId: string): Promise<Run | null> {
    const { db, tables } = this.database;
    const { runs } = tables;
    const [row] = await db
      .update(runs)
      // The first request's time stays; sql.param encodes the date as the column does (SQLite: integer).
      .set({
        cancelRequestedAt: sql`coalesce(${runs.cancelRequestedAt}, ${sql.param(new Date(), runs.cancelRequestedAt)})`,
      })
      .where(and(eq(runs.runId, runId), eq(runs.status, 'running')))
      .returning();
    return row ? toRun(row) : null;
  }

  /**
   * Sets a run's status (and its error), only while the run is in one of `from` (by default: not
   * finished). Stamps started_at on `running` and ended_at on a finished status. Returns the run, or
   * null when it does not exist or was not in `from` (it finished, or was cancelled, meanwhile).
   */
  async setStatus(
    runId: string,
    status: RunStatus,
    options: { error?: string | null; from?: readonly RunStatus[] } = {},
  ): Promise<Run | null> {
    const { db, tables } = this.database;
    const { runs } = tables;
    const from = options.from ?? (['queued', 'running'] as const);
    const now = new Date();
    const finished = finishedStatuses.includes(status);
    const [row] = await db
      .update(runs)
      .set({
        status,
        error: options.error ?? null,
        ...(status === 'running'
          ? { startedAt: sql`coalesce(${runs.startedAt}, ${sql.param(now, runs.startedAt)})` }
          : {}),
        ...(finished ? { endedAt: now } : {}),
      })
      .where(and(eq(runs.runId, runId), inArray(runs.status, [...from])))
      .returning();
    return row ? toRun(row) : null;
  }

  /**
   * At start: runs left `running` by a process that stopped (its heartbeat older than `staleBefore`,
   * by default now, which suits one instance) become `failed`. With several instances, pass a time
   * some heartbeats ago so the others' live runs are left alone. Returns the ids of the failed runs.
   */
  async failInterrupted(staleBefore: Date = new Date()): Promise<string[]> {
    const { db, tables } = this.database;
    const { runs } = tables;
    const failed = await db
      .update(runs)
      .set({ status: 'failed', error: 'The server stopped while the run was running.', endedAt: new Date() })
      .where(and(eq(runs.status, 'running'), or(isNull(runs.heartbeatAt), lt(runs.heartbeatAt, staleBefore))))
      .returning({ runId: runs.runId });
    return failed.map((row) => row.runId);
  }

  /** Appends an event with the run's next id (1, 2, …); see run-events.ts. */
  appendEvent(runId: string, event: string, data: unknown): Promise<AppendedEvent> {
    return appendRunEvent(this.database, runId, event, data);
  }

  /** Appends events with the run's next ids, in one transaction; see run-events.ts. */
  appendEvents(runId: string, events: readonly { event: string; data: unknown }[]): Promise<AppendedEvent[]> {
    return appendRunEvents(this.database, runId, events);
  }

  /**
   * The run's events with id > after, oldest first, a page at a time: those of `rows` stored rows
   * (at most MAX_EVENTS_PAGE, whatever it asks), each one event or a run of deltas; see run-events.ts.
   */
  listEvents(runId: string, page: { after?: number; rows: number }): Promise<RunEvent[]> {
    return listRunEvents(this.database, runId, page);
  }

  /** The `done` or `error` event that ended the run, without reading the events before it. */
  endingEvent(runId: string): Promise<RunEvent | null> {
    return lastRunEvent(this.database, runId);
  }
}

function toRun(row: RunRow): Run {
  return {
    runId: row.runId,
    graph: row.graph,
    appId: row.appId,
    action: row.action,
    inputs: row.inputs,
    status: row.status,
    error: row.error,
    createdBy: row.createdBy,
    attempt: row.attempt,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    cancelRequestedAt: row.cancelRequestedAt,
    traceParent: row.traceParent,
    lastEventId: row.lastEventId,
  };
}

// The Postgres tables: one of a pair with schema.sqlite.ts. Both dialects run the same code (client.ts
// types every query against these tables), so the two files declare the same tables and column
// names, nullability, keys and indexes, with the same TypeScript types; only the storage differs
// (jsonb and timestamptz here, JSON text and epoch milliseconds there). They stay in step thus:
// - a change is made to both files in the same commit;
// - test/db/schema-parity.test.ts fails when tables, columns, keys, indexes or row types differ;
// - `npm run db:generate` writes each dialect's migration (drizzle/pg, drizzle/sqlite) from its own
//   file; both are committed, and client.ts applies the one of the database it opens.
// This pair is the one named exception to "no duplicated code": drizzle has no table that serves both
// dialects, and drizzle-kit generates a dialect's migrations from that dialect's schema.

import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One row per app: where it stands (sequence, position), the state it started from, and the snapshot
 * its current state is rebuilt from. The state is not rewritten here on every step, so a step costs
 * what it wrote, not the length of the history (see snapshot-policy.ts).
 */
export const apps = pgTable(
  'apps',
  {
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    partitionKey: text('partition_key').notNull(),
    sequenceId: integer('sequence_id').notNull(),
    position: text('position'),
    originState: jsonb('origin_state').$type<Record<string, unknown>>().notNull(),
    originPosition: text('origin_position'),
    // The sequence the origin state stands at: 0, or the last step compaction removed (STEP_KEEP_LAST).
    // The log holds the steps after it; states before it are gone.
    originSequenceId: integer('origin_sequence_id').notNull().default(0),
    // The latest full snapshot of the state (0: origin_state) and what replaying from it costs:
    // a step stores a new snapshot once the writes since the last one outweigh it.
    snapshotSequenceId: integer('snapshot_sequence_id').notNull(),
    snapshotBytes: integer('snapshot_bytes').notNull(),
    replayBytes: integer('replay_bytes').notNull(),
    parentAppId: text('parent_app_id'),
    parentSequenceId: integer('parent_sequence_id'),
    createdAt: time('created_at').notNull(),
    updatedAt: time('updated_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.graph, table.appId] }),
    index('apps_partition_created').on(table.graph, table.partitionKey, table.createdAt),
    index('apps_graph_created').on(table.graph, table.createdAt),
    // Retention finds the apps not updated for STEP_RETENTION_DAYS without reading the others.
    index('apps_updated').on(table.updatedAt),
  ],
);

/** One row per step: what the action wrote (not the whole state), and now and then a full snapshot. */
export const steps = pgTable(
  'steps',
  {
    id: serial('id').primaryKey(),
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    sequenceId: integer('sequence_id').notNull(),
    action: text('action').notNull(),
    inputs: jsonb('inputs'),
    result: jsonb('result'),
    writes: jsonb('writes').$type<import('../engine/persister').StateWrite[]>().notNull(),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>(),
    status: text('status', { enum: ['committed', 'failed'] }).notNull(),
    error: text('error'),
    startedAt: time('started_at').notNull(),
    endedAt: time('ended_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
  },
  (table) => [
    index('steps_app_sequence').on(table.graph, table.appId, table.sequenceId),
    // Finds the nearest snapshot at or before a sequence without reading the steps between.
    index('steps_snapshots').on(table.graph, table.appId, table.sequenceId).where(sql`snapshot is not null`),
    // A committed sequence id exists once: the last guard against a duplicated step.
    uniqueIndex('steps_committed_once')
      .on(table.graph, table.appId, table.sequenceId)
      .where(sql`status = 'committed'`),
  ],
);

/** Sharing: `subject` may read (or also write) an app it does not own. */
export const grants = pgTable(
  'grants',
  {
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    subject: text('subject').notNull(),
    permission: text('permission', { enum: ['read', 'write'] }).notNull(),
    createdAt: time('created_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.graph, table.appId, table.subject] }),
    index('grants_subject').on(table.subject),
  ],
);

/** Background runs: an action to run on an app, claimed by one worker. */
export const runs = pgTable(
  'runs',
  {
    runId: text('run_id').primaryKey(),
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    action: text('action').notNull(),
    inputs: jsonb('inputs'),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }).notNull(),
    error: text('error'),
    createdBy: text('created_by').notNull(),
    attempt: integer('attempt').notNull(),
    createdAt: time('created_at').notNull(),
    startedAt: time('started_at'),
    endedAt: time('ended_at'),
    /** Set when claimed and refreshed by the worker; a running run whose heartbeat stopped was interrupted. */
    heartbeatAt: time('heartbeat_at'),
    /**
     * Set by POST /cancel on a running run; the worker executing it checks this on its heartbeat and
     * with every event it stores, so a cancel is not lost when the bus message is (another instance
     * without Redis, or before the worker subscribed).
     */
    cancelRequestedAt: time('cancel_requested_at'),
    /** The id of the run's last event; appending increments it, so ids increase without gaps. */
    lastEventId: integer('last_event_id').notNull(),
    /** Where the run's outcome is POSTed when it ends (webhook: { url } on POST …/runs); null: nowhere. */
    webhookUrl: text('webhook_url'),
    /** pending until delivered, or failed once retrying for WEBHOOK_RETRY_FOR_MS did not get a 2xx. */
    webhookStatus: text('webhook_status', { enum: ['pending', 'delivered', 'failed'] }),
    webhookAttempts: integer('webhook_attempts').notNull().default(0),
    /** No delivery starts before this: the next retry, or the lease of the instance delivering now. */
    webhookNextAt: time('webhook_next_at'),
    webhookError: text('webhook_error'),
    /** The W3C traceparent of the request that queued the run, so its spans join that trace anywhere. */
    traceParent: text('trace_parent'),
  },
  (table) => [
    index('runs_status_created').on(table.status, table.createdAt),
    // The fair queue (claimNext) asks when each user's runs last started.
    index('runs_creator_started').on(table.createdBy, table.startedAt),
    index('runs_webhook_due').on(table.webhookStatus, table.webhookNextAt),
    // Retention removes an app's runs with it.
    index('runs_app').on(table.graph, table.appId),
  ],
);

/** The events of a run, kept so a client can replay them from any id. */
export const runEvents = pgTable(
  'run_events',
  {
    runId: text('run_id').notNull(),
    /** The id of the row's event (of its last, when it holds several). */
    id: integer('id').notNull(),
    event: text('event').notNull(),
    data: jsonb('data').notNull(),
    createdAt: time('created_at').notNull(),
    /**
     * How many events the row holds: 1, or a run of consecutive deltas stored by one append, with
     * ids id - event_count + 1 … id and `data` the array of their data (src/db/event-rows.ts).
     */
    eventCount: integer('event_count').notNull().default(1),
  },
  (table) => [primaryKey({ columns: [table.runId, table.id] })],
);

/**
 * A chat (AI SDK useChat) and the app that holds its conversation now: the chat id is the first
 * app's id; regenerating an answer forks, and the chat moves to the fork. `last_run_id` is the run of
 * its latest turn, which GET …/chat/{id}/stream resumes while it is active.
 */
export const chats = pgTable(
  'chats',
  {
    graph: text('graph').notNull(),
    chatId: text('chat_id').notNull(),
    appId: text('app_id').notNull(),
    lastRunId: text('last_run_id'),
    updatedAt: time('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.graph, table.chatId] })],
);

export const liveStreams = pgTable(
  'live_streams',
  {
    streamId: text('stream_id').primaryKey(),
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    /** The action the stream is working on now, and the step it will commit. */
    action: text('action').notNull(),
    sequenceId: integer('sequence_id').notNull(),
    /** The process serving the stream, which refreshes seen_at of all its streams at once. */
    instanceId: text('instance_id').notNull(),
    startedAt: time('started_at').notNull(),
    /** A stream not seen for a while was left by an instance that died: readers skip it, sweeps delete it. */
    seenAt: time('seen_at').notNull(),
  },
  (table) => [
    index('live_streams_app').on(table.graph, table.appId),
    index('live_streams_instance').on(table.instanceId),
    index('live_streams_seen').on(table.seenAt),
  ],
);

// The SQLite tables: one of a pair with schema.pg.ts, which holds the rules both follow. In short: the
// same tables and column names, nullability, keys, indexes and TypeScript types (JSON as text, times
// as epoch milliseconds); test/db/schema-parity.test.ts fails when the two drift; after a change to
// both, `npm run db:generate` writes the migrations of both dialects. The one named exception to
// "no duplicated code".

import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const time = (name: string) => integer(name, { mode: 'timestamp_ms' });
const json = <T = unknown>(name: string) => text(name, { mode: 'json' }).$type<T>();

export const apps = sqliteTable(
  'apps',
  {
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    partitionKey: text('partition_key').notNull(),
    sequenceId: integer('sequence_id').notNull(),
    position: text('position'),
    originState: json<Record<string, unknown>>('origin_state').notNull(),
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

export const steps = sqliteTable(
  'steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    sequenceId: integer('sequence_id').notNull(),
    action: text('action').notNull(),
    inputs: json('inputs'),
    result: json('result'),
    writes: json<import('../engine/persister').StateWrite[]>('writes').notNull(),
    snapshot: json<Record<string, unknown>>('snapshot'),
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
    uniqueIndex('steps_committed_once')
      .on(table.graph, table.appId, table.sequenceId)
      .where(sql`status = 'committed'`),
  ],
);

export const grants = sqliteTable(
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

export const runs = sqliteTable(
  'runs',
  {
    runId: text('run_id').primaryKey(),
    graph: text('graph').notNull(),
    appId: text('app_id').notNull(),
    action: text('action').notNull(),
    inputs: json('inputs'),
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

export const runEvents = sqliteTable(
  'run_events',
  {
    runId: text('run_id').notNull(),
    /** The id of the row's event (of its last, when it holds several). */
    id: integer('id').notNull(),
    event: text('event').notNull(),
    data: json('data').notNull(),
    createdAt: time('created_at').notNull(),
    /**
     * How many events the row holds: 1, or a run of consecutive deltas stored by one append, with
     * ids id - event_count + 1 … id and `data` the array of their data (src/db/event-rows.ts).
     */
    eventCount: integer('event_count').notNull().default(1),
  },
  (table) => [primaryKey({ columns: [table.runId, table.id] })],
);

export const chats = sqliteTable(
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

export const liveStreams = sqliteTable(
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

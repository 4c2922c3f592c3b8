import { z } from '@hono/zod-openapi';
import type { Grant } from '../db/grants-repository';
import type { LiveStream } from '../db/live-streams';
import type { StepRecord, StoredApp } from '../engine/persister';
import { pascalCase } from '../lib/openapi';
import { toAppView } from '../lib/run-events';
import { encodeStepCursor } from '../lib/step-cursor';

export { toAppView } from '../lib/run-events';
export { toRunView } from '../lib/run-view';

// What the API answers, in its snake_case: each view is a schema (for OpenAPI and the typed client)
// and the function that builds it from what the engine or a repository returns.

const appFields = {
  app_id: z.string().describe('The app id'),
  partition_key: z.string().describe('The partition (owner) the app belongs to'),
  graph: z.string().describe('The graph the app runs'),
  sequence_id: z.number().int().describe('Completed steps; 0 for a new app'),
  position: z.string().nullable().describe('The last action run, or null'),
  next: z.string().nullable().describe('The action that may run now, or null'),
  parent: z
    .object({ app_id: z.string(), sequence_id: z.number().int() })
    .nullable()
    .describe('The app and step this one was forked from, or null'),
  created_at: z.string().describe('ISO 8601 time of creation'),
  updated_at: z.string().describe('ISO 8601 time of the last step'),
};

/** The AppView schema for a graph, its `state` typed by the graph's state schema. */
export function appViewSchema<Schema extends z.ZodObject>(graphName: string, state: Schema) {
  return z
    .object({ ...appFields, state: state.describe('The state, typed by the graph') })
    .openapi(`${pascalCase(graphName)}App`);
}

/** Each state's JSON, written once: states are frozen, and the reads of an app share one until its next commit (db/latest-states.ts). */
const stateJson = new WeakMap<object, string>();
/** Each frozen app's whole view, written once: an app loaded again unchanged is the same object (db/unchanged-apps.ts). */
const viewJson = new WeakMap<StoredApp, { next: string | null; json: string }>();

/**
 * `JSON.stringify(toAppView(app, next))`, byte for byte, written once per (frozen) app and reused
 * by every read of it, and the state's JSON once per (frozen) state, reused by every app that
 * holds it, instead of written again each time.
 */
export function appViewJson(app: StoredApp, next: string | null): string {
  const kept = viewJson.get(app);
  if (kept?.next === next) return kept.json;
  const { state, parent, created_at, updated_at, ...head } = toAppView(app, next);
  let json = stateJson.get(state);
  if (json === undefined) {
    json = JSON.stringify(state);
    if (Object.isFrozen(state)) stateJson.set(state, json);
  }
  const tail = JSON.stringify({ parent, created_at, updated_at });
  const view = `${JSON.stringify(head).slice(0, -1)},"state":${json},${tail.slice(1)}`;
  if (Object.isFrozen(app) && Object.isFrozen(state) && (!app.parent || Object.isFrozen(app.parent))) {
    viewJson.set(app, { next, json: view });
  }
  return view;
}

/** The AppView without state, for lists. */
export const AppSummarySchema = z.object(appFields).openapi('AppSummary');

/** A list item: the AppView without its state (a list never loads states). */
export function toAppSummary(app: Omit<StoredApp, 'state'>) {
  const { state: _state, ...summary } = toAppView({ ...app, state: {} }, null);
  return summary;
}

export const StateWriteSchema = z
  .discriminatedUnion('op', [
    z.object({ key: z.string(), op: z.literal('set'), value: z.unknown().describe('The new value') }),
    z.object({
      key: z.string(),
      op: z.literal('append'),
      items: z.array(z.unknown()).describe('The items appended to the list'),
    }),
  ])
  .openapi('StateWrite');

export const StepSchema = z
  .object({
    cursor: z
      .string()
      .describe('Names this row: pass as `cursor` for the steps after it (a follower polls so)'),
    sequence_id: z
      .number()
      .int()
      .describe('The step number (a failed attempt has the number it would have had)'),
    action: z.string(),
    inputs: z.unknown().describe('What the caller sent'),
    result: z.unknown().describe('What the action returned'),
    writes: z.array(StateWriteSchema).describe('What the step changed, key by key ([] for a failed one)'),
    state: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .describe('With `include=state` only: the state after the step (null for a failed one)'),
    status: z.enum(['committed', 'failed']),
    error: z.string().nullable(),
    started_at: z.string(),
    ended_at: z.string(),
    duration_ms: z.number().int(),
  })
  .openapi('Step');

export function toStepView(step: StepRecord) {
  return {
    cursor: encodeStepCursor(step),
    sequence_id: step.sequenceId,
    action: step.action,
    inputs: step.inputs,
    result: step.result,
    writes: step.writes,
    ...(step.state === undefined ? {} : { state: step.state }),
    status: step.status,
    error: step.error,
    started_at: step.startedAt.toISOString(),
    ended_at: step.endedAt.toISOString(),
    duration_ms: step.durationMs,
  };
}

export const StepPage = z
  .object({
    items: z.array(StepSchema),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
  })
  .openapi('StepPage');

/** The whole state around one committed step (GET …/steps/{sequence_id}/state). */
export const StepStateSchema = z
  .object({
    sequence_id: z.number().int(),
    action: z.string().nullable().describe('The action that ran at this step'),
    before: z.record(z.string(), z.unknown()).describe('The state before the step'),
    after: z.record(z.string(), z.unknown()).describe('The state the step left'),
  })
  .openapi('StepState');

export const GrantSchema = z
  .object({ subject: z.string(), permission: z.enum(['read', 'write']), created_at: z.string() })
  .openapi('Grant');

export const GrantPage = z
  .object({
    items: z.array(GrantSchema),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
  })
  .openapi('GrantPage');

export const toGrantView = (grant: Grant) => ({
  subject: grant.subject,
  permission: grant.permission,
  created_at: grant.createdAt.toISOString(),
});

export const RunSchema = z
  .object({
    run_id: z.string().describe('The run id'),
    app_id: z.string(),
    graph: z.string(),
    action: z.string().describe('The action the run started with'),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    error: z.string().nullable().describe('Why it failed or was cancelled'),
    created_at: z.string(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
  })
  .openapi('Run');

export const AppRunsSchema = z
  .object({ items: z.array(RunSchema).describe('Newest first') })
  .openapi('AppRuns');

export const LiveStreamSchema = z
  .object({
    stream_id: z.string().describe("The stream's id (it names nothing else in the API)"),
    action: z.string().describe('The action it works on now'),
    sequence_id: z.number().int().describe('The step that action will commit'),
    started_at: z.string().describe('When its first action started'),
  })
  .openapi('LiveStream');

export const AppStreamsSchema = z
  .object({ items: z.array(LiveStreamSchema).describe('Oldest first') })
  .openapi('AppStreams');

export const toLiveStreamView = (stream: LiveStream) => ({
  stream_id: stream.streamId,
  action: stream.action,
  sequence_id: stream.sequenceId,
  started_at: stream.startedAt.toISOString(),
});

export const AccessSchema = z
  .object({
    access: z.enum(['read', 'write', 'manage']).describe("The caller's access to the app"),
    may: z
      .object({
        read: z.boolean(),
        act: z.boolean().describe('Run actions (and stream them)'),
        fork: z.boolean(),
        run: z.boolean().describe('Start and cancel background runs'),
        manage_grants: z.boolean().describe('Share the app'),
      })
      .describe('What that access allows, by the rules the routes themselves check (src/auth/policy.ts)'),
  })
  .openapi('AppAccess');

export const RunCreatedSchema = z
  .object({ run_id: z.string(), status: z.literal('queued') })
  .openapi('RunCreated');

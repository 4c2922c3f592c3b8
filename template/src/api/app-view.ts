import { z } from '@hono/zod-openapi';
import type { StoredApp } from '../engine/persister';

/** The AppView of DESIGN.md: where an app stands and what may run next, in the API's snake_case. */
export function toAppView(app: StoredApp, next: string | null) {
  return {
    app_id: app.appId,
    partition_key: app.partitionKey,
    graph: app.graph,
    sequence_id: app.sequenceId,
    position: app.position,
    next,
    state: app.state,
    parent: app.parent ? { app_id: app.parent.appId, sequence_id: app.parent.sequenceId } : null,
    created_at: app.createdAt.toISOString(),
    updated_at: app.updatedAt.toISOString(),
  };
}

export type AppView = ReturnType<typeof toAppView>;

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
    .openapi(`${pascal(graphName)}App`);
}

/** The AppView without state, for lists. */
export const AppSummarySchema = z.object(appFields).openapi('AppSummary');

const pascal = (name: string) =>
  name.replace(/(^|[_-])(\w)/g, (_, __, letter: string) => letter.toUpperCase());

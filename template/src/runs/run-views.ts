import { z } from '@hono/zod-openapi';
import type { Run } from '../db/runs-repository';

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

export const RunCreatedSchema = z
  .object({ run_id: z.string(), status: z.literal('queued') })
  .openapi('RunCreated');

export const RunRequestSchema = z
  .object({
    action: z.string().min(1).describe("The action to run; it must be the app's next when the run starts"),
    inputs: z.record(z.string(), z.unknown()).default({}).describe("The action's inputs"),
  })
  .openapi('RunRequest');

export const RunIdParams = z.object({
  run_id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'run_id', in: 'path' }, description: 'The run id' }),
});

export function toRunView(run: Run) {
  return {
    run_id: run.runId,
    app_id: run.appId,
    graph: run.graph,
    action: run.action,
    status: run.status,
    error: run.error,
    created_at: run.createdAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    ended_at: run.endedAt?.toISOString() ?? null,
  };
}

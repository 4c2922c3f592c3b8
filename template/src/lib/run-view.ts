import type { Run } from '../db/runs-repository';

/** A run as the API shows it (GET /runs/{run_id}, webhooks), in its snake_case. */
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

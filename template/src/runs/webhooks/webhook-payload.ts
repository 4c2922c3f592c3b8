import type { Run, RunsRepository } from '../../db/runs-repository';
import { toRunView } from '../../lib/run-view';
import { endingProblem } from '../run-problem';

/**
 * The body POSTed when a run ends, in the Standard Webhooks shape `{ type, timestamp, data }`:
 * `data.run` as GET /runs/{run_id} answers it, with `data.result` the final AppView of a succeeded
 * run (GET …/result) or `data.problem` the problem of one that failed or was cancelled.
 */
export async function webhookPayload(runs: RunsRepository, run: Run) {
  const last = await runs.endingEvent(run.runId);
  const succeeded = run.status === 'succeeded' && last?.event === 'done';
  return {
    type: `run.${run.status}`,
    timestamp: (run.endedAt ?? new Date()).toISOString(),
    data: {
      run: toRunView(run),
      result: succeeded ? last.data : null,
      problem: succeeded ? null : last?.event === 'error' ? last.data : endingProblem(run),
    },
  };
}

import type { Run } from '../db/runs-repository';
import { ProblemError, problem } from '../lib/errors';
import type { Services } from '../lib/services';
import { withNext } from './run-problem';

/**
 * Cancels a run (POST /api/v1/runs/{run_id}/cancel, and a chat's stop): a queued run at once, a
 * running one by recording the request and telling its worker. A finished run is a 409.
 */
export async function cancelRun(
  services: Pick<Services, 'runs' | 'bus' | 'runners'>,
  run: Run,
): Promise<Run> {
  const { runs, bus, runners } = services;
  const detail = 'The run was cancelled before it started.';
  const cancelled = await runs.setStatus(run.runId, 'cancelled', { error: detail, from: ['queued'] });
  if (cancelled) {
    // No worker will touch it: this writes its last event, so followers see why it ended.
    await runs.appendEvent(run.runId, 'error', await withNext(runners, cancelled, problem(409, detail)));
    await bus.publish(run.runId, 'event');
    return cancelled;
  }
  // Running (perhaps claimed since it was read): the request is stored, so whichever worker runs
  // it sees it even if the bus message below is lost.
  const requested = await runs.requestCancel(run.runId);
  if (!requested) {
    const now = (await runs.get(run.runId)) ?? run;
    throw new ProblemError(
      problem(409, `The run has already ${now.status === 'cancelled' ? 'been cancelled' : 'finished'}.`),
    );
  }
  await bus.publish(run.runId, 'cancel');
  return requested;
}

import type { Run } from '../db/runs-repository';
import type { AnyRunner } from '../engine';
import { type Problem, problem } from '../lib/errors';

/** Why a run whose process died ended (RunsRepository.failInterrupted sets the same error). */
export const interruptedProblem = () => problem(500, 'The server stopped while the run was running.');

/** The problem of a finished run that stored no last event, from its status and error. */
export function endingProblem(run: Run): Problem {
  if (run.status === 'cancelled') return problem(409, run.error ?? 'The run was cancelled.');
  return problem(500, run.error ?? 'The run failed.');
}

/** The problem with the app's `next`, as a streamed action's `error` event carries it. */
export async function withNext(
  runners: ReadonlyMap<string, AnyRunner>,
  run: Run,
  found: Problem,
): Promise<Problem> {
  const runner = runners.get(run.graph);
  const app = await runner?.load(run.appId).catch(() => null);
  return { ...found, next: app && runner ? runner.next(app) : null };
}

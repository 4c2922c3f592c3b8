import type { Run } from '../db/runs-repository';
import type { GraphRunner } from '../engine/runner';
import { type Problem, problem } from '../lib/errors';

// biome-ignore lint/suspicious/noExplicitAny: applications of different graphs live in one map.
export type AnyRunner = GraphRunner<any>;

/** Why a run whose process died ended (RunsRepository.failInterrupted sets the same error). */
export const interruptedProblem = () => problem(500, 'The server stopped while the run was running.');

/** The problem of a finished run that stored no last event, from its status and error. */
export function endingProblem(run: Run): Problem {
  if (run.status === 'cancelled') return problem(409, run.error ?? 'The run was cancelled.');
  return problem(500, run.error ?? 'The run failed.');
}

/** The problem with the app's `next`, as a streamed action's `error` event carries it. */
export async function withNext(
  applications: ReadonlyMap<string, AnyRunner>,
  run: Run,
  found: Problem,
): Promise<Problem> {
  const application = applications.get(run.graph);
  const app = await application?.load(run.appId).catch(() => null);
  return { ...found, next: app && application ? application.next(app) : null };
}

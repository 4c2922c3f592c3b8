import type { AnyRunner } from '../engine';
import type { AppVariables } from '../lib/env';
import { ProblemError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { engineProblem } from '../lib/run-events';

/**
 * The ProblemError an engine error answers with (handlers throw it, so they only ever return the
 * bodies their route declares); anything else is rethrown for the app's 500 handler.
 */
export async function asProblem(
  logger: Logger,
  runner: AnyRunner,
  error: unknown,
  appId: string,
): Promise<ProblemError> {
  const app = await runner.load(appId).catch(() => null);
  const found = engineProblem(error, app ? runner.next(app) : null);
  if (!found) throw error;
  if (found.status >= 500) logger.error({ err: error, appId }, 'action failed');
  return new ProblemError(found);
}

/** Fires when the client leaves or the request's deadline passes (src/api/middleware/deadline.ts). */
export function requestSignal(c: {
  req: { raw: Request };
  var: Pick<AppVariables, 'deadline'>;
}): AbortSignal {
  const deadline = c.var.deadline;
  return deadline ? AbortSignal.any([c.req.raw.signal, deadline.signal]) : c.req.raw.signal;
}

import type { ServerResponse } from 'node:http';
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

/**
 * Fires when the client leaves or the request's deadline passes (src/api/middleware/deadline.ts),
 * whichever comes first, with its reason.
 */
export function requestSignal(c: {
  req: { raw: Request };
  env?: unknown;
  get: (key: 'deadline') => AppVariables['deadline'] | undefined;
}): AbortSignal {
  const deadline = c.get('deadline');
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  // Not on node:http (app.request() in tests): the request's own signal, which Hono aborts.
  if (!outgoing) return deadline ? AbortSignal.any([c.req.raw.signal, deadline.signal]) : c.req.raw.signal;
  // On node:http, one controller that either cause aborts: `c.req.raw.signal` would build the full
  // undici Request (src/api/middleware/node-body.ts says what that costs), and AbortSignal.any
  // would add two more signals to every action request.
  const stop = new AbortController();
  abortWhenClientLeaves(outgoing, stop);
  deadline?.alsoAbort(stop);
  return stop.signal;
}

/** Aborts `controller` when the Node response closes before it was all written: the client left. */
function abortWhenClientLeaves(outgoing: ServerResponse, controller: AbortController) {
  const leave = () => {
    if (!outgoing.writableFinished) controller.abort('Client connection prematurely closed.');
  };
  // Gone already (before the handler asked): no close event is coming.
  if (outgoing.closed) leave();
  else outgoing.once('close', leave);
}

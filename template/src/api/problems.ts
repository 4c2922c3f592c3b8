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

/** Fires when the client leaves or the request's deadline passes (src/api/middleware/deadline.ts). */
export function requestSignal(c: {
  req: { raw: Request };
  env?: unknown;
  var: Pick<AppVariables, 'deadline'>;
}): AbortSignal {
  const left = clientLeft(c);
  const deadline = c.var.deadline;
  return deadline ? AbortSignal.any([left, deadline.signal]) : left;
}

/**
 * Fires when the client goes away before the response is written: on node:http, when the Node
 * response closes unfinished, as @hono/node-server aborts `c.req.raw.signal`, whose first use
 * builds the full undici Request (src/api/middleware/node-body.ts says what that costs).
 */
function clientLeft(c: { req: { raw: Request }; env?: unknown }): AbortSignal {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing) return c.req.raw.signal;
  const left = new AbortController();
  const leave = () => {
    if (!outgoing.writableFinished) left.abort('Client connection prematurely closed.');
  };
  // Gone already (before the handler asked): no close event is coming.
  if (outgoing.closed) leave();
  else outgoing.once('close', leave);
  return left.signal;
}

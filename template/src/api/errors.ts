import type { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../lib/env';
import { ProblemError, problem, problemResponse } from '../lib/errors';

/**
 * The one way errors are answered: problem+json with the request id. A ProblemError answers as it
 * says, Hono's own 4xx (malformed JSON …) keep their status, anything else is logged and a 500
 * without a stack trace.
 */
export function answerErrors(app: Hono<AppEnv>) {
  app.notFound((c) => problemResponse(c, problem(404, `No route for ${c.req.method} ${c.req.path}.`)));
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error.problem, error.headers);
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(c, problem(error.status, error.message));
    }
    c.var.logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return problemResponse(c, problem(500, 'Something went wrong on our side; quote the request id.'));
  });
}

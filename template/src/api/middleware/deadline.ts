import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ProblemError, problem } from '../../lib/errors';

export type DeadlineVariables = {
  /** Fires when the request's deadline passes; handlers pass it on to the work they start. */
  deadline: AbortSignal;
};

/**
 * Answers 504 problem+json when a request takes longer than `ms`, and at that moment fires
 * `c.get('deadline')` so the handler's work stops too. (hono/timeout answers 504 but lets the
 * handler run on: a slow action would then commit a step after the client was told it failed.)
 *
 *     app.use(deadline(30_000, { skip: (c) => c.req.path.endsWith('/stream') }));
 *     // in a handler: application.run(id, { signal: AbortSignal.any([c.req.raw.signal, c.get('deadline')]) })
 */
export function deadline(ms: number, options: { skip?: (c: Context) => boolean } = {}) {
  return createMiddleware<{ Variables: DeadlineVariables }>(async (c, next) => {
    if (options.skip?.(c)) return next();
    const expired = new AbortController();
    c.set('deadline', expired.signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tooLate = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const late = new ProblemError(problem(504, 'The request took too long.'));
        expired.abort(late);
        reject(late);
      }, ms);
    });
    try {
      await Promise.race([next(), tooLate]);
    } finally {
      clearTimeout(timer);
    }
  });
}

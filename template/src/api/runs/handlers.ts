import type { RouteConfig, RouteConfigToEnv, RouteHandler } from '@hono/zod-openapi';
import type { z } from 'zod';
import type { Run } from '../../db/runs-repository';
import type { AppEnv } from '../../lib/env';
import { type Problem, ProblemError, problem } from '../../lib/errors';
import type { Services } from '../../lib/services';
import { cancelRun } from '../../runs/cancel-run';
import { type FollowRunOptions, followedToEnd, followRun } from '../../runs/follow-run';
import { endingProblem, withNext } from '../../runs/run-problem';
import { resumeAfter } from '../schemas';
import { sseResponse } from '../sse';
import { toRunView } from '../views';
import type { RunRoutes } from './routes';

// The answers of the runs routes (routes.ts). Each route's `requiresRun(…)` has loaded the run
// (`c.var.run`) after checking the caller's access to its app.

type Handler<R extends RouteConfig> = RouteHandler<R, AppEnv & RouteConfigToEnv<R>>;
type AppResult = z.infer<RunRoutes['getResult']['responses'][200]['content']['application/json']['schema']>;

export const getRun: Handler<RunRoutes['getRun']> = (c) => c.json(toRunView(c.var.run), 200);

export const getResult: Handler<RunRoutes['getResult']> = async (c) => {
  const { run } = c.var;
  if (run.status === 'queued' || run.status === 'running') {
    throw new ProblemError(problem(409, `The run is ${run.status}; ask again when it has finished.`));
  }
  const last = await c.var.services.runs.endingEvent(run.runId);
  if (run.status === 'succeeded' && last?.event === 'done') return c.json(last.data as AppResult, 200);
  const failure =
    (last?.event === 'error' ? (last.data as Problem) : undefined) ??
    problem(500, run.error ?? 'The run failed.');
  throw new ProblemError(
    run.status === 'cancelled' ? problem(409, run.error ?? 'The run was cancelled.') : failure,
  );
};

export const events: Handler<RunRoutes['events']> = async (c) => {
  const after = resumeAfter(c.req.header('last-event-id'), 'Last-Event-ID');
  const { run } = c.var;
  // A reconnect after the last event (what EventSource does once the server closes) gets 204, which
  // stops the EventSource, instead of a stream that would end at once and be retried forever.
  if (await followedToEnd(c.var.services.runs, run, after)) return c.body(null, 204);
  const follow = followOptions(c.var.services);
  return sseResponse(c, async (writer) => {
    for await (const event of followRun(follow, run.runId, after, writer.signal)) {
      await writer.sendWithId(event.id, event.event, event.data);
    }
  });
};

export const cancel: Handler<RunRoutes['cancel']> = async (c) =>
  c.json(toRunView(await cancelRun(c.var.services, c.var.run)), 202);

/** How a follower reads a run's events: live when it runs here, else from the database, woken by the bus. */
export function followOptions(services: Services): FollowRunOptions {
  const { runs, bus, live, runners, followPollMs } = services;
  const endingOf = (run: Run) => withNext(runners, run, endingProblem(run));
  return { runs, bus, live, pollMs: followPollMs, endingOf };
}

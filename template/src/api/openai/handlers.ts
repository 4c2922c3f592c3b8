import { randomUUID } from 'node:crypto';
import type { RouteConfig, RouteConfigToEnv, RouteHandler } from '@hono/zod-openapi';
import { canCreateIn } from '../../auth/policy';
import type { AnyRunner, RunEvent, StoredApp } from '../../engine';
import type { AppEnv } from '../../lib/env';
import { ProblemError, problems } from '../../lib/errors';
import { engineProblem } from '../../lib/run-events';
import { asProblem, requestSignal } from '../problems';
import { answerOf, planCall, usageOf } from './conversation';
import type { OpenAIRoutes } from './routes';
import { streamCompletion } from './stream';

type Handler<R extends RouteConfig> = RouteHandler<R, AppEnv & RouteConfigToEnv<R>>;

const seconds = () => Math.floor(Date.now() / 1000);

export const models: Handler<OpenAIRoutes['models']> = (c) => {
  const { chatMappings } = c.var.services;
  // Anyone signed in may start apps in their own partition, so every chat graph is theirs to use.
  const usable = canCreateIn(c.var.user, c.var.user.sub) ? [...chatMappings.keys()] : [];
  const data = usable.map((id) => ({ id, object: 'model' as const, created: 0, owned_by: 'switchyard' }));
  return c.json({ object: 'list' as const, data }, 200);
};

export const completions: Handler<OpenAIRoutes['completions']> = async (c) => {
  const body = c.req.valid('json');
  const { runners, chatMappings } = c.var.services;
  const mapping = chatMappings.get(body.model);
  const runner = runners.get(body.model);
  if (!mapping || !runner)
    throw problems.notFound(`The model "${body.model}" does not exist; GET /v1/models lists them.`);
  const plan = planCall(runner, mapping, body);
  const { app } = await runner
    .create({
      appId: `chatcmpl-${randomUUID()}`,
      partitionKey: c.var.user.sub,
      state: mapping.seed(plan.history) as Record<string, unknown>,
    })
    .catch((error) => {
      // A history the state schema refuses is the caller's problem (422), not ours.
      const found = engineProblem(error, null);
      throw found ? new ProblemError(found) : error;
    });
  const meta = { id: app.appId, created: seconds(), model: body.model };
  if (!body.stream) {
    const { halted, pieces } = await collect(
      runner,
      app,
      mapping.action,
      plan.inputs,
      requestSignal(c),
    ).catch(async (error) => {
      throw await asProblem(c.var.logger, runner, error, app.appId);
    });
    const message = { role: 'assistant' as const, content: answerOf(mapping, halted), refusal: null };
    return c.json(
      {
        ...meta,
        object: 'chat.completion' as const,
        choices: [{ index: 0, message, finish_reason: 'stop' as const, logprobs: null }],
        usage: usageOf(body, pieces),
      },
      200,
    );
  }
  const watch = c.var.services.liveStreams.watch({ graph: runner.graph.name, appId: app.appId });
  return streamCompletion(c, { runner, app, mapping, inputs: plan.inputs, body, meta, watch });
};

/** Runs the chat action and the steps after it; the app where it halted and the pieces it streamed. */
async function collect(
  runner: AnyRunner,
  app: StoredApp,
  action: string,
  inputs: unknown,
  signal: AbortSignal,
) {
  let pieces = 0;
  for await (const event of runner.stream(app, {
    action,
    inputs,
    signal,
  }) as AsyncGenerator<RunEvent>) {
    if (event.event === 'delta' && typeof event.data.delta === 'string') pieces++;
    if (event.event === 'error') throw event.data.error;
    if (event.event === 'done') return { halted: event.data.app, pieces };
  }
  throw new Error('The run ended without a done event');
}

import { randomUUID } from 'node:crypto';
import type { RouteConfig, RouteConfigToEnv, RouteHandler } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { canCreateIn } from '../../auth/policy';
import type { AnyRunner, RunEvent, StoredApp } from '../../engine';
import type { AppEnv } from '../../lib/env';
import { problems } from '../../lib/errors';
import { runProblem } from '../../lib/run-events';
import { asProblem, requestSignal } from '../problems';
import { answerOf, planCall, usageOf } from './conversation';
import { toOpenAIError } from './errors';
import type { OpenAIRoutes } from './routes';

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
  const { app } = await runner.create({
    appId: `chatcmpl-${randomUUID()}`,
    partitionKey: c.var.user.sub,
    state: mapping.seed(plan.history) as Record<string, unknown>,
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
  const leave = new AbortController();
  const events = runner.stream(app.appId, {
    action: mapping.action,
    inputs: plan.inputs,
    signal: leave.signal,
  });
  const includeUsage = body.stream_options?.include_usage === true;
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => leave.abort());
    const chunk = (delta: object, finish: 'stop' | null) => ({
      ...meta,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    let pieces = 0;
    await stream.writeSSE({ data: JSON.stringify(chunk({ role: 'assistant', content: '' }, null)) });
    for await (const event of events) {
      if (event.event === 'delta' && typeof event.data.delta === 'string') {
        pieces++;
        await stream.writeSSE({ data: JSON.stringify(chunk({ content: event.data.delta }, null)) });
      } else if (event.event === 'error') {
        // The openai client raises an APIError for a `data:` event carrying `error`.
        await stream.writeSSE({
          data: JSON.stringify(toOpenAIError(runProblem(event.data.error, event.data.next))),
        });
        return;
      }
    }
    await stream.writeSSE({ data: JSON.stringify(chunk({}, 'stop')) });
    if (includeUsage)
      await stream.writeSSE({
        data: JSON.stringify({ ...chunk({}, null), choices: [], usage: usageOf(body, pieces) }),
      });
    await stream.writeSSE({ data: '[DONE]' });
  });
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
  for await (const event of runner.stream(app.appId, {
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

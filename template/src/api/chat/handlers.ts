import type { RouteConfig, RouteConfigToEnv, RouteHandler } from '@hono/zod-openapi';
import { idTakenProblem } from '../../auth/requires';
import type { ChatVariables } from '../../auth/requires-chat';
import { finishedStatuses } from '../../db/runs-repository';
import type { StoredApp } from '../../engine';
import type { AppEnv } from '../../lib/env';
import { problems } from '../../lib/errors';
import { cancelRun } from '../../runs/cancel-run';
import { toRunView } from '../views';
import type { ChatRoutes } from './routes';
import { lastUserText } from './schemas';
import { lastUserStep, submitTurn } from './turns';
import { uiMessageStreamOf } from './ui-stream';

// The answers of the chat routes (routes.ts). Each route's requiresChat(…) has loaded the chat and
// its app after checking the caller's access.

type ChatEnv = { Variables: AppEnv['Variables'] & ChatVariables };
type Handler<R extends RouteConfig> = RouteHandler<R, ChatEnv & RouteConfigToEnv<R>>;

/** The chat's running turn, or null. */
async function activeRun(c: { var: ChatEnv['Variables'] }) {
  const runId = c.var.chat?.lastRunId;
  const run = runId ? await c.var.services.runs.get(runId) : null;
  return run && !finishedStatuses.includes(run.status) ? run : null;
}

export const send: Handler<ChatRoutes['send']> = async (c) => {
  const { runner, user, chatMapping, chatApp } = c.var;
  const { runs, chats, grants, runQueued } = c.var.services;
  const body = c.req.valid('json');
  if (await activeRun(c)) throw problems.conflict('A turn is still running: resume it, or stop it first.');
  let app: StoredApp | null = chatApp;
  let turn: { action: string; inputs: unknown };
  if (body.trigger === 'regenerate-message') {
    const at = app && (await lastUserStep(runner, chatMapping, app.appId));
    if (!app || at === null) throw problems.conflict('There is no answer to regenerate yet.');
    // The fork stays in the chat's partition, so the chat keeps its owner whoever regenerates it.
    app = await runner.fork(app.appId, { fromSequence: at, partitionKey: app.partitionKey });
    turn = { action: runner.next(app) ?? chatMapping.action, inputs: undefined };
  } else {
    const text = lastUserText(body.messages);
    if (text === null)
      throw problems.unprocessable('The last message must be a user message with text.', [
        { path: 'messages', message: 'no user text at the end' },
      ]);
    turn = submitTurn(runner, chatMapping, app, text);
    if (!app) {
      const made = await runner.create({ appId: body.id, partitionKey: user.sub });
      // Taken a moment ago by a concurrent request: answered as for any id another app holds.
      if (!made.created) throw await idTakenProblem(grants, user, made.app);
      app = made.app;
    }
  }
  const run = await runs.create({ graph: runner.graph.name, appId: app.appId, ...turn, createdBy: user.sub });
  await chats.save({ graph: runner.graph.name, chatId: body.id, appId: app.appId, lastRunId: run.runId });
  runQueued();
  return uiMessageStreamOf(c.var.services, run.runId, c.req.raw.signal, c.var.ssePingIntervalMs);
};

export const resume: Handler<ChatRoutes['resume']> = async (c) => {
  const run = await activeRun(c);
  if (!run) return c.body(null, 204);
  return uiMessageStreamOf(c.var.services, run.runId, c.req.raw.signal, c.var.ssePingIntervalMs);
};

export const stop: Handler<ChatRoutes['stop']> = async (c) => {
  const run = await activeRun(c);
  if (!run) throw problems.conflict('No turn is running.');
  return c.json(toRunView(await cancelRun(c.var.services, run)), 202);
};

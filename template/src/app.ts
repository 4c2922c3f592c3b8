import { upgradeWebSocket } from '@hono/node-server';
import type { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { mountChat } from './api/chat';
import { devTokenRoutes } from './api/dev-token';
import { addDocs } from './api/docs';
import { answerErrors } from './api/errors';
import { mountGraph } from './api/graph';
import { healthRoutes } from './api/health';
import { installMiddleware } from './api/middleware';
import { webSocketBearer } from './api/middleware/websocket-bearer';
import { mountOpenAI } from './api/openai';
import { API_PREFIX, graphPath, OPENAI_PREFIX } from './api/paths';
import { mountRuns } from './api/runs';
import { type ChatMapping, entryParts } from './chat/mapping';
import type { LlmProvider } from './chatbot/llm/provider';
import type { Config } from './config';
import type { Database } from './db/client';
import { DrizzlePersister } from './db/drizzle-persister';
import { type AnyRunner, GraphRunner } from './engine';
import { composeTrackers } from './engine/compose-trackers';
import { LogTracker } from './engine/log-tracker';
import { graphs } from './graphs';
import type { AppEnv } from './lib/env';
import type { Logger } from './lib/logger';
import { createRouter } from './lib/openapi';
import { createServices } from './lib/services';
import { type Instrumentation, instrumentation } from './metrics';
import { routes } from './routes';
import { requestSpans } from './tracing/request-spans';
import { TraceTracker } from './tracing/trace-tracker';
import { mountPages } from './ui';

/** What the app is built from; tests pass the same things on other settings (temp db, loopback LLM). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  database: Database;
  llm: LlmProvider;
  /** Shares rate limits (and run wake-ups) across instances when REDIS_URL is set. */
  redis?: Redis;
  /**
   * True when index.ts started the trace SDK (OTEL_* set): adds the request spans and the step
   * tracker. Without it they are left out, since even the API's no-op spans cost a request a few
   * µs (bench/tracing-cost.ts); run spans still go through the API, a no-op then.
   */
  traced?: boolean;
}

/** Builds the whole HTTP app. No side effects: index.ts serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  const app = createRouter<AppEnv>();
  // Metrics only when someone may read them (METRICS_TOKEN): otherwise nothing is counted at all.
  const observed = config.METRICS_TOKEN ? instrumentation(deps.database) : undefined;
  const { runners, chatMappings } = mountedGraphs(deps, observed);
  const { services, runWorker, webhookDispatcher } = createServices({
    ...deps,
    runners,
    chatMappings,
    observed,
  });
  // First, so everything a request does (and the runs it starts) is inside its span.
  if (deps.traced) app.use(requestSpans());
  const authenticated = installMiddleware(app, { ...deps, services, observed });

  app.route(
    '/',
    healthRoutes(() => deps.database.ping()),
  );
  if (config.AUTH_DEV_LOGIN && config.JWT_SECRET) app.route('/', devTokenRoutes(config.JWT_SECRET));
  // Before authentication: a browser's WebSocket can carry its token only as a subprotocol.
  app.use(`${API_PREFIX}/runs/:run_id/ws`, webSocketBearer());
  app.use('/api/*', ...authenticated);
  for (const runner of runners.values()) app.route(graphPath(runner.graph.name), mountGraph(runner));
  for (const [name, mapping] of chatMappings) {
    app.route(graphPath(name), mountChat(runners.get(name) as AnyRunner, mapping));
  }
  // OpenAI's chat completions over the chat graphs: the same token, OpenAI's error shape.
  app.route(OPENAI_PREFIX, mountOpenAI(authenticated));
  app.route(API_PREFIX, mountRuns(runners.values(), upgradeWebSocket));
  for (const router of routes) app.route(API_PREFIX, router);

  if (observed && config.METRICS_TOKEN) observed.mount(app, config.METRICS_TOKEN);
  addDocs(app);
  mountPages(
    app,
    [...runners.values()].map((runner) => runner.graph),
    { devLogin: config.AUTH_DEV_LOGIN },
  );
  answerErrors(app);

  return {
    app,
    /** Executes background runs; index.ts starts it and stops it on shutdown. */
    runWorker,
    /** Delivers run webhooks when WEBHOOK_SECRET is set; index.ts starts and stops it with the worker. */
    webhookDispatcher,
    runBus: services.bus,
    /** Where the node:http server hands the run events WebSocket's upgrades (startServer's `webSockets`). */
    webSockets: new WebSocketServer({ noServer: true }),
  };
}

/**
 * A runner for every graph of src/graphs.ts, by name, and the chat mapping of those that opted in;
 * a name used twice (or `runs`) fails at start.
 */
function mountedGraphs(deps: AppDeps, observed?: Instrumentation) {
  const persister = new DrizzlePersister(deps.database);
  const tracker = composeTrackers(
    new LogTracker(deps.logger),
    ...(observed ? [observed.tracker] : []),
    ...(deps.traced ? [new TraceTracker()] : []),
  );
  const runners = new Map<string, AnyRunner>();
  const chatMappings = new Map<string, ChatMapping<unknown>>();
  for (const entry of graphs({ llm: deps.llm })) {
    const { graph, chat } = entryParts(entry);
    const name: string = graph.name;
    if (runners.has(name) || name === 'runs')
      throw new Error(`src/graphs.ts: the graph name "${name}" is taken; rename the graph`);
    runners.set(name, new GraphRunner(graph, { persister, tracker, logger: deps.logger }));
    if (chat) chatMappings.set(name, chat);
  }
  return { runners: runners as ReadonlyMap<string, AnyRunner>, chatMappings };
}

export type App = ReturnType<typeof createApp>['app'];

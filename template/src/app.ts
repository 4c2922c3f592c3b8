import { createNodeWebSocket } from '@hono/node-ws';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { Redis } from 'ioredis';
import { devTokenRoutes } from './api/dev-token';
import { addDocs } from './api/docs';
import { mountGraph } from './api/graph';
import { healthRoutes } from './api/health';
import { anonymousLimits } from './api/middleware/anonymous-limit';
import { closeUnreadBody } from './api/middleware/close-unread-body';
import { deadline } from './api/middleware/deadline';
import { rateLimit } from './api/middleware/rate-limit';
import { requestLog } from './api/middleware/request-log';
import { storableJson } from './api/middleware/storable-json';
import { StreamSlots } from './api/middleware/stream-slots';
import { webSocketBearer } from './api/middleware/websocket-bearer';
import { API_PREFIX, graphPath } from './api/paths';
import { mountRuns } from './api/runs';
import { withFullRefusals } from './api/runs/websocket-refusals';
import { authenticate } from './auth/authenticate';
import type { LlmProvider } from './chatbot/llm/provider';
import type { Config } from './config';
import { AppsRepository } from './db/apps-repository';
import type { Database } from './db/client';
import { DrizzlePersister } from './db/drizzle-persister';
import { GrantsRepository } from './db/grants-repository';
import { RunsRepository } from './db/runs-repository';
import { type AnyGraph, type AnyRunner, GraphRunner } from './engine';
import { composeTrackers } from './engine/compose-trackers';
import { LogTracker } from './engine/log-tracker';
import { graphs } from './graphs';
import type { AppEnv } from './lib/env';
import { ProblemError, problem, problemResponse } from './lib/errors';
import type { Logger } from './lib/logger';
import { createRouter } from './lib/openapi';
import type { Services } from './lib/services';
import { type Instrumentation, instrumentation } from './metrics';
import { routes } from './routes';
import { memoryRunBus, redisRunBus } from './runs/run-bus';
import { webhookDelivery } from './runs/webhooks';
import { RunWorker } from './runs/worker';
import { requestSpans } from './tracing/request-spans';
import { TraceTracker } from './tracing/trace-tracker';
import { assetRoutes } from './ui/assets';
import { chatPage } from './ui/chat-page';

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

const hasBody = (method: string) => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';

/** Streams stay open as long as they need; everything else is bounded by REQUEST_TIMEOUT_MS. */
const isStreaming = (path: string) => /\/(stream|events|ws)$/.test(path);

/** Builds the whole HTTP app. No side effects: index.ts serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const app = createRouter<AppEnv>();
  // Metrics only when someone may read them (METRICS_TOKEN): otherwise nothing is counted at all.
  const observed = config.METRICS_TOKEN ? instrumentation(deps.database) : undefined;
  const runners = mountedRunners(deps, observed);
  const runs = new RunsRepository(deps.database);
  const bus = deps.redis ? redisRunBus(deps.redis) : memoryRunBus();
  const webhooks = webhookDelivery(config, runs, deps.database, logger);
  const runWorker = new RunWorker({
    runs,
    bus,
    runners,
    logger,
    concurrency: config.RUN_CONCURRENCY,
    singleInstance: deps.database.dialect === 'sqlite',
    onRunEnded: webhooks ? () => webhooks.dispatcher.kick() : undefined,
  });
  const services: Services = {
    apps: new AppsRepository(deps.database),
    grants: new GrantsRepository(deps.database),
    runs,
    bus,
    runners,
    runQueued: () => void runWorker.poll(),
    followPollMs: config.RUN_FOLLOW_POLL_MS,
    streams: new StreamSlots(config.STREAMS_PER_USER),
    streamOpened: observed?.streamOpened,
    webhookTargets: webhooks?.targets,
  };

  // First, so everything a request does (and the runs it starts) is inside its span.
  if (deps.traced) app.use(requestSpans());
  app.use(closeUnreadBody());
  if (observed) app.use(observed.httpMiddleware);
  app.use(requestLog(logger));
  app.use(secureHeaders({ contentSecurityPolicy: undefined }));
  // Without a token, per client address: everything outside /api, and the 401s inside it.
  const anonymous = anonymousLimits({
    limit: config.ANON_RATE_LIMIT_PER_MIN,
    trustProxy: config.TRUST_PROXY,
    redis: deps.redis,
  });
  app.use((c, next) => (c.req.path.startsWith('/api/') ? next() : anonymous.everything(c, next)));
  if (config.CORS_ORIGINS.length > 0) {
    app.use(cors({ origin: config.CORS_ORIGINS, exposeHeaders: ['X-Request-Id', 'Retry-After'] }));
  }
  const limitBody = bodyLimit({
    maxSize: config.BODY_LIMIT,
    onError: (c) => problemResponse(c, problem(413, `The body may be at most ${config.BODY_LIMIT} bytes.`)),
  });
  // Only requests that may carry a body: on @hono/node-server, merely looking at a GET request's
  // body builds a full Request object, which cost GET routes three quarters of their throughput.
  app.use((c, next) => (hasBody(c.req.method) ? limitBody(c, next) : next()));
  app.use(deadline(config.REQUEST_TIMEOUT_MS, { skip: (c) => isStreaming(c.req.path) }));
  app.use(async (c, next) => {
    c.set('services', services);
    c.set('ssePingIntervalMs', config.SSE_PING_INTERVAL_MS);
    await next();
  });

  app.route(
    '/',
    healthRoutes(() => deps.database.ping()),
  );
  if (config.AUTH_DEV_LOGIN && config.JWT_SECRET) app.route('/', devTokenRoutes(config.JWT_SECRET));

  // Before authentication: a browser's WebSocket can carry its token only as a subprotocol.
  app.use(`${API_PREFIX}/runs/:run_id/ws`, webSocketBearer());
  app.use(
    '/api/*',
    anonymous.refusals,
    authenticate({
      secret: config.JWT_SECRET,
      jwksUrl: config.JWT_JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      onCacheLookup: observed?.onTokenCacheLookup,
    }),
    rateLimit({ limit: config.RATE_LIMIT_PER_MIN, redis: deps.redis }),
    storableJson(),
  );
  for (const runner of runners.values()) app.route(graphPath(runner.graph.name), mountGraph(runner));
  const { upgradeWebSocket, injectWebSocket } = createNodeWebSocket({ app: withFullRefusals(app) });
  app.route(API_PREFIX, mountRuns(runners.values(), upgradeWebSocket));
  for (const router of routes) app.route(API_PREFIX, router);

  if (observed && config.METRICS_TOKEN) observed.mount(app, config.METRICS_TOKEN);
  addDocs(app);
  app.route('/', chatPage({ devLogin: config.AUTH_DEV_LOGIN }));
  app.route('/', assetRoutes());
  app.notFound((c) => problemResponse(c, problem(404, `No route for ${c.req.method} ${c.req.path}.`)));
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error.problem, error.headers);
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own 4xx (for example "Malformed JSON in request body" from the validator).
      return problemResponse(c, problem(error.status, error.message));
    }
    c.var.logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return problemResponse(c, problem(500, 'Something went wrong on our side; quote the request id.'));
  });

  return {
    app,
    /** Executes background runs; index.ts starts it and stops it on shutdown. */
    runWorker,
    /** Delivers run webhooks when WEBHOOK_SECRET is set; index.ts starts and stops it with the worker. */
    webhookDispatcher: webhooks?.dispatcher,
    runBus: bus,
    /** Lets the run events WebSocket upgrade on the node:http server (call once it listens). */
    injectWebSocket,
  };
}

/** A runner for every graph of src/graphs.ts, by name; a name used twice (or `runs`) fails at start. */
function mountedRunners(deps: AppDeps, observed?: Instrumentation): ReadonlyMap<string, AnyRunner> {
  const persister = new DrizzlePersister(deps.database);
  const logTracker = new LogTracker(deps.logger);
  const trackers = [
    logTracker,
    ...(observed ? [observed.tracker] : []),
    ...(deps.traced ? [new TraceTracker()] : []),
  ];
  const tracker = composeTrackers(...trackers);
  const runners = new Map<string, AnyRunner>();
  const listed: readonly AnyGraph[] = graphs({ llm: deps.llm });
  for (const graph of listed) {
    const name: string = graph.name;
    if (runners.has(name) || name === 'runs')
      throw new Error(`src/graphs.ts: the graph name "${name}" is taken; rename the graph`);
    runners.set(name, new GraphRunner(graph, { persister, tracker, logger: deps.logger }));
  }
  return runners;
}

export type App = ReturnType<typeof createApp>['app'];

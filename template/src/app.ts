import { createNodeWebSocket } from '@hono/node-ws';
import { Scalar } from '@scalar/hono-api-reference';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { Redis } from 'ioredis';
import { graphRoutes } from './api/graph-routes';
import { pingInterval } from './api/sse';
import { devTokenRoutes } from './auth/dev-token-route';
import type { AuthVariables } from './auth/user';
import { chatbotGraph } from './chatbot/graph';
import type { LlmProvider } from './chatbot/llm/provider';
import type { Config } from './config';
import { AppsRepository } from './db/apps-repository';
import type { Database } from './db/client';
import { DrizzlePersister } from './db/drizzle-persister';
import { GrantsRepository } from './db/grants-repository';
import { RunsRepository } from './db/runs-repository';
import { GraphRunner } from './engine/runner';
import { LogTracker } from './engine/log-tracker';
import { ProblemError, problem, problemResponse } from './lib/errors';
import type { Logger } from './lib/logger';
import { createRouter } from './lib/openapi';
import { authenticate } from './middleware/auth';
import { type DeadlineVariables, deadline } from './middleware/deadline';
import { rateLimit } from './middleware/rate-limit';
import { type RequestLogVariables, requestLog } from './middleware/request-log';
import { healthRoutes } from './routes/health';
import { memoryRunBus, redisRunBus } from './runs/run-bus';
import { runRoutes } from './runs/run-routes';
import { webSocketBearer } from './runs/websocket-bearer';
import { RunWorker } from './runs/worker';
import { chatPage } from './ui/chat-page';

/** What the app is built from; tests pass the same things on other settings (temp db, loopback LLM). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  database: Database;
  llm: LlmProvider;
  /** Shares rate limits (and run events) across instances when REDIS_URL is set. */
  redis?: Redis;
}

export type AppEnv = { Variables: RequestLogVariables & AuthVariables & Partial<DeadlineVariables> };

const hasBody = (method: string) => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';

/** Streams stay open as long as they need; everything else is bounded by REQUEST_TIMEOUT_MS. */
const isStreaming = (path: string) => /\/(stream|events|ws)$/.test(path);

/** Builds the whole HTTP app. No side effects: index.ts serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const app = createRouter<AppEnv>();

  app.use(requestLog(logger));
  app.use(secureHeaders({ contentSecurityPolicy: undefined }));
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

  app.route(
    '/',
    healthRoutes(() => deps.database.ping()),
  );
  if (config.AUTH_DEV_LOGIN && config.JWT_SECRET) app.route('/', devTokenRoutes(config.JWT_SECRET));

  // Before authentication: a browser's WebSocket can carry its token only as a subprotocol.
  app.use('/api/v1/runs/:run_id/ws', webSocketBearer());
  app.use(
    '/api/*',
    authenticate({
      secret: config.JWT_SECRET,
      jwksUrl: config.JWT_JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    }),
    rateLimit({ limit: config.RATE_LIMIT_PER_MIN, redis: deps.redis }),
    pingInterval(config.SSE_PING_INTERVAL_MS),
  );
  const repositories = {
    apps: new AppsRepository(deps.database),
    grants: new GrantsRepository(deps.database),
  };
  const persister = new DrizzlePersister(deps.database);
  const chatbot = new GraphRunner(chatbotGraph(deps.llm), {
    persister,
    tracker: new LogTracker(logger),
    logger,
  });
  app.route('/api/v1/chatbot', graphRoutes(chatbot, repositories));

  // Background runs of every mounted graph, executed by this process's worker.
  const applications = new Map([[chatbot.graph.name, chatbot]]);
  const runs = new RunsRepository(deps.database);
  const runBus = deps.redis ? redisRunBus(deps.redis) : memoryRunBus();
  const runWorker = new RunWorker({
    runs,
    bus: runBus,
    applications,
    logger,
    concurrency: config.RUN_CONCURRENCY,
    singleInstance: deps.database.dialect === 'sqlite',
  });
  const { upgradeWebSocket, injectWebSocket } = createNodeWebSocket({ app });
  app.route(
    '/api/v1',
    runRoutes({
      applications,
      runs,
      grants: repositories.grants,
      bus: runBus,
      onQueued: () => void runWorker.poll(),
      upgradeWebSocket,
      followPollMs: config.RUN_FOLLOW_POLL_MS,
    }),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT with `sub` and optional `roles`; `npm run token -- --sub alice` prints one.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: '1.0.0',
      description:
        'Stateful, streaming LLM graphs over HTTP. Errors are application/problem+json (RFC 9457).',
    },
  });
  app.route('/', chatPage({ devLogin: config.AUTH_DEV_LOGIN }));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Switchyard API' }));

  app.notFound((c) => problemResponse(c, problem(404, `No route for ${c.req.method} ${c.req.path}.`)));
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error.problem, error.headers);
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own 4xx (for example "Malformed JSON in request body" from the validator).
      return problemResponse(c, problem(error.status, error.message));
    }
    c.get('logger').error({ err: error, path: c.req.path }, 'unhandled error');
    return problemResponse(c, problem(500, 'Something went wrong on our side; quote the request id.'));
  });

  return {
    app,
    /** Executes background runs; index.ts starts it and stops it on shutdown. */
    runWorker,
    runBus,
    /** Lets the run events WebSocket upgrade on the node:http server (call once it listens). */
    injectWebSocket,
  };
}

export type App = ReturnType<typeof createApp>['app'];

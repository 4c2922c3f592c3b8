import type { Hono } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { Redis } from 'ioredis';
import { authenticate } from '../../auth/authenticate';
import type { Config } from '../../config';
import type { AppEnv } from '../../lib/env';
import { problem, problemResponse } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Services } from '../../lib/services';
import type { Instrumentation } from '../../metrics';
import { contentSecurityPolicy } from '../../ui/content-security-policy';
import { OPENAI_PREFIX } from '../paths';
import { anonymousLimits } from './anonymous-limit';
import { closeUnreadBody } from './close-unread-body';
import { deadline } from './deadline';
import { limitBody } from './node-body';
import { rateLimit } from './rate-limit';
import { requestLog } from './request-log';
import { constantHeaders } from './response-headers';
import { storableJson } from './storable-json';

// The middleware of src/app.ts, in the order a request meets it: what every request passes, then
// what every authenticated request passes (under /api and OpenAI's /v1 alike).

export interface MiddlewareDeps {
  config: Config;
  logger: Logger;
  redis?: Redis;
  services: Services;
  observed?: Instrumentation;
}

const hasBody = (method: string) => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';

/** Streams stay open as long as they need; everything else is bounded by REQUEST_TIMEOUT_MS. */
const isStreaming = (path: string) => /\/(stream|events|ws)$/.test(path);

/** Authenticated routes count their 401s per address instead (`anonymous.refusals`). */
const isAuthenticated = (path: string) => path.startsWith('/api/') || path.startsWith(`${OPENAI_PREFIX}/`);

/**
 * Installs what every request passes: request id, log and metrics, secure headers with the CSP,
 * the anonymous rate limit, CORS, the body limit, the deadline, and the services on the context.
 * Returns the chain every authenticated route passes.
 */
export function installMiddleware(app: Hono<AppEnv>, deps: MiddlewareDeps) {
  const { config, services, observed } = deps;
  app.use(closeUnreadBody());
  app.use(requestLog(deps.logger, observed?.observeRequest));
  // The same on every response (no nonce), so taken once and copied (response-headers.ts).
  app.use(constantHeaders(secureHeaders({ contentSecurityPolicy })));
  // Without a token, per client address: everything outside /api and /v1, and the 401s inside.
  const anonymous = anonymousLimits({
    limit: config.ANON_RATE_LIMIT_PER_MIN,
    trustProxy: config.TRUST_PROXY,
    redis: deps.redis,
  });
  app.use((c, next) => (isAuthenticated(c.req.path) ? next() : anonymous.everything(c, next)));
  if (config.CORS_ORIGINS.length > 0) {
    app.use(cors({ origin: config.CORS_ORIGINS, exposeHeaders: ['X-Request-Id', 'Retry-After'] }));
  }
  const limit = limitBody(config.BODY_LIMIT, (c) =>
    problemResponse(c, problem(413, `The body may be at most ${config.BODY_LIMIT} bytes.`)),
  );
  // Only requests that may carry a body: on @hono/node-server, merely looking at a request's body
  // builds a full Request object (node-body.ts), which cost GET routes three quarters of their
  // throughput.
  app.use((c, next) => (hasBody(c.req.method) ? limit(c, next) : next()));
  app.use(deadline(config.REQUEST_TIMEOUT_MS, { skip: (c) => isStreaming(c.req.path) }));
  app.use(async (c, next) => {
    c.set('services', services);
    c.set('ssePingIntervalMs', config.SSE_PING_INTERVAL_MS);
    await next();
  });
  return [
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
  ] as const;
}

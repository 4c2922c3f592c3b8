import type { Env, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { rateLimiter } from 'hono-rate-limiter';
import type { Redis } from 'ioredis';
import { problem, problemResponse } from '../../lib/errors';
import { clientAddress } from './client-address';
import { redisStore } from './rate-limit';

export interface AnonymousLimitOptions {
  /** Requests per client address per window (ANON_RATE_LIMIT_PER_MIN). */
  limit: number;
  /** Take the address from X-Forwarded-For (TRUST_PROXY). */
  trustProxy: boolean;
  windowMs?: number;
  redis?: Redis;
  prefix?: string;
}

/**
 * Limits what anyone can ask without a token, per client address: the probes, the OpenAPI document,
 * the pages (`everything`), and under /api the requests answered 401 (`refusals`: a flood of bad
 * tokens costs a signature check each). Authenticated traffic has its own limit per `sub`
 * (rate-limit.ts), so a valid token is never counted here.
 */
export function anonymousLimits(options: AnonymousLimitOptions): {
  everything: MiddlewareHandler;
  refusals: MiddlewareHandler;
} {
  const limiter = (prefix: string, countOnly401: boolean) => {
    const store = options.redis
      ? redisStore<Env>(options.redis, `${options.prefix ?? 'rl-anon:'}${prefix}`)
      : undefined;
    const limit = rateLimiter<Env>({
      windowMs: options.windowMs ?? 60_000,
      limit: options.limit,
      standardHeaders: 'draft-7',
      keyGenerator: (c) => `ip:${clientAddress(c, options.trustProxy)}`,
      ...(store ? { store } : {}),
      ...(countOnly401
        ? { skipSuccessfulRequests: true, requestWasSuccessful: (c) => c.res.status !== 401 }
        : {}),
      handler: (c) =>
        problemResponse(
          c,
          problem(429, 'Too many requests from your address; retry after the given seconds.'),
        ),
    });
    return createMiddleware((c, next) => limit(c, next));
  };
  return { everything: limiter('all:', false), refusals: limiter('401:', true) };
}

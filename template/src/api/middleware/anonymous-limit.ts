import type { Env, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { rateLimiter } from 'hono-rate-limiter';
import type { Redis } from 'ioredis';
import { problem, problemResponse } from '../../lib/errors';
import { clientAddress } from './client-address';
import { redisStore, sendRateLimitHeaders } from './rate-limit';

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
  const windowMs = options.windowMs ?? 60_000;
  const windowSeconds = Math.ceil(windowMs / 1000);
  const limiter = (prefix: string, countOnly401: boolean) => {
    const store = options.redis
      ? redisStore<Env>(options.redis, `${options.prefix ?? 'rl-anon:'}${prefix}`)
      : undefined;
    const limit = rateLimiter<Env>({
      windowMs,
      limit: options.limit,
      standardHeaders: false,
      keyGenerator: (c) => `ip:${clientAddress(c, options.trustProxy)}`,
      ...(store ? { store } : {}),
      ...(countOnly401
        ? { skipSuccessfulRequests: true, requestWasSuccessful: (c) => c.res.status !== 401 }
        : {}),
      handler: (c) => {
        sendRateLimitHeaders(c, windowSeconds, { retryAfter: true });
        return problemResponse(
          c,
          problem(429, 'Too many requests from your address; retry after the given seconds.'),
        );
      },
    });
    // The limit's headers go on what it counts: every response of `everything`, only the 401s
    // of `refusals` (an authenticated request shows its own limit's, rate-limit.ts).
    return createMiddleware((c, next) =>
      limit(c, async () => {
        if (!countOnly401) sendRateLimitHeaders(c, windowSeconds);
        await next();
        if (countOnly401 && c.res.status === 401) sendRateLimitHeaders(c, windowSeconds);
      }),
    );
  };
  return { everything: limiter('all:', false), refusals: limiter('401:', true) };
}

import type { Context, Env, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { MemoryStore, type RateLimitInfo, rateLimiter, type Store } from 'hono-rate-limiter';
import type { Redis } from 'ioredis';
import { problem, problemResponse } from '../../lib/errors';
import { clientAddress } from './client-address';
import { redisStore, sendLimitHeaders, sendRateLimitHeaders } from './rate-limit';

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
  const key = (c: Context) => `ip:${clientAddress(c, options.trustProxy)}`;
  const store = (prefix: string) =>
    options.redis ? redisStore<Env>(options.redis, `${options.prefix ?? 'rl-anon:'}${prefix}`) : undefined;
  const tooMany = (c: Context) =>
    problemResponse(c, problem(429, 'Too many requests from your address; retry after the given seconds.'));

  const allStore = store('all:');
  const limit = rateLimiter<Env>({
    windowMs,
    limit: options.limit,
    standardHeaders: false,
    keyGenerator: key,
    ...(allStore ? { store: allStore } : {}),
    handler: (c) => {
      sendRateLimitHeaders(c, windowSeconds, { retryAfter: true });
      return tooMany(c);
    },
  });
  const everything = createMiddleware((c, next) =>
    limit(c, async () => {
      sendRateLimitHeaders(c, windowSeconds);
      await next();
    }),
  );

  const refusals = countRefusals({
    store: store('401:') ?? new MemoryStore<Env>(),
    windowMs,
    limit: options.limit,
    key,
    tooMany,
  });
  return { everything, refusals };
}

interface RefusalCount {
  store: Store<Env>;
  windowMs: number;
  limit: number;
  key: (c: Context) => string;
  tooMany: (c: Context) => Response;
}

/**
 * Counts the 401s per address and, once an address has had `limit` in its window, answers its
 * requests 429 before their token is checked, until the window ends. The count is read before and
 * taken only after a 401: hono-rate-limiter's `skipSuccessfulRequests` would take a count from every
 * request and give it back once it was not a 401, two store operations on each authenticated request
 * (two Redis round trips with REDIS_URL) where this reads one.
 */
function countRefusals({ store, windowMs, limit, key, tooMany }: RefusalCount): MiddlewareHandler {
  // The stores read only `windowMs` of the options hono-rate-limiter would hand them.
  store.init?.({ windowMs } as never);
  const windowSeconds = Math.ceil(windowMs / 1000);
  const info = (totalHits: number, resetTime: Date | undefined): RateLimitInfo => ({
    limit,
    used: totalHits,
    remaining: Math.max(0, limit - totalHits),
    resetTime,
  });
  return createMiddleware(async (c, next) => {
    const address = key(c);
    const counted = await store.get?.(address);
    if (counted && counted.totalHits >= limit && (counted.resetTime?.getTime() ?? 0) > Date.now()) {
      sendLimitHeaders(c, info(counted.totalHits, counted.resetTime), windowSeconds, { retryAfter: true });
      return tooMany(c);
    }
    await next();
    if (c.res.status !== 401) return;
    const { totalHits, resetTime } = await store.increment(address);
    const refused = totalHits > limit;
    sendLimitHeaders(c, info(totalHits, resetTime), windowSeconds, { retryAfter: refused });
    // Requests that raced past the check above while the count was just under the limit.
    if (refused) c.res = tooMany(c);
  });
}

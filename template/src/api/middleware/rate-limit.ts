import type { Context, Env as HonoEnv } from 'hono';
import { createMiddleware } from 'hono/factory';
import { type RateLimitInfo, type RedisClient, RedisStore, rateLimiter, type Store } from 'hono-rate-limiter';
import type { Redis } from 'ioredis';
import type { AuthVariables } from '../../auth/user';
import { problem, problemResponse } from '../../lib/errors';
import { setResponseHeader } from './response-headers';

export interface RateLimitOptions {
  /** Requests allowed per subject per window (RATE_LIMIT_PER_MIN). */
  limit: number;
  windowMs?: number;
  /** Share the counters across instances (REDIS_URL); in memory when absent. */
  redis?: Redis;
  /** Redis key prefix, so several apps or tests can share one Redis. */
  prefix?: string;
}

type Env = { Variables: AuthVariables };

/**
 * Limits requests per authenticated subject (after `authenticate()`), answering 429 problem+json
 * with Retry-After. hono-rate-limiter counts; its Redis store runs atomic Lua scripts.
 */
export function rateLimit(options: RateLimitOptions) {
  const windowMs = options.windowMs ?? 60_000;
  const store = options.redis ? redisStore<Env>(options.redis, options.prefix ?? 'rl:') : undefined;
  const windowSeconds = Math.ceil(windowMs / 1000);
  const limiter = rateLimiter<Env>({
    windowMs,
    limit: options.limit,
    standardHeaders: false,
    keyGenerator: (c) => `sub:${c.get('user').sub}`,
    ...(store ? { store } : {}),
    handler: (c) => {
      sendRateLimitHeaders(c, windowSeconds, { retryAfter: true });
      return problemResponse(
        c,
        problem(429, 'Too many requests; slow down and retry after the given seconds.'),
      );
    },
  });
  return createMiddleware<Env>((c, next) =>
    limiter(c, () => {
      sendRateLimitHeaders(c, windowSeconds);
      return next();
    }),
  );
}

/**
 * The IETF draft-7 headers hono-rate-limiter sends with `standardHeaders: 'draft-7'` (and
 * Retry-After when refused), from the count it has just taken (`c.get('rateLimit')`), set on the
 * Node response instead of through c.header() (response-headers.ts says why).
 */
export function sendRateLimitHeaders(
  c: Context,
  windowSeconds: number,
  options: { retryAfter?: boolean } = {},
) {
  sendLimitHeaders(c, c.get('rateLimit' as never) as RateLimitInfo, windowSeconds, options);
}

/** The same headers from a count taken elsewhere (anonymous-limit.ts's refusals). */
export function sendLimitHeaders(
  c: Context,
  info: RateLimitInfo,
  windowSeconds: number,
  options: { retryAfter?: boolean } = {},
) {
  const reset = info.resetTime
    ? Math.max(0, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000))
    : windowSeconds;
  setResponseHeader(c, 'RateLimit-Policy', `${info.limit};w=${windowSeconds}`);
  setResponseHeader(c, 'RateLimit', `limit=${info.limit}, remaining=${info.remaining}, reset=${reset}`);
  if (options.retryAfter) setResponseHeader(c, 'Retry-After', String(reset));
}

/** Counters in Redis, shared by every instance, under `prefix`. */
export function redisStore<E extends HonoEnv = Env>(redis: Redis, prefix: string): Store<E> {
  return new RedisStore({ client: ioredisClient(redis), prefix }) as unknown as Store<E>;
}

/**
 * The small client surface hono-rate-limiter's RedisStore needs, on ioredis. A script Redis no
 * longer holds (after a restart or SCRIPT FLUSH) is loaded again and run: the store reloads its
 * increment and decrement scripts itself, but not the one `get` runs (anonymous-limit.ts reads it on
 * every authenticated request).
 */
function ioredisClient(redis: Redis): RedisClient {
  const scripts = new Map<string, string>();
  const scriptLoad = async (script: string) => {
    const sha = (await redis.script('LOAD', script)) as string;
    scripts.set(sha, script);
    return sha;
  };
  const run = (sha: string, keys: string[], args: unknown[]) =>
    redis.evalsha(sha, keys.length, ...keys, ...(args as (string | number)[]));
  return {
    scriptLoad,
    evalsha: (async (sha, keys, args) => {
      try {
        return await run(sha, keys, args);
      } catch (error) {
        const script = scripts.get(sha);
        if (!script || !String(error).includes('NOSCRIPT')) throw error;
        // A script's SHA is that of its text, so the store's copy of it stays right.
        return run(await scriptLoad(script), keys, args);
      }
    }) as RedisClient['evalsha'],
    decr: (key) => redis.decr(key),
    del: (key) => redis.del(key),
  };
}

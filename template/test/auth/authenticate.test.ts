import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono, type MiddlewareHandler } from 'hono';
import { Redis } from 'ioredis';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousLimits } from '../../src/api/middleware/anonymous-limit';
import { rateLimit } from '../../src/api/middleware/rate-limit';
import { authenticate } from '../../src/auth/authenticate';
import { TokenCache } from '../../src/auth/token-cache';
import type { AuthVariables } from '../../src/auth/user';
import { ProblemError, problemResponse } from '../../src/lib/errors';

/** A small app behind the middleware under test, answering who the caller is. */
function appWith(...middleware: MiddlewareHandler<{ Variables: AuthVariables }>[]) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.onError((error, c) =>
    error instanceof ProblemError ? problemResponse(c, error.problem, error.headers) : c.text('boom', 500),
  );
  for (const handler of middleware) app.use(handler);
  app.get('/', (c) => c.json(c.get('user')));
  return app;
}
const call = (app: Hono<{ Variables: AuthVariables }>, token?: string) =>
  app.request('/', token ? { headers: { authorization: `Bearer ${token}` } } : {});

// A JWKS server on 127.0.0.1 whose keys the test can rotate.
let jwksServer: Server;
let jwksUrl: string;
let publicJwks: JWK[] = [];
let jwksRequests = 0;
const rsa = async (kid: string) => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { ...pair, kid, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' } };
};
let first: Awaited<ReturnType<typeof rsa>>;
let second: Awaited<ReturnType<typeof rsa>>;

beforeAll(async () => {
  first = await rsa('key-1');
  second = await rsa('key-2');
  publicJwks = [first.jwk];
  jwksServer = createServer((_request, response) => {
    jwksRequests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: publicJwks }));
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => jwksServer.once('listening', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => jwksServer.close());

const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
const hs = (claims: Record<string, unknown>, key = secret, expiresIn: string | number = '1h') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(key));
const rs = (key: Awaited<ReturnType<typeof rsa>>, claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key.privateKey);

async function expect401(response: Response, header = 'Bearer error="invalid_token"') {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe(header);
  expect(await response.json()).toMatchObject({ status: 401, detail: 'A valid bearer token is required.' });
}

describe('authenticate() with a shared secret (HS256)', () => {
  const app = appWith(authenticate({ secret }));

  it('accepts a valid token and sets the user with its roles', async () => {
    const response = await call(app, await hs({ sub: 'alice', roles: ['admin'] }));
    expect(await response.json()).toEqual({ sub: 'alice', roles: ['admin'] });
  });

  it('refuses a missing token with a plain Bearer challenge', async () => {
    await expect401(await call(app), 'Bearer');
  });

  it('refuses expired, wrongly signed, unsigned, subject-less and oversized tokens alike', async () => {
    await expect401(await call(app, await hs({ sub: 'alice' }, secret, Math.floor(Date.now() / 1000) - 60)));
    await expect401(await call(app, await hs({ sub: 'alice' }, 'another-secret-of-at-least-32-bytes!!')));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: 9e9 })).toString('base64url')}.`;
    await expect401(await call(app, none));
    await expect401(await call(app, await hs({ roles: ['admin'] })));
    await expect401(await call(app, await hs({ sub: 'alice', pad: 'x'.repeat(9000) })));
    await expect401(await call(app, 'not-a-jwt'));
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    await expect401(await call(app, token));
  });

  it('refuses to start with a short secret', () => {
    expect(() => authenticate({ secret: 'short' })).toThrow(/at least 32 bytes/);
  });
});

describe('authenticate() with a JWKS (RS256)', () => {
  it('verifies against the key set, checks issuer and audience, and follows a key rotation', async () => {
    const app = appWith(
      authenticate({ jwksUrl, issuer: 'https://id.example', audience: 'switchyard', jwksCooldownMs: 0 }),
    );
    const claims = { sub: 'alice', iss: 'https://id.example', aud: 'switchyard' };
    expect((await call(app, await rs(first, claims))).status).toBe(200);
    await expect401(await call(app, await rs(first, { ...claims, iss: 'https://evil.example' })));
    await expect401(await call(app, await rs(first, { ...claims, aud: 'someone-else' })));

    // The provider rotates to a new key: a token with the new kid makes jose fetch the set again.
    publicJwks = [first.jwk, second.jwk];
    const before = jwksRequests;
    expect((await call(app, await rs(second, claims))).status).toBe(200);
    expect(jwksRequests).toBeGreaterThan(before);
  });

  it('refuses an HS256 token signed with the public key (algorithm confusion)', async () => {
    const app = appWith(authenticate({ jwksUrl, issuer: 'https://id.example', audience: 'switchyard' }));
    const claims = { sub: 'alice', iss: 'https://id.example', aud: 'switchyard' };
    await expect401(await call(app, await hs(claims, JSON.stringify(first.jwk))));
    await expect401(await call(app, await hs(claims, await exportSPKI(first.publicKey))));
  });

  it('refuses to start without an issuer and an audience', () => {
    const message = /needs an issuer and an audience/;
    expect(() => authenticate({ jwksUrl })).toThrow(message);
    expect(() => authenticate({ jwksUrl, issuer: 'https://id.example' })).toThrow(message);
    expect(() => authenticate({ jwksUrl, audience: 'switchyard' })).toThrow(message);
  });
});

describe('the verified-token cache', () => {
  it('answers a repeated token from the cache, never a different one, and never past exp', async () => {
    let now = Date.now();
    const cache = new TokenCache(10, () => now);
    const app = appWith(authenticate({ secret, cache }));
    const token = await hs({ sub: 'alice' }, secret, Math.floor(now / 1000) + 60);
    expect((await call(app, token)).status).toBe(200);
    expect(cache.size).toBe(1);

    // Same header and claims, another signature: a miss, and refused.
    const [header, payload] = token.split('.');
    await expect401(await call(app, `${header}.${payload}.${'A'.repeat(43)}`));

    now += 61_000; // past exp: the cached entry is gone
    expect(cache.get(token)).toBeUndefined();
  });

  it('keeps at most its size, dropping the oldest', () => {
    const cache = new TokenCache(2);
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (const token of ['a', 'b', 'c']) cache.set(token, { sub: token, roles: [] }, exp);
    expect([cache.get('a'), cache.get('b')?.sub, cache.get('c')?.sub]).toEqual([undefined, 'b', 'c']);
  });
});

describe('rateLimit()', () => {
  const limited = (options: Parameters<typeof rateLimit>[0]) =>
    appWith(authenticate({ secret }), rateLimit(options));

  it('answers 429 problem+json with Retry-After once a subject is over its limit, per subject', async () => {
    const app = limited({ limit: 3 });
    const alice = await hs({ sub: 'alice' });
    for (let index = 0; index < 3; index++) expect((await call(app, alice)).status).toBe(200);
    const refused = await call(app, alice);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect((await call(app, await hs({ sub: 'bob' }))).status).toBe(200);
  });

  if (process.env.REDIS_URL) {
    it('shares the count across instances through Redis', async () => {
      const redis = new Redis(process.env.REDIS_URL as string);
      const prefix = `test-rl-${Date.now()}:`;
      const one = limited({ limit: 2, redis, prefix });
      const two = limited({ limit: 2, redis, prefix });
      const alice = await hs({ sub: 'alice' });
      expect((await call(one, alice)).status).toBe(200);
      expect((await call(two, alice)).status).toBe(200);
      expect((await call(one, alice)).status).toBe(429);
      await redis.quit();
    });
  } else {
    console.log('Redis rate-limit test not run: REDIS_URL is not set');
  }
});

describe('anonymousLimits().refusals', () => {
  /** How many requests went on to the token check. */
  let checked = 0;
  const counting: MiddlewareHandler = async (_c, next) => {
    checked++;
    await next();
  };
  const refusing = (options: Partial<Parameters<typeof anonymousLimits>[0]> = {}) =>
    appWith(
      anonymousLimits({ limit: 2, trustProxy: false, ...options }).refusals,
      counting,
      authenticate({ secret }),
    );

  it('counts only the 401s, then refuses the address with 429 before any token is checked', async () => {
    const app = refusing();
    const alice = await hs({ sub: 'alice' });
    for (let index = 0; index < 4; index++) expect((await call(app, alice)).status).toBe(200);
    const first = await call(app, 'nope');
    expect(first.status).toBe(401);
    expect(first.headers.get('ratelimit')).toMatch(/^limit=2, remaining=1, reset=\d+$/);
    expect((await call(app, 'nope')).status).toBe(401);
    checked = 0;
    const refused = await call(app, alice);
    expect(refused.status).toBe(429);
    expect(checked).toBe(0);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
  });

  if (process.env.REDIS_URL) {
    it('shares the count through Redis and takes none from a valid token', async () => {
      const redis = new Redis(process.env.REDIS_URL as string);
      const prefix = `test-anon-${Date.now()}:`;
      const one = refusing({ redis, prefix });
      const two = refusing({ redis, prefix });
      const alice = await hs({ sub: 'alice' });
      expect((await call(one, alice)).status).toBe(200);
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
      expect((await call(one, 'nope')).status).toBe(401);
      expect((await call(two, 'nope')).status).toBe(401);
      expect((await call(one, alice)).status).toBe(429);
      expect((await call(two, alice)).status).toBe(429);
      await redis.quit();
    });

    it('keeps reading and taking the count after Redis forgets its scripts (a restart, SCRIPT FLUSH)', async () => {
      const redis = new Redis(process.env.REDIS_URL as string);
      const app = refusing({ redis, prefix: `test-anon-flush-${Date.now()}:` });
      const alice = await hs({ sub: 'alice' });
      expect((await call(app, alice)).status).toBe(200);
      await redis.script('FLUSH');
      expect((await call(app, alice)).status).toBe(200);
      await redis.script('FLUSH');
      expect((await call(app, 'nope')).status).toBe(401);
      expect((await call(app, 'nope')).status).toBe(401);
      expect((await call(app, alice)).status).toBe(429);
      await redis.quit();
    });
  } else {
    console.log('Redis refusal-count test not run: REDIS_URL is not set');
  }
});

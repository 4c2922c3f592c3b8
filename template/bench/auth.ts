// What the verified-token cache saves: jose's HS256 verification per call, against a cache hit.

import { Hono } from 'hono';
import { authenticate } from '../src/auth/authenticate';
import { signDevToken } from '../src/auth/sign-token';
import { TokenCache } from '../src/auth/token-cache';

const secret = 'bench-secret-that-is-at-least-32-bytes-long';

async function perSecond(cache: TokenCache | undefined, tokens: string[]) {
  const app = new Hono();
  // A cache of one entry, filled with another token, makes every request verify with jose.
  app.use(authenticate({ secret, cache }));
  app.get('/', (c) => c.text('ok'));
  const count = 20_000;
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    await app.request('/', { headers: { authorization: `Bearer ${tokens[index % tokens.length]}` } });
  }
  return Math.round(count / ((performance.now() - started) / 1000));
}

export async function benchAuth() {
  const tokens = await Promise.all(
    Array.from({ length: 2 }, (_, index) => signDevToken(secret, { sub: `user${index}` })),
  );
  const cached = await perSecond(new TokenCache(), tokens);
  const uncached = await perSecond(new TokenCache(1), tokens); // two tokens alternating in one slot: never a hit
  return { cached, uncached };
}

export function printAuth(result: Awaited<ReturnType<typeof benchAuth>>) {
  console.log('\n| authenticated requests (in process) | per second |');
  console.log('|---|---|');
  console.log(`| jose verification on every request | ${result.uncached} |`);
  console.log(
    `| verified-token cache hit | ${result.cached} (${(result.cached / result.uncached).toFixed(1)}×) |`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printAuth(await benchAuth());

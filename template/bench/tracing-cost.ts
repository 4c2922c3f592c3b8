// What the request-span middleware costs a request with no SDK started (the OpenTelemetry API
// alone, its spans no-ops), in process like bench/http-metrics-cost.ts, since a socket benchmark
// on the shared machine swings more than the difference: the same tiny Hono app without it, with
// an empty middleware (what any middleware costs) and with it, in ten alternating turns of 20,000
// requests; medians per request. This measured a few µs, which is why createApp adds the
// middleware only when the SDK started (`traced`). tsx bench/tracing-cost.ts
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { requestSpans } from '../src/tracing/request-spans';

const route = (app: Hono) => app.get('/apps/:id', (c) => c.json({ ok: true }));
const before = route(new Hono());
const empty = route(new Hono().use(createMiddleware((_c, next) => next())));
const untraced = route(new Hono().use(requestSpans()));

async function microsPerRequest(app: Hono, requests: number) {
  const started = performance.now();
  for (let i = 0; i < requests; i++) await app.request(`/apps/${i}`);
  return ((performance.now() - started) * 1000) / requests;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function benchTracingCost() {
  const apps = { without: before, empty, withSpans: untraced };
  const turns: Record<keyof typeof apps, number[]> = { without: [], empty: [], withSpans: [] };
  for (const app of Object.values(apps)) await microsPerRequest(app, 20_000); // warm-up
  for (let turn = 0; turn < 10; turn++) {
    for (const [name, app] of Object.entries(apps)) {
      turns[name as keyof typeof apps].push(await microsPerRequest(app, 20_000));
    }
  }
  return {
    withoutMicros: median(turns.without),
    emptyMicros: median(turns.empty),
    withMicros: median(turns.withSpans),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { withoutMicros, emptyMicros, withMicros } = await benchTracingCost();
  console.log(
    `per request: ${withoutMicros.toFixed(2)} µs without middleware, ${emptyMicros.toFixed(2)} µs with an empty one, ${withMicros.toFixed(2)} µs with the request-span middleware and no SDK`,
  );
}

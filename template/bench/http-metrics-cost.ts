// What the HTTP metrics add to one request, in process (no sockets, so the noise of a shared
// machine weighs less than in bench/metrics.ts): the same tiny Hono app behind the request log,
// with and without its metrics observer, in ten alternating turns of 20,000 requests; medians per
// request. tsx bench/http-metrics-cost.ts
import { Hono } from 'hono';
import pino from 'pino';
import { type RequestLogVariables, requestLog } from '../src/api/middleware/request-log';
import { httpMetrics } from '../src/metrics/http-metrics';
import { createMetrics } from '../src/metrics/metrics';

const metrics = createMetrics();
const silent = pino({ level: 'silent' });
const route = (app: Hono<{ Variables: RequestLogVariables }>) =>
  app.get('/apps/:id', (c) => c.json({ ok: true }));
const plain = route(new Hono<{ Variables: RequestLogVariables }>().use(requestLog(silent)));
const counted = route(
  new Hono<{ Variables: RequestLogVariables }>().use(requestLog(silent, httpMetrics(metrics.httpRequests))),
);

async function microsPerRequest(app: Hono<{ Variables: RequestLogVariables }>, requests: number) {
  const started = performance.now();
  for (let i = 0; i < requests; i++) await app.request(`/apps/${i}`);
  return ((performance.now() - started) * 1000) / requests;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function benchHttpMetricsCost() {
  await microsPerRequest(plain, 20_000); // warm-up
  await microsPerRequest(counted, 20_000);
  const without: number[] = [];
  const withMetrics: number[] = [];
  for (let turn = 0; turn < 10; turn++) {
    without.push(await microsPerRequest(plain, 20_000));
    withMetrics.push(await microsPerRequest(counted, 20_000));
  }
  return { withoutMicros: median(without), withMicros: median(withMetrics) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { withoutMicros, withMicros } = await benchHttpMetricsCost();
  console.log(
    `per request: ${withoutMicros.toFixed(2)} µs without, ${withMicros.toFixed(2)} µs with the HTTP metrics (+${(withMicros - withoutMicros).toFixed(2)} µs)`,
  );
}

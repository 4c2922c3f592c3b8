import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { KeyedHistogram } from '../../src/metrics/keyed-histogram';

// The HTTP histogram counts in arrays of its own; a scrape must read exactly what prom-client's
// Histogram would have written for the same requests.

const buckets = [0.001, 0.01, 0.1, 1];
const labelSets = [
  { route: '/api/v1/chatbot/apps/:app_id', method: 'GET', status: '200' },
  { route: '/api/*', method: 'GET', status: '401' },
  { route: 'unmatched', method: 'OTHER', status: '404' },
];

function both() {
  const ours = new Registry();
  const theirs = new Registry();
  const keyed = new KeyedHistogram('requests', 'HTTP requests', buckets, ours);
  const histogram = new Histogram({
    name: 'requests',
    help: 'HTTP requests',
    labelNames: ['route', 'method', 'status'],
    buckets,
    registers: [theirs],
  });
  return { ours, theirs, keyed, histogram };
}

describe('KeyedHistogram', () => {
  it('exposes what prom-client’s Histogram exposes for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            series: fc.integer({ min: 0, max: labelSets.length - 1 }),
            // On bounds, between them and past the last one (counted only in +Inf).
            seconds: fc.oneof(fc.constantFrom(0, ...buckets, 5), fc.double({ min: 0, max: 3, noNaN: true })),
          }),
          { maxLength: 40 },
        ),
        async (observations) => {
          const { ours, theirs, keyed, histogram } = both();
          for (const { series, seconds } of observations) {
            const labels = labelSets[series] as (typeof labelSets)[number];
            keyed.observe(String(series), () => labels, seconds);
            histogram.observe(labels, seconds);
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('builds a series’ labels once, and forgets every series on reset', async () => {
    const { ours, keyed } = both();
    let built = 0;
    const labels = () => {
      built += 1;
      return labelSets[0] as (typeof labelSets)[number];
    };
    for (let request = 0; request < 5; request++) keyed.observe('GET 200', labels, 0.002);
    expect(built).toBe(1);
    expect(await ours.metrics()).toContain(
      'requests_count{route="/api/v1/chatbot/apps/:app_id",method="GET",status="200"} 5',
    );
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('requests_count');
  });
});

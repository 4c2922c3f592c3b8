import type { Metric, Registry } from 'prom-client';

/** One line of the exposition, as prom-client's registry reads it from a metric's get(). */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Series {
  labels: Record<string, string>;
  /** Requests per bucket: above the bound before it, at most its own (made cumulative when scraped). */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A latency histogram that counts into plain arrays and hands prom-client the totals when
 * /metrics is scraped. prom-client's own Histogram checks and hashes the label set on every
 * observe, even through a child from labels(): about 3.5 µs of the 5.7 µs that metrics added to an
 * authenticated GET (docs/benchmarks.md, "The cost of metrics"). Here a request costs a lookup by a
 * key the caller already built, and a bucket search. The text format (HELP, TYPE, label escaping,
 * `_bucket` / `_sum` / `_count`) stays prom-client's: this is a metric its registry formats as it
 * formats its own histograms.
 */
export class KeyedHistogram {
  readonly type = 'histogram';
  /** How prom-client's AggregatorRegistry would combine cluster workers' values. */
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();
  readonly #buckets: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.#buckets = buckets;
    registry.registerMetric(this as unknown as Metric);
  }

  /**
   * Counts one value into the series `key` names; `labels` is called only the first time a key is
   * seen, so the caller builds its label object once per series, not once per request.
   */
  observe(key: string, labels: () => Record<string, string>, value: number) {
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: labels(), counts: new Float64Array(this.#buckets.length), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    const bucket = this.#buckets.findIndex((bound) => value <= bound);
    if (bucket >= 0) series.counts[bucket] = (series.counts[bucket] ?? 0) + 1;
    series.sum += value;
    series.count += 1;
  }

  /** The totals in prom-client's shape: cumulative buckets with `le`, then `+Inf`, sum and count. */
  async get() {
    const values: Sample[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let atMost = 0;
      this.#buckets.forEach((bound, index) => {
        atMost += counts[index] ?? 0;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...labels }, value: atMost });
      });
      values.push(
        { metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count },
        { metricName: `${this.name}_sum`, labels, value: sum },
        { metricName: `${this.name}_count`, labels, value: count },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** What prom-client's registry calls on resetMetrics(). */
  reset() {
    this.#series.clear();
  }
}

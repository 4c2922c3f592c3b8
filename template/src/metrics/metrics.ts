import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { KeyedHistogram } from './keyed-histogram';

/** Seconds; from a cached GET (about a millisecond) to a long model answer. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Every metric of the app, in a registry of its own (not prom-client's global one), so two apps in
 * one process (tests, benchmarks) never count into each other. docs/operations.md lists the names.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    // Counted on every request, so by a histogram that keeps the per-request work small.
    httpRequests: new KeyedHistogram(
      'switchyard_http_request_duration_seconds',
      'HTTP requests by route template, method and status, until the handler answered',
      LATENCY_BUCKETS,
      registry,
    ),
    steps: new Histogram({
      name: 'switchyard_step_duration_seconds',
      help: 'Graph steps by graph, action and status (committed or failed), from start to commit',
      labelNames: ['graph', 'action', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    deltas: new Counter({
      name: 'switchyard_stream_deltas_total',
      help: 'Pieces yielded by streaming actions, by graph and action',
      labelNames: ['graph', 'action'] as const,
      registers,
    }),
    openStreams: new Gauge({
      name: 'switchyard_open_streams',
      help: 'Server-Sent Events and WebSocket streams open now, by kind (sse or websocket)',
      labelNames: ['kind'] as const,
      registers,
    }),
    tokenCache: new Counter({
      name: 'switchyard_token_cache_lookups_total',
      help: 'Lookups in the verified-token cache, by result (hit or miss)',
      labelNames: ['result'] as const,
      registers,
    }),
  };
}

export type AppMetrics = ReturnType<typeof createMetrics>;

import { trace } from '@opentelemetry/api';

/**
 * The app's tracer. Until an SDK registers a provider (tracing/start.ts, only when OTEL_* asks),
 * this is the API's no-op: its spans record nothing and cost a few object allocations.
 */
export const tracer = trace.getTracer('switchyard');

/** Our span attributes, beside the semantic conventions' `http.*` ones. */
export const attributes = {
  graph: 'switchyard.graph',
  action: 'switchyard.action',
  appId: 'switchyard.app_id',
  sequenceId: 'switchyard.sequence_id',
  stepStatus: 'switchyard.step.status',
  runKind: 'switchyard.run.kind',
  runId: 'switchyard.run_id',
} as const;

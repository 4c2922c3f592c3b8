import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { samplerFromEnv } from './sampler';
import type { Tracing } from './start';

type Env = Record<string, string | undefined>;

// The trace SDK, set up from the standard OTEL_* variables. Loaded only by start.ts when they ask
// for traces. We assemble it from the trace packages instead of @opentelemetry/sdk-node, which
// also brings gRPC, metrics and logs SDKs this app does not use. What the exporters read
// themselves: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT, _COMPRESSION and the
// certificate variables. What we read here: OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL,
// OTEL_TRACES_SAMPLER(_ARG), OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.

/** Registers the tracer provider, the async context manager and the W3C propagators globally. */
export function startSdk(env: Env): Tracing {
  const exporterName = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() || 'otlp';
  const exporter = spanExporter(exporterName, env);
  const provider = new TracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'switchyard' }))
      .merge(detectResources({ detectors: [envDetector] })),
    sampler: samplerFromEnv(env),
    // The console is for a developer watching spans as they end; a collector gets batches.
    spanProcessors: [
      exporterName === 'console'
        ? new SimpleSpanProcessor({ exporter })
        : new BatchSpanProcessor({ exporter }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function spanExporter(name: string, env: Env): SpanExporter {
  if (name === 'console') return new ConsoleSpanExporter();
  if (name !== 'otlp')
    throw new Error(`OTEL_TRACES_EXPORTER=${name} is not supported here: use otlp, console or none`);
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    'http/protobuf'
  ).trim();
  if (protocol === 'http/protobuf') return new OtlpProtobufExporter();
  if (protocol === 'http/json') return new OtlpJsonExporter();
  throw new Error(
    `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported here: use http/protobuf or http/json`,
  );
}

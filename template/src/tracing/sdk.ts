import { context, propagation, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { samplerFromEnv } from './sampler';
import type { Tracing } from './start';

type Env = Record<string, string | undefined>;

// The trace SDK, set up from the standard OTEL_* variables. Loaded only by start.ts when they ask
// for traces. We assemble it from the trace packages instead of @opentelemetry/sdk-node, which
// also brings gRPC, metrics and logs SDKs this app does not use. What the exporters read
// themselves: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT, _COMPRESSION and the
// certificate variables. What we read here: OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL,
// OTEL_TRACES_SAMPLER(_ARG), OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.

/**
 * Registers the tracer provider, the async context manager and the W3C propagators globally.
 * The SDK's packages are imported here, dynamically: `npm run build` bundles src/ into one file,
 * and a static import would be hoisted to its top and loaded by every start, traced or not.
 */
export async function startSdk(env: Env): Promise<Tracing> {
  const [sdk, { AsyncLocalStorageContextManager }, core, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  const { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider } = sdk;
  const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = core;
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = resources;
  const exporterName = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() || 'otlp';
  const exporter = await spanExporter(exporterName, env, sdk);
  const provider = new TracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'switchyard' }))
      .merge(detectResources({ detectors: [envDetector] })),
    sampler: samplerFromEnv(env, sdk),
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

/** The exporter OTEL_TRACES_EXPORTER and OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL name; only its package is loaded. */
async function spanExporter(
  name: string,
  env: Env,
  sdk: typeof import('@opentelemetry/sdk-trace'),
): Promise<SpanExporter> {
  if (name === 'console') return new sdk.ConsoleSpanExporter();
  if (name !== 'otlp')
    throw new Error(`OTEL_TRACES_EXPORTER=${name} is not supported here: use otlp, console or none`);
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    'http/protobuf'
  ).trim();
  if (protocol === 'http/protobuf')
    return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  if (protocol === 'http/json')
    return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  throw new Error(
    `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported here: use http/protobuf or http/json`,
  );
}

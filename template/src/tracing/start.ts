/** What index.ts keeps of a started SDK: flush on demand, and flush and stop on shutdown. */
export interface Tracing {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/**
 * True when the environment asks for traces: an OTLP endpoint, or OTEL_TRACES_EXPORTER naming an
 * exporter other than `none`; never when OTEL_SDK_DISABLED=true.
 */
export function tracingRequested(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the trace SDK when process.env asks for it (the OTLP exporters read it themselves);
 * otherwise loads nothing (the SDK module is imported only here, on demand) and the app's spans
 * stay the API's no-ops.
 */
export async function startTracing(): Promise<Tracing | undefined> {
  if (!tracingRequested(process.env)) return undefined;
  const { startSdk } = await import('./sdk');
  return await startSdk(process.env);
}

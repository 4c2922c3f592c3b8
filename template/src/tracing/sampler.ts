import type { Sampler } from '@opentelemetry/sdk-trace';

type Env = Record<string, string | undefined>;

/** The sampler (from `sdk`, loaded by sdk.ts) OTEL_TRACES_SAMPLER names (the spec's values); the SDK's default, parent-based always-on, otherwise. */
export function samplerFromEnv(env: Env, sdk: typeof import('@opentelemetry/sdk-trace')): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  const ratio = () => {
    const value = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
    return Number.isFinite(value) && value >= 0 && value <= 1 ? value : 1;
  };
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER=${name} is not supported: use one of the spec's samplers (always_on, traceidratio, parentbased_traceidratio …)`,
      );
  }
}

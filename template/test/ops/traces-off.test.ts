// Without the OTEL_* variables no SDK starts: nothing is registered with the OpenTelemetry API, the
// app's spans are its no-ops, and a queued run stores no trace context.
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunsRepository } from '../../src/db/runs-repository';
import { startTracing, tracingRequested } from '../../src/tracing/start';
import { createTestApp } from '../helpers/test-app';

describe('which environment asks for traces', () => {
  it.each([
    [{}, false],
    [{ OTEL_SERVICE_NAME: 'app', OTEL_TRACES_SAMPLER: 'always_on' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, false],
  ])('%j → %s', (env, expected) => {
    expect(tracingRequested(env)).toBe(expected);
  });
});

describe('with no OTEL_* variables', () => {
  let testApp: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
    testApp = await createTestApp();
  });
  afterAll(() => testApp.close());

  it('starts no SDK: the API has no provider, context manager or propagator registered', async () => {
    expect(await startTracing()).toBeUndefined();
    // Where @opentelemetry/api keeps what an SDK registers (its global, keyed by major version).
    const registered = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[
      Symbol.for('opentelemetry.js.api.1')
    ];
    expect(Object.keys(registered ?? {}).filter((key) => key !== 'version')).toEqual([]);
    expect(trace.getTracer('switchyard').startSpan('probe').isRecording()).toBe(false);
  });

  it('still serves requests and runs, and stores no traceparent with a queued run', async () => {
    const token = await testApp.token('alice');
    const call = (path: string, body: unknown) =>
      testApp.app.request(`/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await call('/chatbot/apps', { app_id: 'untraced' })).status).toBe(201);
    expect((await call('/chatbot/apps/untraced/actions/prompt', { prompt: 'hi' })).status).toBe(200);
    await testApp.runWorker.stop(); // keep the run queued, so only what createRun stored is read
    const queued = await call('/chatbot/apps/untraced/runs', {
      action: 'prompt',
      inputs: { prompt: 'again' },
    });
    const { run_id: runId } = (await queued.json()) as { run_id: string };
    const run = await new RunsRepository(testApp.database).get(runId);
    expect(run?.status).toBe('queued');
    expect(run?.traceParent).toBeNull();
  });
});

// Traces, end to end: the SDK started from OTEL_* as index.ts starts it, exporting OTLP/JSON over
// HTTP to a receiver on 127.0.0.1, the real openai-compatible provider against the loopback
// OpenAI-compatible server. Checks the chain request → run → step → LLM call, a failed step, and a
// background run executed by another app instance (on SQLite and Postgres) whose span continues
// the queuing request's trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunsRepository } from '../../src/db/runs-repository';
import { startTracing, type Tracing } from '../../src/tracing/start';
import { dialects } from '../helpers/databases';
import { startOpenAiServer } from '../helpers/openai-server';
import { type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver';
import { createTestApp } from '../helpers/test-app';

const SERVER = 2; // OTLP span kind
const ERROR = 2; // OTLP status code

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let model: Awaited<ReturnType<typeof startOpenAiServer>>;
let tracing: Tracing;
let instanceA: Awaited<ReturnType<typeof createTestApp>>;

const modelEnv = () => ({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: model.baseUrl, LLM_MODEL: 'test-model' });

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  model = await startOpenAiServer();
  // As an operator sets them (this file runs in a worker of its own, so they leak nowhere).
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  process.env.OTEL_SERVICE_NAME = 'traces-test';
  const started = await startTracing();
  if (!started) throw new Error('tracing did not start with OTEL_EXPORTER_OTLP_ENDPOINT set');
  tracing = started;
  instanceA = await createTestApp({ env: modelEnv(), traced: true });
});
afterAll(async () => {
  await instanceA?.close();
  await tracing?.shutdown();
  await model?.close();
  await receiver?.close();
});

const request = async (method: string, path: string, body?: unknown) =>
  instanceA.app.request(`/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await instanceA.token('alice')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Everything exported so far, after the batch processor sent what it holds. */
async function exported() {
  await tracing.flush();
  return receiver.spans;
}

/** The one span matching; fails with the names seen when there is not exactly one. */
function one(spans: ReceivedSpan[], match: (span: ReceivedSpan) => boolean, what: string) {
  const found = spans.filter(match);
  expect(found, `${what} among ${spans.map((span) => span.name).join(', ')}`).toHaveLength(1);
  return found[0] as ReceivedSpan;
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);

describe('a request that comes with a traceparent', () => {
  it("continues the caller's trace", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const response = await instanceA.app.request('/healthz', {
      headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    expect(response.status).toBe(200);
    const spans = await exported();
    const span = one(spans, (candidate) => candidate.traceId === traceId, 'the request span');
    expect(span).toMatchObject({ name: 'GET /healthz', parentSpanId: callerSpan, kind: SERVER });
  });
});

describe('a streamed action', () => {
  it('is traced as request → run → steps → LLM calls, with the route template and step attributes', async () => {
    await request('POST', '/chatbot/apps', { app_id: 'traced-stream' });
    model.next({ kind: 'text', text: 'answer_question' }, { kind: 'stream', tokens: ['Forty', '-two'] });
    const response = await request('POST', '/chatbot/apps/traced-stream/actions/prompt/stream', {
      prompt: 'What is the answer?',
    });
    expect(await response.text()).toContain('event: done');

    const spans = await exported();
    const route = '/api/v1/chatbot/apps/:app_id/actions/prompt/stream';
    const requestSpan = one(spans, (span) => span.attributes['http.route'] === route, 'the request span');
    expect(requestSpan).toMatchObject({ name: `POST ${route}`, kind: SERVER, parentSpanId: '' });
    expect(requestSpan.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
    });
    expect(requestSpan.resource['service.name']).toBe('traces-test');

    const [run, ...others] = childrenOf(spans, requestSpan);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ name: 'run chatbot.prompt' });
    expect(run?.attributes).toMatchObject({
      'switchyard.run.kind': 'stream',
      'switchyard.graph': 'chatbot',
      'switchyard.app_id': 'traced-stream',
    });

    const steps = childrenOf(spans, run as ReceivedSpan);
    expect(steps.map((step) => [step.name, step.attributes['switchyard.sequence_id']])).toEqual([
      ['step chatbot.prompt', 1],
      ['step chatbot.decide_mode', 2],
      ['step chatbot.answer_question', 3],
    ]);
    for (const step of steps) {
      expect(step.attributes).toMatchObject({
        'switchyard.graph': 'chatbot',
        'switchyard.app_id': 'traced-stream',
        'switchyard.step.status': 'committed',
      });
    }
    const [prompt, decide, answer] = steps as [ReceivedSpan, ReceivedSpan, ReceivedSpan];
    expect(childrenOf(spans, prompt)).toEqual([]); // no model call in the user's step
    const classify = one(childrenOf(spans, decide), (span) => span.name === 'ai.generateText', 'classify');
    expect(classify.attributes['ai.telemetry.functionId']).toBe('chatbot.classify');
    expect(childrenOf(spans, classify).map((span) => span.name)).toEqual(['ai.generateText.doGenerate']);
    const stream = one(childrenOf(spans, answer), (span) => span.name === 'ai.streamText', 'the answer');
    expect(childrenOf(spans, stream).map((span) => span.name)).toEqual(['ai.streamText.doStream']);
    // Prompts and answers are not recorded in traces.
    const recorded = JSON.stringify([classify, stream, ...childrenOf(spans, stream)]);
    expect(recorded).not.toContain('What is the answer?');
    expect(recorded).not.toContain('Forty');
  });
});

describe('an action that fails', () => {
  it('ends its step span and the run span as errors, under the non-streaming route', async () => {
    await request('POST', '/chatbot/apps', { app_id: 'traced-failure' });
    model.next({ kind: 'status', status: 400 });
    const response = await request('POST', '/chatbot/apps/traced-failure/actions/prompt', { prompt: 'hm' });
    expect(response.status).toBeGreaterThanOrEqual(400);

    const spans = await exported();
    const route = '/api/v1/chatbot/apps/:app_id/actions/prompt';
    const requestSpan = one(spans, (span) => span.attributes['http.route'] === route, 'the request span');
    expect(requestSpan.attributes['http.response.status_code']).toBe(response.status);
    const run = one(childrenOf(spans, requestSpan), () => true, 'the run span');
    expect(run.attributes['switchyard.run.kind']).toBe('request');
    expect(run.status.code).toBe(ERROR);
    const failed = one(
      childrenOf(spans, run),
      (span) => span.name === 'step chatbot.decide_mode',
      'the failed step',
    );
    expect(failed.attributes['switchyard.step.status']).toBe('failed');
    expect(failed.status).toMatchObject({ code: ERROR, message: expect.stringContaining('400') });
    expect(childrenOf(spans, failed).map((span) => span.name)).toContain('ai.generateText');
  });
});

describe.each(dialects)('a background run on $name', ({ create }) => {
  // Two instances on one database; B never serves a request, it only executes runs.
  let queuing: Awaited<ReturnType<typeof createTestApp>>;
  let executing: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    const shared = await create();
    queuing = await createTestApp({ env: modelEnv(), testDb: shared, traced: true });
    executing = await createTestApp({
      env: modelEnv(),
      testDb: { ...shared, drop: async () => {} },
      traced: true,
    });
  });
  afterAll(async () => {
    await executing?.close();
    await queuing?.close();
  });

  it('executed by another instance, continues the trace of the request that queued it', async () => {
    const call = async (path: string, body: unknown) =>
      queuing.app.request(`/api/v1${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await queuing.token('alice')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    await call('/chatbot/apps', { app_id: 'traced-run' });
    // The queuing instance does not execute runs, so the other's worker (polled from here, outside
    // any span) takes it.
    await queuing.runWorker.stop();
    model.next({ kind: 'text', text: 'answer_question' }, { kind: 'stream', tokens: ['Later.'] });
    const queued = await call('/chatbot/apps/traced-run/runs', {
      action: 'prompt',
      inputs: { prompt: 'Take your time' },
    });
    expect(queued.status).toBe(202);
    const { run_id: runId } = (await queued.json()) as { run_id: string };
    const runs = new RunsRepository(executing.database);
    await executing.runWorker.poll();
    for (let waited = 0; (await runs.get(runId))?.status !== 'succeeded'; waited += 20) {
      if (waited > 10_000) throw new Error('the run did not succeed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const spans = await exported();
    const run = one(spans, (span) => span.attributes['switchyard.run_id'] === runId, 'the run span');
    const requestSpan = one(
      spans,
      (span) =>
        span.attributes['http.route'] === '/api/v1/chatbot/apps/:app_id/runs' && span.traceId === run.traceId,
      'the queuing request',
    );
    expect((await runs.get(runId))?.traceParent).toBe(`00-${requestSpan.traceId}-${requestSpan.spanId}-01`);
    expect(run.parentSpanId).toBe(requestSpan.spanId);
    expect(run.attributes['switchyard.run.kind']).toBe('background');
    const steps = childrenOf(spans, run).map((span) => span.name);
    expect(steps).toEqual([
      'step chatbot.prompt',
      'step chatbot.decide_mode',
      'step chatbot.answer_question',
    ]);
  });
});

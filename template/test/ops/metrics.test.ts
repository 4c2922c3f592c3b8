import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RunsRepository } from '../../src/db/runs-repository';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

const METRICS_TOKEN = 'metrics-token-for-the-tests-0123';

/** The value of one series in Prometheus text, e.g. sample(text, 'switchyard_runs{status="queued"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics without METRICS_TOKEN', () => {
  it('does not exist, and nothing is counted', async () => {
    const testApp = await createTestApp();
    try {
      const response = await testApp.app.request('/metrics', {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const document = (await (await testApp.app.request('/openapi.json')).json()) as { paths: object };
      expect(Object.keys(document.paths)).not.toContain('/metrics');
    } finally {
      await testApp.close();
    }
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let testApp: Awaited<ReturnType<typeof createTestApp>>;
  let server: RunningServer;
  let base: string;
  beforeAll(async () => {
    testApp = await createTestApp({
      env: { METRICS_TOKEN, SCRIPTED_DELAY_MS: '20', SSE_PING_INTERVAL_MS: '50' },
    });
    server = await serveOnLoopback(testApp);
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await testApp.close();
    await server.shutdown();
  });

  const scrape = async () => {
    const response = await fetch(`${base}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return response.text();
  };
  const api = async (method: string, path: string, body?: unknown, sub = 'alice') =>
    fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${await testApp.token(sub)}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('refuses a missing token, a wrong one and a user JWT with 401 problem+json', async () => {
    const userJwt = await testApp.token('root', ['admin']);
    for (const authorization of [undefined, `Bearer ${METRICS_TOKEN}x`, `Bearer ${userJwt}`, METRICS_TOKEN]) {
      const response = await fetch(`${base}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await response.text()).not.toContain('switchyard_');
    }
  });

  it('is documented in OpenAPI with its own security scheme', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, { get: { security: unknown; responses: Record<string, unknown> } }>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const route = document.paths['/metrics']?.get;
    expect(route?.security).toEqual([{ metricsToken: [] }]);
    expect(Object.keys(route?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '404']));
    expect(document.components.securitySchemes.metricsToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('counts requests by route template, steps by action and status, deltas, token cache and runs', async () => {
    expect((await api('POST', '/chatbot/apps', { app_id: 'metrics-a' })).status).toBe(201);
    expect(
      (await api('POST', '/chatbot/apps/metrics-a/actions/prompt', { prompt: 'Write a poem' })).status,
    ).toBe(200);
    expect((await api('GET', '/chatbot/apps/metrics-a')).status).toBe(200);
    expect((await api('GET', '/chatbot/apps/unknown-app')).status).toBe(404);
    // A method the client made up is not a label value of its own.
    await fetch(`${base}/api/v1/chatbot/apps`, { method: 'PROPFIND' }).catch(() => {});
    const text = await scrape();

    // Default process metrics are there.
    expect(text).toContain('process_cpu_user_seconds_total');
    // The route template, never the raw path (no app id in any label).
    const route = 'route="/api/v1/chatbot/apps/:app_id"';
    expect(
      sample(text, `switchyard_http_request_duration_seconds_count{${route},method="GET",status="200"}`),
    ).toBe(1);
    expect(
      sample(text, `switchyard_http_request_duration_seconds_count{${route},method="GET",status="404"}`),
    ).toBe(1);
    expect(text).not.toContain('metrics-a');
    expect(text).not.toContain('PROPFIND');
    expect(text).toMatch(
      /switchyard_http_request_duration_seconds_count\{route="[^"]*",method="OTHER",status="\d+"\}/,
    );
    expect(text).not.toContain('unknown-app');
    // One prompt runs prompt → decide_mode → a response action, which streams its words.
    const steps = 'switchyard_step_duration_seconds_count';
    expect(sample(text, `${steps}{graph="chatbot",action="prompt",status="committed"}`)).toBe(1);
    expect(sample(text, `${steps}{graph="chatbot",action="decide_mode",status="committed"}`)).toBe(1);
    const deltas = text.split('\n').filter((line) => line.startsWith('switchyard_stream_deltas_total{'));
    expect(deltas.length).toBe(1);
    expect(Number(deltas[0]?.split(' ')[1])).toBeGreaterThan(1);
    // Every authenticated request looked its token up once (tokens minted in the same second are equal).
    const lookups = ['hit', 'miss'].map(
      (result) => sample(text, `switchyard_token_cache_lookups_total{result="${result}"}`) ?? 0,
    );
    expect(lookups[1]).toBeGreaterThanOrEqual(1);
    expect((lookups[0] ?? 0) + (lookups[1] ?? 0)).toBe(4);
    expect(sample(text, 'switchyard_runs{status="queued"}')).toBe(0);
    expect(sample(text, 'switchyard_run_queue_depth')).toBe(0);
  });

  it('counts token cache hits when a token comes back', async () => {
    const before = sample(await scrape(), 'switchyard_token_cache_lookups_total{result="hit"}') ?? 0;
    const headers = { authorization: `Bearer ${await testApp.token('bob')}` };
    for (let i = 0; i < 3; i++) await fetch(`${base}/api/v1/me`, { headers });
    const after = sample(await scrape(), 'switchyard_token_cache_lookups_total{result="hit"}');
    expect(after).toBe(before + 2);
  });

  it('shows queued runs, and the SSE and WebSocket streams open on one', async () => {
    expect((await api('POST', '/chatbot/apps', { app_id: 'metrics-b' })).status).toBe(201);
    // Queued straight in the table: nothing wakes the (unstarted) worker, so the run stays queued.
    const { runId: run_id } = await new RunsRepository(testApp.database).create({
      graph: 'chatbot',
      appId: 'metrics-b',
      action: 'prompt',
      inputs: { prompt: 'Tell me a story' },
      createdBy: 'alice',
    });
    const waiting = await scrape();
    expect(sample(waiting, 'switchyard_runs{status="queued"}')).toBe(1);
    expect(sample(waiting, 'switchyard_run_queue_depth')).toBe(1);

    const leave = new AbortController();
    const events = await fetch(`${base}/api/v1/runs/${run_id}/events`, {
      headers: { authorization: `Bearer ${await testApp.token('alice')}` },
      signal: leave.signal,
    });
    expect(events.status).toBe(200);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/runs/${run_id}/ws`, [
      'bearer',
      await testApp.token('alice'),
    ]);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await events.body?.getReader().read();
    const open = await scrape();
    expect(sample(open, 'switchyard_open_streams{kind="sse"}')).toBe(1);
    expect(sample(open, 'switchyard_open_streams{kind="websocket"}')).toBe(1);

    leave.abort();
    ws.close();
    await expect.poll(async () => sample(await scrape(), 'switchyard_open_streams{kind="sse"}')).toBe(0);
    await expect
      .poll(async () => sample(await scrape(), 'switchyard_open_streams{kind="websocket"}'))
      .toBe(0);
  });
});

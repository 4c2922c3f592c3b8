import { createRoute, z } from '@hono/zod-openapi';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonBody, jsonContent } from '../../src/lib/openapi';
import { createTestApp } from '../helpers/test-app';

const echo = createRoute({
  method: 'post',
  path: '/echo',
  request: { body: jsonBody(z.object({ name: z.string().min(1), age: z.number().int() }), 'A person') },
  responses: { 200: jsonContent(z.object({ name: z.string() }), 'Echoed') },
});

/** The real app plus two routes of the kind a user adds beside the generated ones. */
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const testApp of opened) await testApp.close();
});

async function appWithUserRoutes() {
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
  const testApp = await createTestApp({ env: { BODY_LIMIT: '1kb' }, logger });
  opened.push(testApp);
  const { app } = testApp;
  app.openapi(echo, (c) => c.json({ name: c.req.valid('json').name }, 200));
  app.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  return { app, logs };
}

const post = (body: string, type = 'application/json') => ({
  method: 'POST',
  headers: { 'content-type': type },
  body,
});

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = await response.json();
  expect(body).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
  return body;
}

describe('errors leave as problem+json', () => {
  it('accepts a valid body', async () => {
    const { app } = await appWithUserRoutes();
    const response = await app.request('/echo', post('{"name":"ada","age":36}'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'ada' });
  });

  it('404 for an unknown route', async () => {
    const { app } = await appWithUserRoutes();
    const body = await expectProblem(await app.request('/nowhere'), 404);
    expect(body.detail).toBe('No route for GET /nowhere.');
  });

  it('400 for malformed JSON', async () => {
    const { app } = await appWithUserRoutes();
    await expectProblem(await app.request('/echo', post('{"name":')), 400);
  });

  it('422 with one entry per failing field', async () => {
    const { app } = await appWithUserRoutes();
    const body = await expectProblem(await app.request('/echo', post('{"name":"","age":"old"}')), 422);
    expect(body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['age', 'name']);
  });

  it('415 for a body sent without a JSON content type', async () => {
    const { app } = await appWithUserRoutes();
    await expectProblem(await app.request('/echo', post('name=ada', 'text/plain')), 415);
  });

  it('413 for a body over BODY_LIMIT', async () => {
    const { app } = await appWithUserRoutes();
    const big = JSON.stringify({ name: 'x'.repeat(2048), age: 1 });
    await expectProblem(await app.request('/echo', post(big)), 413);
  });

  it('500 without the stack, which goes to the log with the request id', async () => {
    const { app, logs } = await appWithUserRoutes();
    const response = await app.request('/boom', { headers: { 'x-request-id': 'req-42' } });
    const body = await expectProblem(response, 500);
    expect(JSON.stringify(body)).not.toContain('secret internal detail');
    expect(body.request_id).toBe('req-42');
    const logged = logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'unhandled error');
    expect(logged).toMatchObject({ requestId: 'req-42', err: { message: 'secret internal detail' } });
    expect(logged.err.stack).toContain('Error: secret internal detail');
  });

  it('logs one line per request with id, method, path, status and duration', async () => {
    const { app, logs } = await appWithUserRoutes();
    await app.request('/healthz');
    const line = logs.map((entry) => JSON.parse(entry)).find((entry) => entry.msg === 'request');
    expect(line).toMatchObject({
      method: 'GET',
      path: '/healthz',
      status: 200,
      requestId: expect.any(String),
    });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('sets secure headers and no CORS by default', async () => {
    const { app } = await appWithUserRoutes();
    const response = await app.request('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers CORS for configured origins only', async () => {
    const testApp = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example' } });
    opened.push(testApp);
    const { app } = testApp;
    const allowed = await app.request('/healthz', { headers: { origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await app.request('/healthz', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

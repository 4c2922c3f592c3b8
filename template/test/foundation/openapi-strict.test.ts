// The document as strict as the server, for the points a generated client would otherwise miss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app';

let testApp: Awaited<ReturnType<typeof createTestApp>>;
// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document read as JSON.
let doc: any;

beforeAll(async () => {
  // Every optional route on, so the document holds them all.
  testApp = await createTestApp({
    env: { AUTH_DEV_LOGIN: 'true', METRICS_TOKEN: 'metrics-token-for-the-document' },
  });
  doc = await (await testApp.app.request('/openapi.json')).json();
});
afterAll(() => testApp.close());

describe('the OpenAPI document', () => {
  it('names a server, relative to the origin that serves it', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('gives the routes without a token operation ids and an explicit empty security', () => {
    for (const [method, path] of [
      ['get', '/healthz'],
      ['get', '/readyz'],
      ['post', '/auth/dev-token'],
    ] as const) {
      expect(doc.paths[path][method].operationId).toMatch(/^\w+$/);
      expect(doc.paths[path][method].security, `${method} ${path}`).toEqual([]);
    }
  });

  it('documents 429 on every operation, the probes too: every request counts against a rate limit', () => {
    const missing = Object.entries<Record<string, { responses: Record<string, unknown> }>>(doc.paths).flatMap(
      ([path, item]) =>
        Object.entries(item)
          .filter(([, operation]) => !operation.responses['429'])
          .map(([method]) => `${method} ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it("documents steps' `after` as an integer that is never null", () => {
    const after = doc.paths['/api/v1/chatbot/apps/{app_id}/steps'].get.parameters.find(
      (parameter: { name: string }) => parameter.name === 'after',
    );
    expect(after.schema).toMatchObject({ type: 'integer', minimum: 0 });
    expect(JSON.stringify(after.schema)).not.toContain('null');
  });

  it('documents Last-Event-ID, the 204 and every event on the run events route', () => {
    const events = doc.paths['/api/v1/runs/{run_id}/events'].get;
    const lastEventId = events.parameters.find(
      (parameter: { name: string }) => parameter.name === 'last-event-id',
    );
    expect(lastEventId).toMatchObject({ in: 'header', required: false });
    // The pattern the server checks (422 otherwise), so a client refuses what the server would.
    const pattern = new RegExp(lastEventId.schema.pattern);
    expect(['0', '17', '123456789012345'].every((id) => pattern.test(id))).toBe(true);
    expect(['x', '-1', '1.5', '1234567890123456'].some((id) => pattern.test(id))).toBe(false);
    expect(events.responses['204']).toBeDefined();
    for (const name of ['state', 'action', 'delta', 'step', 'done', 'error']) {
      expect(events.description).toContain(`\`${name}\``);
    }
  });
});

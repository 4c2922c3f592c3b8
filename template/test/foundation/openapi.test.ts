import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidOpenApi } from '../helpers/openapi-validator';
import { createTestApp } from '../helpers/test-app';

let testApp: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  // Every optional route on, so the document validated holds them all.
  testApp = await createTestApp({
    env: { AUTH_DEV_LOGIN: 'true', METRICS_TOKEN: 'metrics-token-for-the-document' },
  });
});
afterAll(() => testApp.close());

describe('API documentation', () => {
  it('serves an OpenAPI 3.1 document that passes a validator', async () => {
    const response = await testApp.app.request('/openapi.json');
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/auth/dev-token', '/metrics']),
    );
    await expectValidOpenApi(document);
  });

  it('serves the interactive reference at /docs', async () => {
    const response = await testApp.app.request('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('/openapi.json');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app';

// The template's example of an owner's own route (src/routes/me.ts), mounted behind authentication.
describe('GET /api/v1/me', () => {
  let testApp: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    testApp = await createTestApp();
  });
  afterAll(() => testApp.close());

  const get = (token?: string) =>
    testApp.app.request('/api/v1/me', { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("answers the caller's sub and roles", async () => {
    const alice = await get(await testApp.token('alice'));
    expect(alice.status).toBe(200);
    expect(await alice.json()).toEqual({ sub: 'alice', roles: [] });
    const admin = await get(await testApp.token('root', ['admin', 'ops']));
    expect(await admin.json()).toEqual({ sub: 'root', roles: ['admin', 'ops'] });
  });

  it('refuses an anonymous caller with 401 problem+json and a Bearer challenge', async () => {
    const response = await get();
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses a token that does not verify', async () => {
    const response = await get('not.a.token');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});

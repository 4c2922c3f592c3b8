import { execFileSync } from 'node:child_process';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app';

const opened: Awaited<ReturnType<typeof createTestApp>>[] = [];
afterAll(async () => {
  for (const testApp of opened) await testApp.close();
});
async function app(devLogin: boolean) {
  const testApp = await createTestApp({ env: { AUTH_DEV_LOGIN: String(devLogin) } });
  opened.push(testApp);
  return testApp;
}
const post = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('POST /auth/dev-token', () => {
  it('signs in anyone when AUTH_DEV_LOGIN is on, with a token the API accepts', async () => {
    const testApp = await app(true);
    const response = await testApp.app.request('/auth/dev-token', post('{"sub":"alice","roles":["admin"]}'));
    expect(response.status).toBe(200);
    const { token } = await response.json();
    const listed = await testApp.app.request('/api/v1/chatbot/apps', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.status).toBe(200);
    expect((await testApp.app.request('/auth/dev-token', post('{"sub":""}'))).status).toBe(422);
  });

  it('does not exist when AUTH_DEV_LOGIN is off', async () => {
    const testApp = await app(false);
    expect((await testApp.app.request('/auth/dev-token', post('{"sub":"alice"}'))).status).toBe(404);
  });
});

describe('npm run token', () => {
  const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
  const token = (args: string[], env: Record<string, string> = { JWT_SECRET: secret }) =>
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();

  it('prints a token for --sub and --roles signed with JWT_SECRET', async () => {
    const printed = token(['--sub', 'alice', '--roles', 'admin,editor', '--ttl', '60']);
    const { payload } = await jwtVerify(printed, new TextEncoder().encode(secret));
    expect(payload).toMatchObject({ sub: 'alice', roles: ['admin', 'editor'] });
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
  });

  it('explains what is missing', () => {
    expect(() => token([])).toThrow(/usage: npm run token -- --sub/);
    // Set but empty, so a scaffolded project's .env (which never overrides the environment) stays out.
    expect(() => token(['--sub', 'alice'], { JWT_SECRET: '' })).toThrow(/JWT_SECRET is missing/);
  });
});

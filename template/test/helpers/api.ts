import { createClient } from '../../src/client';
import { createTestApp, type TestAppOptions } from './test-app';

/** The test app plus typed clients for some users, all calling the app in process (no port). */
export async function createApiHarness(options: TestAppOptions = {}) {
  const testApp = await createTestApp(options);
  const inProcess: typeof fetch = (input, init) =>
    Promise.resolve(testApp.app.request(input as string, init));
  const clientFor = async (sub: string, roles: string[] = []) =>
    createClient('http://test', { token: await testApp.token(sub, roles), fetch: inProcess }).chatbot;
  /** A raw request with a token, for what the client does not send (bad bodies, HEAD …). */
  const request = async (method: string, path: string, token: string | undefined, body?: string) =>
    testApp.app.request(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body,
    });
  return { ...testApp, clientFor, request };
}

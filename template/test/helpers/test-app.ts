import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { createApp } from '../../src/app';
import { signDevToken } from '../../src/auth/sign-token';
import { createLlmProvider } from '../../src/chatbot/llm';
import type { LlmProvider } from '../../src/chatbot/llm/provider';
import type { Database } from '../../src/db/client';
import { type RunningServer, startServer } from '../../src/lib/serve';
import { sqliteDatabase, type TestDatabase } from './databases';
import { testConfig } from './test-config';

export interface TestAppOptions {
  env?: Record<string, string>;
  logger?: Logger;
  llm?: LlmProvider;
  redis?: Redis;
  testDb?: TestDatabase;
  /** Request and step spans (createApp's `traced`), for tests that started the trace SDK. */
  traced?: boolean;
}

/** The real app on a fresh, migrated temp SQLite file (or the given database), with a token minter. */
export async function createTestApp(options: TestAppOptions = {}) {
  const config = testConfig(options.env);
  const testDb = options.testDb ?? sqliteDatabase();
  const database: Database = await testDb.open();
  await database.migrate();
  const { app, runWorker, webhookDispatcher, runBus, webSockets } = createApp({
    config,
    logger: options.logger ?? pino({ level: 'silent' }),
    database,
    llm: options.llm ?? createLlmProvider(config),
    redis: options.redis,
    traced: options.traced,
  });
  return {
    app,
    runWorker,
    webhookDispatcher,
    webSockets,
    config,
    database,
    /** A valid token for `sub` with `roles`. */
    token: (sub: string, roles: string[] = []) => signDevToken(config.JWT_SECRET as string, { sub, roles }),
    async close() {
      await runWorker.stop();
      await webhookDispatcher?.stop();
      await runBus.close();
      await database.close();
      await testDb.drop();
    },
  };
}

/** `call(method, path, body?)` on the chatbot's routes (`path` after /api/v1/chatbot) as `sub`, in process. */
export async function chatbotCaller(testApp: Awaited<ReturnType<typeof createTestApp>>, sub: string) {
  const token = await testApp.token(sub);
  return async (method: string, path: string, body?: unknown): Promise<Response> =>
    testApp.app.request(`/api/v1/chatbot${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** Serves a test app on a free 127.0.0.1 port (WebSocket upgrades included), for tests that need a socket. */
export function serveOnLoopback(testApp: {
  app: { fetch: (request: Request) => Response | Promise<Response> };
  webSockets?: Parameters<typeof startServer>[0]['webSockets'];
}): Promise<RunningServer> {
  return startServer({
    fetch: testApp.app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    shutdownTimeoutMs: 100,
    logger: pino({ level: 'silent' }),
    webSockets: testApp.webSockets,
  });
}

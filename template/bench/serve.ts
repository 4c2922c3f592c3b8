// A server for the benchmarks, in its own process so the load generator does not share its CPU.
//   tsx bench/serve.ts bare   → bare Hono answering GET /json
//   tsx bench/serve.ts app    → the Switchyard app on a temp SQLite file, scripted LLM at zero delay
//   tsx bench/serve.ts app-metrics → the same with METRICS_TOKEN set (every metric counting)
// Prints one JSON line { port, token?, apps? } once it listens.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import { createApp } from '../src/app';
import { signDevToken } from '../src/auth/sign-token';
import { createLlmProvider } from '../src/chatbot/llm';
import { loadConfig } from '../src/config';
import { createDatabase } from '../src/db/client';

const kind = process.argv[2];
const APPS = 500;

if (kind === 'bare') {
  const bare = new Hono().get('/json', (c) => c.json({ ok: true }));
  serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    console.log(JSON.stringify({ port: info.port })),
  );
} else {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
    DATABASE_URL: `file:${join(mkdtempSync(join(tmpdir(), 'switchyard-bench-')), 'app.db')}`,
    SCRIPTED_DELAY_MS: '0',
    RATE_LIMIT_PER_MIN: '100000000',
    ...(kind === 'app-metrics' ? { METRICS_TOKEN: 'bench-metrics-token-0123456789' } : {}),
  });
  const database = await createDatabase(config.DATABASE_URL);
  await database.migrate();
  const { app } = createApp({
    config,
    logger: pino({ level: 'silent' }),
    database,
    llm: createLlmProvider(config),
  });
  const token = await signDevToken(config.JWT_SECRET as string, { sub: 'bench', ttlSeconds: 3600 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const apps: string[] = [];
  for (let index = 0; index < APPS; index++) {
    const response = await app.request('/api/v1/chatbot/apps', {
      method: 'POST',
      headers,
      body: JSON.stringify({ app_id: `bench-${index}` }),
    });
    apps.push(((await response.json()) as { app_id: string }).app_id);
  }
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    console.log(JSON.stringify({ port: info.port, token, apps })),
  );
}

// Exit on a signal so a --cpu-prof run writes its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

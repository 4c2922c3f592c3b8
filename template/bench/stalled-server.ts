// The server side of bench/stalled-readers.ts, in its own process so its RSS is the server's alone:
// the app on a temp SQLite file with one finished run whose event log is LOG_MB (10) megabytes.
// Prints `{ port, token, runId }`, then answers each line on stdin with `{ rss }` after a GC.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { createApp } from '../src/app';
import { signDevToken } from '../src/auth/sign-token';
import { createLlmProvider } from '../src/chatbot/llm';
import { loadConfig } from '../src/config';
import { createDatabase } from '../src/db/client';
import { RunsRepository } from '../src/db/runs-repository';
import { startServer } from '../src/lib/serve';

const LOG_MB = Number(process.env.LOG_MB ?? 10);
const EVENT_BYTES = 10_000;

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
  STREAMS_PER_USER: '1000',
});
const database = await createDatabase(`file:${join(mkdtempSync(join(tmpdir(), 'stalled-')), 'app.db')}`);
await database.migrate();
const logger = pino({ level: 'silent' });
const { app, webSockets } = createApp({ config, logger, database, llm: createLlmProvider(config) });
const token = await signDevToken(config.JWT_SECRET as string, { sub: 'bench' });
await app.request('/api/v1/chatbot/apps', {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ app_id: 'big' }),
});
const runs = new RunsRepository(database);
const run = await runs.create({
  graph: 'chatbot',
  appId: 'big',
  action: 'prompt',
  inputs: {},
  createdBy: 'bench',
});
const piece = 'x'.repeat(EVENT_BYTES);
for (let index = 0; index < (LOG_MB * 1_000_000) / EVENT_BYTES; index++) {
  await runs.appendEvent(run.runId, 'delta', { delta: piece });
}
await runs.appendEvent(run.runId, 'done', {});
await runs.setStatus(run.runId, 'succeeded', {});

const server = await startServer({
  fetch: app.fetch,
  port: 0,
  hostname: '127.0.0.1',
  shutdownTimeoutMs: 100,
  logger,
  webSockets,
});
console.log(JSON.stringify({ port: server.port, token, runId: run.runId }));
createInterface({ input: process.stdin }).on('line', () => {
  globalThis.gc?.();
  console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
});

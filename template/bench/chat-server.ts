// The server of the chat streaming benchmark, in its own process: the whole app (createApp, as
// production builds it) whose model streams `tok ` N times as fast as it can, so the chatbot's
// stream route and its AI SDK chat route answer the same turn.
//   tsx bench/chat-server.ts N   → prints one JSON line { port, token } once it listens
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../src/app';
import { signDevToken } from '../src/auth/sign-token';
import type { LlmProvider } from '../src/chatbot/llm/provider';
import { loadConfig } from '../src/config';
import { createDatabase } from '../src/db/client';

const deltas = Number(process.argv[2] ?? 5_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

const fastModel: LlmProvider = {
  name: 'bench',
  classify: async () => 'answer_question',
  async *streamText(_messages, { signal }) {
    for (let index = 0; index < deltas; index++) {
      signal.throwIfAborted();
      yield 'tok ';
    }
  },
};

const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
  DATABASE_URL: `file:${join(mkdtempSync(join(tmpdir(), 'switchyard-chat-bench-')), 'app.db')}`,
  RATE_LIMIT_PER_MIN: '100000000',
});
const database = await createDatabase(config.DATABASE_URL);
await database.migrate();
const { app, runWorker } = createApp({ config, logger: pino({ level: 'silent' }), database, llm: fastModel });
await runWorker.start();
const token = await signDevToken(config.JWT_SECRET as string, { sub: 'bench' });
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
  console.log(JSON.stringify({ port: info.port, token })),
);

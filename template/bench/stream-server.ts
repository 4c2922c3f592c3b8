// Servers for the streaming benchmark, each in its own process:
//   tsx bench/stream-server.ts raw N    → node:http writing N SSE delta frames as fast as it can
//   tsx bench/stream-server.ts graph N  → a graph whose streaming action yields N deltas, behind mountGraph()
//   tsx bench/stream-server.ts app      → the whole app, scripted LLM slowed down (for many open streams)
// Prints one JSON line { port, token? } once it listens.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { z } from 'zod';
import { mountGraph } from '../src/api/graph';
import { StreamSlots } from '../src/api/middleware/stream-slots';
import { createApp } from '../src/app';
import { signDevToken } from '../src/auth/sign-token';
import { createLlmProvider } from '../src/chatbot/llm';
import { loadConfig } from '../src/config';
import { AppsRepository } from '../src/db/apps-repository';
import { ChatsRepository } from '../src/db/chats-repository';
import { createDatabase } from '../src/db/client';
import { DrizzlePersister } from '../src/db/drizzle-persister';
import { GrantsRepository } from '../src/db/grants-repository';
import { LiveStreams } from '../src/db/live-streams';
import { RunsRepository } from '../src/db/runs-repository';
import { actionsFor, GraphRunner, graph } from '../src/engine';
import type { AppEnv } from '../src/lib/env';
import { createRouter } from '../src/lib/openapi';
import type { Services } from '../src/lib/services';
import { LiveRuns } from '../src/runs/live-runs';
import { memoryRunBus } from '../src/runs/run-bus';

const [kind = 'raw', count = '50000'] = process.argv.slice(2);
const deltas = Number(count);
const frame = (id: number) => `event: delta\nid: ${id}\ndata: {"action":"talk","delta":"tok "}\n\n`;
const tempDb = () => `file:${join(mkdtempSync(join(tmpdir(), 'switchyard-stream-')), 'app.db')}`;
const listening = (port: number, extra: object = {}) => console.log(JSON.stringify({ port, ...extra }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

if (kind === 'raw') {
  const server = createServer(async (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let id = 1; id <= deltas; id++) {
      if (!response.write(frame(id))) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end('event: done\nid: 0\ndata: {}\n\n');
  }).listen(0, '127.0.0.1', () => listening((server.address() as AddressInfo).port));
} else if (kind === 'graph') {
  const State = z.object({ words: z.number() });
  const { action } = actionsFor(State);
  const talk = action({
    name: 'talk',
    reads: [],
    writes: ['words'],
    run: async function* (state) {
      for (let index = 0; index < deltas; index++) yield 'tok ';
      return { result: null, state: state.update({ words: deltas }) };
    },
  });
  const bench = graph({
    name: 'bench',
    state: State,
    initial: { words: 0 },
    actions: [talk],
    transitions: [['talk', 'talk']],
    haltAfter: ['talk'],
  });
  const database = await createDatabase(tempDb());
  await database.migrate();
  const application = new GraphRunner(bench, { persister: new DrizzlePersister(database) });
  const router = createRouter<AppEnv>();
  const services: Services = {
    apps: new AppsRepository(database),
    grants: new GrantsRepository(database),
    runs: new RunsRepository(database),
    liveStreams: new LiveStreams(database, pino({ level: 'silent' })),
    bus: memoryRunBus(),
    live: new LiveRuns(),
    runners: new Map([[bench.name, application]]),
    chatMappings: new Map(),
    chats: new ChatsRepository(database),
    runQueued: () => {},
    followPollMs: 1_000,
    streams: new StreamSlots(Number.MAX_SAFE_INTEGER),
  };
  // The benchmark measures streaming, not auth: every request is the same user.
  router.use((c, next) => {
    c.set('user', { sub: 'bench', roles: [] });
    c.set('logger', pino({ level: 'silent' }));
    c.set('services', services);
    return next();
  });
  router.route('/', mountGraph(application));
  for (let index = 0; index < 20; index++)
    await application.create({ appId: `s${index}`, partitionKey: 'bench' });
  serve({ fetch: router.fetch, port: 0, hostname: '127.0.0.1' }, (info) => listening(info.port));
} else {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
    DATABASE_URL: tempDb(),
    SCRIPTED_DELAY_MS: '500',
    RATE_LIMIT_PER_MIN: '100000000',
    // One user opens all of the benchmark's 1,000 streams: the per-user cap (8) would refuse the rest.
    STREAMS_PER_USER: '100000',
  });
  const database = await createDatabase(config.DATABASE_URL);
  await database.migrate();
  const { app } = createApp({
    config,
    logger: pino({ level: 'silent' }),
    database,
    llm: createLlmProvider(config),
  });
  const token = await signDevToken(config.JWT_SECRET as string, { sub: 'bench' });
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    listening(info.port, { token, pid: process.pid }),
  );
}

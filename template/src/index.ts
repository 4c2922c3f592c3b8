import { existsSync } from 'node:fs';
import { createApp } from './app';
import { createLlmProvider } from './chatbot/llm';
import { ConfigError, loadConfig } from './config';
import { createDatabase } from './db/client';
import { PruneSchedule } from './db/prune-schedule';
import { createLogger } from './lib/logger';
import { startServer } from './lib/serve';
import { startTracing } from './tracing/start';

// .env is read here, once, and never overrides variables the environment already sets.
if (existsSync('.env')) process.loadEnvFile('.env');

// Before anything makes spans; without OTEL_* this loads no SDK (tracing/start.ts). An OTEL_* value
// it cannot honour (OTEL_EXPORTER_OTLP_PROTOCOL=grpc) stops the start with one line, like config.
const tracing = await startTracing().catch((error: Error) => {
  console.error(`Traces: ${error.message}`);
  process.exit(1);
});

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const logger = createLogger(config);
const database = await createDatabase(config.DATABASE_URL, logger);
await database.migrate();

// ioredis is loaded only when REDIS_URL is set: one instance alone never holds it (about 24 MiB).
const redis = config.REDIS_URL
  ? new (await import('ioredis')).Redis(config.REDIS_URL, { lazyConnect: false })
  : undefined;
const { app, runWorker, webhookDispatcher, runBus, webSockets } = createApp({
  config,
  logger,
  database,
  llm: createLlmProvider(config),
  redis,
  traced: tracing !== undefined,
});
const running = await startServer({
  fetch: app.fetch,
  port: config.PORT,
  hostname: config.HOST,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  logger,
  webSockets,
});
await runWorker.start();
webhookDispatcher?.start();
// Retention and compaction run beside the worker; on Postgres one instance at a time prunes (an advisory lock).
const pruning =
  config.STEP_RETENTION_DAYS || config.STEP_KEEP_LAST
    ? new PruneSchedule(
        database,
        { days: config.STEP_RETENTION_DAYS, keepLast: config.STEP_KEEP_LAST },
        logger,
      )
    : undefined;
pruning?.start();

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  await runWorker.stop();
  await webhookDispatcher?.stop();
  await pruning?.stop();
  await running.shutdown();
  await runBus.close();
  await database.close();
  redis?.disconnect();
  // Last, so the spans of the requests and runs that just finished are sent.
  await tracing?.shutdown().catch((error) => logger.warn({ err: error }, 'flushing traces failed'));
  logger.info('bye');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

import { StreamSlots } from '../api/middleware/stream-slots';
import type { ChatMapping } from '../chat/mapping';
import type { Config } from '../config';
import { AppsRepository } from '../db/apps-repository';
import { ChatsRepository } from '../db/chats-repository';
import type { Database } from '../db/client';
import { GrantsRepository } from '../db/grants-repository';
import { LiveStreams } from '../db/live-streams';
import { RunsRepository } from '../db/runs-repository';
import type { AnyRunner } from '../engine';
import type { Instrumentation } from '../metrics';
import { LiveRuns } from '../runs/live-runs';
import { memoryRunBus, type RunBus, redisRunBus } from '../runs/run-bus';
import { webhookDelivery } from '../runs/webhooks';
import { RunWorker } from '../runs/worker';
import type { Logger } from './logger';

/** What handlers use, built once by createApp and read with `c.var.services`. */
export interface Services {
  apps: AppsRepository;
  grants: GrantsRepository;
  runs: RunsRepository;
  /** The streamed actions working now, on every instance (the step viewer shows them). */
  liveStreams: LiveStreams;
  bus: RunBus;
  /** The runs this process executes, whose events its followers take as they are emitted. */
  live: LiveRuns;
  /** The runner of every mounted graph, by graph name (src/graphs.ts). */
  runners: ReadonlyMap<string, AnyRunner>;
  /** The chat mapping of every graph that opted in to chat (src/graphs.ts, `withChat`), by graph name. */
  chatMappings: ReadonlyMap<string, ChatMapping<unknown>>;
  /** Which app each AI SDK chat is on, and its latest turn. */
  chats: ChatsRepository;
  /** Wakes the local worker so a queued run starts without waiting for its poll. */
  runQueued: () => void;
  /** How often a follower of a run looks at the database when the bus is silent (RUN_FOLLOW_POLL_MS). */
  followPollMs: number;
  /** The open streams of each user (STREAMS_PER_USER), taken by openStream() on streaming routes. */
  streams: StreamSlots;
  /** Checks a run's webhook URL (set when WEBHOOK_SECRET is; unset, runs take no webhook). */
  webhookTargets?: { refusal(url: string): Promise<string | null> };
  /** Counts a stream as open (a metric when METRICS_TOKEN is set); call what it returns when it closes. */
  streamOpened?: (kind: 'sse' | 'websocket') => () => void;
}

export interface ServiceDeps {
  config: Config;
  logger: Logger;
  database: Database;
  redis?: import('ioredis').Redis;
  runners: ReadonlyMap<string, AnyRunner>;
  chatMappings: ReadonlyMap<string, ChatMapping<unknown>>;
  observed?: Instrumentation;
}

/** The repositories, the run bus and worker, and webhook delivery, on the given database. */
export function createServices(deps: ServiceDeps) {
  const { config, logger, database, runners, observed } = deps;
  const runs = new RunsRepository(database);
  const bus = deps.redis ? redisRunBus(deps.redis) : memoryRunBus();
  const webhooks = webhookDelivery(config, runs, database, logger);
  const live = new LiveRuns();
  const runWorker = new RunWorker({
    runs,
    bus,
    live,
    runners,
    logger,
    concurrency: config.RUN_CONCURRENCY,
    singleInstance: database.dialect === 'sqlite',
    onRunEnded: webhooks ? () => webhooks.dispatcher.kick() : undefined,
  });
  const services: Services = {
    apps: new AppsRepository(database),
    grants: new GrantsRepository(database),
    runs,
    liveStreams: new LiveStreams(database, logger),
    bus,
    live,
    runners,
    chatMappings: deps.chatMappings,
    chats: new ChatsRepository(database),
    runQueued: () => void runWorker.poll(),
    followPollMs: config.RUN_FOLLOW_POLL_MS,
    streams: new StreamSlots(config.STREAMS_PER_USER),
    streamOpened: observed?.streamOpened,
    webhookTargets: webhooks?.targets,
  };
  return { services, runWorker, webhookDispatcher: webhooks?.dispatcher };
}

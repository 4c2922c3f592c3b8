import type { StreamSlots } from '../api/middleware/stream-slots';
import type { ChatMapping } from '../chat/mapping';
import type { AppsRepository } from '../db/apps-repository';
import type { ChatsRepository } from '../db/chats-repository';
import type { GrantsRepository } from '../db/grants-repository';
import type { RunsRepository } from '../db/runs-repository';
import type { AnyRunner } from '../engine';
import type { RunBus } from '../runs/run-bus';

/** What handlers use, built once by createApp and read with `c.var.services`. */
export interface Services {
  apps: AppsRepository;
  grants: GrantsRepository;
  runs: RunsRepository;
  bus: RunBus;
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
  /** Counts a stream as open (a metric when METRICS_TOKEN is set); call what it returns when it closes. */
  /** Checks a run's webhook URL (set when WEBHOOK_SECRET is; unset, runs take no webhook). */
  webhookTargets?: { refusal(url: string): Promise<string | null> };
  streamOpened?: (kind: 'sse' | 'websocket') => () => void;
}

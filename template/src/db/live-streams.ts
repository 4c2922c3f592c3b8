import { randomUUID } from 'node:crypto';
import { and, asc, eq, gte, lt } from 'drizzle-orm';
import type { RunEvent } from '../engine';
import type { Logger } from '../lib/logger';
import type { Database } from './client';

// A streamed action (POST …/actions/{action}/stream) is no background run: nothing of it is stored
// until its steps commit. So that a page can show what it works on now (the step viewer), each
// stream keeps a row in live_streams while it works: written at its first action, moved at each
// next action, removed before its last event. Any instance answers who reads it, since the row is in
// the shared database. The instance serving a stream refreshes `seen_at` of all its rows at once
// every few seconds (one statement, however many streams); a row not seen for STALE_AFTER_MS was
// left by an instance that died, which readers skip and the next refresh of any instance deletes.

/** How often an instance with open streams refreshes their rows. */
export const SEEN_EVERY_MS = 5_000;
/** A row not refreshed for this long belongs to no living instance. */
export const STALE_AFTER_MS = 3 * SEEN_EVERY_MS;

/** A streamed action working on an app now. */
export interface LiveStream {
  streamId: string;
  graph: string;
  appId: string;
  /** The action it works on, and the step that action will commit. */
  action: string;
  sequenceId: number;
  startedAt: Date;
}

/** One stream's row, kept by LiveStreams.watch. */
export interface StreamWatch {
  /**
   * Called with each event the stream sends, before sending it: an `action` writes the row, queued
   * behind the stream's earlier writes without holding the event back; the last event (`done`,
   * `error`) gets a promise that resolves once the row is gone, so a client that got it no longer
   * finds the stream. Any other event: nothing.
   */
  saw(event: RunEvent): Promise<void> | undefined;
  /** Removes the row if it is still there (a stream that ended without its last event). */
  end(): Promise<void>;
}

/** The live_streams rows of this process, and the reads of everyone's. */
export class LiveStreams {
  /** This process; its rows are refreshed (and outlive it by STALE_AFTER_MS at most). */
  readonly instanceId = randomUUID();
  readonly #open = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** The `limit` oldest streams working on one app now. */
  async listForApp(graph: string, appId: string, limit: number, now = new Date()): Promise<LiveStream[]> {
    const { db, tables } = this.database;
    const { liveStreams } = tables;
    const rows = await db
      .select()
      .from(liveStreams)
      .where(
        and(
          eq(liveStreams.graph, graph),
          eq(liveStreams.appId, appId),
          gte(liveStreams.seenAt, new Date(now.getTime() - STALE_AFTER_MS)),
        ),
      )
      .orderBy(asc(liveStreams.startedAt), asc(liveStreams.streamId))
      .limit(limit);
    return rows.map(({ streamId, graph, appId, action, sequenceId, startedAt }) => ({
      streamId,
      graph,
      appId,
      action,
      sequenceId,
      startedAt,
    }));
  }

  /**
   * Keeps the row of one streamed run whose events the caller sends: `saw` each event, `end` once
   * the stream is over. Events are not wrapped in another generator: `saw` costs a delta one call.
   */
  watch(key: { graph: string; appId: string }): StreamWatch {
    const streamId = randomUUID();
    let written = false;
    let writes: Promise<void> = Promise.resolve();
    const queue = (write: () => Promise<unknown>) => {
      writes = writes.then(write).then(
        () => {},
        (error) => this.logger.warn({ err: error, ...key }, 'live stream row not written'),
      );
    };
    const end = async () => {
      if (!written) return;
      written = false;
      this.#open.delete(streamId);
      queue(() => this.#delete(streamId));
      await writes;
    };
    return {
      saw: (event) => {
        if (event.event === 'done' || event.event === 'error') return end();
        if (event.event !== 'action') return undefined;
        const { action, sequence_id: sequenceId } = event.data;
        if (written) queue(() => this.#move(streamId, action, sequenceId));
        else {
          written = true;
          this.#opened(streamId);
          queue(() => this.#insert({ streamId, ...key, action, sequenceId }));
        }
        return undefined;
      },
      end,
    };
  }

  #opened(streamId: string) {
    this.#open.add(streamId);
    this.#timer ??= setInterval(() => void this.refresh(), SEEN_EVERY_MS).unref();
  }

  /**
   * Marks this instance's rows as seen and deletes the rows no living instance refreshes; runs every
   * SEEN_EVERY_MS while this instance has streams open.
   */
  async refresh() {
    if (this.#open.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    const { db, tables } = this.database;
    const { liveStreams } = tables;
    const now = new Date();
    try {
      if (this.#open.size > 0)
        await db.update(liveStreams).set({ seenAt: now }).where(eq(liveStreams.instanceId, this.instanceId));
      await db.delete(liveStreams).where(lt(liveStreams.seenAt, new Date(now.getTime() - STALE_AFTER_MS)));
    } catch (error) {
      this.logger.warn({ err: error }, 'live stream rows not refreshed');
    }
  }

  async #insert(stream: Omit<LiveStream, 'startedAt'>) {
    const now = new Date();
    await this.database.db
      .insert(this.database.tables.liveStreams)
      .values({ ...stream, instanceId: this.instanceId, startedAt: now, seenAt: now });
  }

  async #move(streamId: string, action: string, sequenceId: number) {
    const { liveStreams } = this.database.tables;
    await this.database.db
      .update(liveStreams)
      .set({ action, sequenceId })
      .where(eq(liveStreams.streamId, streamId));
  }

  async #delete(streamId: string) {
    const { liveStreams } = this.database.tables;
    await this.database.db.delete(liveStreams).where(eq(liveStreams.streamId, streamId));
  }
}

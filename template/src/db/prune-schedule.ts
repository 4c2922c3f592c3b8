import type { Pool } from 'pg';
import type { Logger } from '../lib/logger';
import type { Database } from './client';
import { type CompactCounts, compactApps } from './compaction';
import { type PruneCounts, pruneApps } from './retention';

/** Any fixed number; the instances sharing a Postgres database agree on it (client.ts uses another). */
const PRUNE_LOCK = 7_402_114;

/** The cut-off of STEP_RETENTION_DAYS: apps not updated since then are pruned. */
export const retentionCutoff = (days: number, now = Date.now()) => new Date(now - days * 24 * 60 * 60_000);

/** What a prune run does: remove apps idle for `days` (STEP_RETENTION_DAYS), compact apps to their last `keepLast` steps (STEP_KEEP_LAST). */
export interface PrunePolicy {
  days?: number;
  keepLast?: number;
}

/**
 * Prunes once, unless another instance is pruning the same Postgres database right now (then null).
 */
export function pruneOnce(database: Database, days: number): Promise<PruneCounts | null> {
  return underPruneLock(database, () => pruneApps(database, { updatedBefore: retentionCutoff(days) }));
}

/** Compacts once (compaction.ts), unless another instance is pruning the same Postgres database right now (then null). */
export function compactOnce(database: Database, keepLast: number): Promise<CompactCounts | null> {
  return underPruneLock(database, () => compactApps(database, { keepLast }));
}

/**
 * Runs `work` unless another instance holds the prune lock of the same Postgres database (a session
 * advisory lock, held on a client of its own while the batches run on the pool): then answers null.
 * SQLite has one instance, so it just runs.
 */
async function underPruneLock<T>(database: Database, work: () => Promise<T>): Promise<T | null> {
  if (database.dialect === 'sqlite') return work();
  // drizzle keeps the pool it was built on as $client (client.ts builds it on a pg.Pool).
  const client = await (database.db as typeof database.db & { $client: Pool }).$client.connect();
  try {
    const { rows } = await client.query('select pg_try_advisory_lock($1) as locked', [PRUNE_LOCK]);
    if (!rows[0]?.locked) return null;
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [PRUNE_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Prunes (and compacts) at start and then every `intervalMs` (an hour), beside the run worker. */
export class PruneSchedule {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | null = null;

  constructor(
    private readonly database: Database,
    private readonly policy: PrunePolicy,
    private readonly logger: Logger,
    private readonly intervalMs = 60 * 60_000,
  ) {}

  start() {
    this.#timer = setInterval(() => void this.runNow(), this.intervalMs);
    this.#timer.unref();
    void this.runNow();
  }

  /** One prune, unless one is already running in this process. */
  async runNow() {
    if (this.#running) return this.#running;
    this.#running = this.#prune().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #prune() {
    const { days, keepLast } = this.policy;
    if (days !== undefined) {
      await pruneOnce(this.database, days)
        .then((counts) => {
          if (counts && counts.apps > 0) this.logger.info({ ...counts, days }, 'pruned old apps');
        })
        .catch((error) => this.logger.error({ err: error }, 'pruning old apps failed'));
    }
    if (keepLast !== undefined) {
      await compactOnce(this.database, keepLast)
        .then((counts) => {
          if (counts && counts.apps > 0) this.logger.info({ ...counts, keepLast }, 'compacted long apps');
        })
        .catch((error) => this.logger.error({ err: error }, 'compacting long apps failed'));
    }
  }

  async stop() {
    clearInterval(this.#timer);
    await this.#running;
  }
}

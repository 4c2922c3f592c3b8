import type { Pool } from 'pg';
import type { Logger } from '../lib/logger';
import type { Database } from './client';
import { type PruneCounts, pruneApps } from './retention';

/** Any fixed number; the instances sharing a Postgres database agree on it (client.ts uses another). */
const PRUNE_LOCK = 7_402_114;

/** The cut-off of STEP_RETENTION_DAYS: apps not updated since then are pruned. */
export const retentionCutoff = (days: number, now = Date.now()) => new Date(now - days * 24 * 60 * 60_000);

/**
 * Prunes once, unless another instance is pruning the same Postgres database right now (a session
 * advisory lock, held on a client of its own while the batches run on the pool): then answers null.
 * SQLite has one instance, so it just prunes.
 */
export async function pruneOnce(database: Database, days: number): Promise<PruneCounts | null> {
  const updatedBefore = retentionCutoff(days);
  if (database.dialect === 'sqlite') return pruneApps(database, { updatedBefore });
  // drizzle keeps the pool it was built on as $client (client.ts builds it on a pg.Pool).
  const client = await (database.db as typeof database.db & { $client: Pool }).$client.connect();
  try {
    const { rows } = await client.query('select pg_try_advisory_lock($1) as locked', [PRUNE_LOCK]);
    if (!rows[0]?.locked) return null;
    try {
      return await pruneApps(database, { updatedBefore });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [PRUNE_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Prunes at start and then every `intervalMs` (an hour), beside the run worker. */
export class PruneSchedule {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | null = null;

  constructor(
    private readonly database: Database,
    private readonly days: number,
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
    this.#running = pruneOnce(this.database, this.days)
      .then((counts) => {
        if (counts && counts.apps > 0) this.logger.info({ ...counts, days: this.days }, 'pruned old apps');
        return counts;
      })
      .catch((error) => this.logger.error({ err: error }, 'pruning old apps failed'))
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  async stop() {
    clearInterval(this.#timer);
    await this.#running;
  }
}

import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from './client';
import { finishedStatuses, type RunStatus } from './runs-repository';

/** A finished run whose webhook is due, as claimed by one instance. */
export interface DueWebhook {
  runId: string;
  url: string;
  status: RunStatus;
  /** Deliveries tried before this one. */
  attempts: number;
  endedAt: Date;
}

/**
 * The delivery state of run webhooks, stored on the run's row, so it survives a restart and any
 * instance can carry on. An instance claims a due webhook by pushing its next_at a lease ahead in
 * one statement: the others see it as not due until the lease ends (or the claimer records how the
 * delivery went), so one instance delivers each attempt.
 */
export class WebhooksRepository {
  constructor(private readonly database: Database) {}

  /** Claims the oldest due webhook of a finished run for `leaseMs`, or null when none is due. */
  async claimDue(leaseMs: number, now = new Date()): Promise<DueWebhook | null> {
    const { db, tables, dialect } = this.database;
    const { runs } = tables;
    const due = and(
      eq(runs.webhookStatus, 'pending'),
      inArray(runs.status, [...finishedStatuses]),
      or(isNull(runs.webhookNextAt), lte(runs.webhookNextAt, now)),
    );
    const oldest = db
      .select({ runId: runs.runId })
      .from(runs)
      .where(due)
      .orderBy(asc(runs.endedAt), asc(runs.runId))
      .limit(1);
    const next = dialect === 'postgres' ? oldest.for('update', { skipLocked: true }) : oldest;
    const [row] = await db
      .update(runs)
      .set({ webhookNextAt: new Date(now.getTime() + leaseMs) })
      .where(and(eq(runs.runId, sql`(${next})`), due))
      .returning();
    if (!row?.webhookUrl || !row.endedAt) return null;
    return {
      runId: row.runId,
      url: row.webhookUrl,
      status: row.status,
      attempts: row.webhookAttempts,
      endedAt: row.endedAt,
    };
  }

  async delivered(runId: string) {
    await this.#record(runId, { webhookStatus: 'delivered', webhookNextAt: null, webhookError: null });
  }

  /** A failed attempt: try again at `retryAt`, or give up (`retryAt` null). */
  async attemptFailed(runId: string, error: string, retryAt: Date | null) {
    await this.#record(runId, {
      webhookStatus: retryAt ? 'pending' : 'failed',
      webhookNextAt: retryAt,
      webhookError: error.slice(0, 500),
    });
  }

  /** The stored delivery state of a run's webhook (for tests and operators). */
  async state(runId: string) {
    const { db, tables } = this.database;
    const [row] = await db
      .select({
        status: tables.runs.webhookStatus,
        attempts: tables.runs.webhookAttempts,
        error: tables.runs.webhookError,
      })
      .from(tables.runs)
      .where(eq(tables.runs.runId, runId));
    return row ?? null;
  }

  async #record(
    runId: string,
    fields: {
      webhookStatus: 'pending' | 'delivered' | 'failed';
      webhookNextAt: Date | null;
      webhookError: string | null;
    },
  ) {
    const { db, tables } = this.database;
    await db
      .update(tables.runs)
      .set({ ...fields, webhookAttempts: sql`${tables.runs.webhookAttempts} + 1` })
      .where(eq(tables.runs.runId, runId));
  }
}

import { Webhook } from 'standardwebhooks';
import type { RunsRepository } from '../../db/runs-repository';
import type { WebhooksRepository } from '../../db/webhooks-repository';
import type { Logger } from '../../lib/logger';
import { postWebhook } from './webhook-delivery';
import { webhookPayload } from './webhook-payload';
import type { WebhookTargets } from './webhook-target';

export interface WebhookDispatcherOptions {
  runs: RunsRepository;
  webhooks: WebhooksRepository;
  targets: WebhookTargets;
  logger: Logger;
  /** WEBHOOK_SECRET, `whsec_` and base64 as Standard Webhooks has it. */
  secret: string;
  /** The first retry waits this long, each next one twice as long (at most 10 minutes). */
  retryBaseMs: number;
  /** A run's webhook is given up this long after the run ended. */
  retryForMs: number;
  timeoutMs: number;
}

const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Delivers the webhooks of finished runs: claims a due one (so one instance sends each attempt),
 * POSTs it signed, and records the outcome on the run's row, so a restarted or another instance
 * carries on with the retries where this one stopped.
 */
export class WebhookDispatcher {
  readonly #signer: Webhook;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | null = null;
  #stopped = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.#signer = new Webhook(options.secret);
  }

  /** Longer than a delivery can take, so a claimer that is still sending keeps its claim. */
  get #leaseMs() {
    return this.options.timeoutMs + 5_000;
  }

  start() {
    this.#stopped = false;
    const pollMs = Math.min(1_000, this.options.retryBaseMs);
    this.#timer = setInterval(() => this.kick(), pollMs);
    this.kick();
  }

  /** Looks for due webhooks now (a run just ended). */
  kick() {
    if (this.#stopped || this.#busy) return;
    this.#busy = this.#deliverDue().finally(() => {
      this.#busy = null;
    });
  }

  async stop() {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#busy;
  }

  async #deliverDue() {
    const { webhooks, logger } = this.options;
    try {
      for (let due = await webhooks.claimDue(this.#leaseMs); due && !this.#stopped; ) {
        await this.#attempt(due);
        due = await webhooks.claimDue(this.#leaseMs);
      }
    } catch (error) {
      logger.error({ err: error }, 'delivering webhooks failed');
    }
  }

  async #attempt(due: NonNullable<Awaited<ReturnType<WebhooksRepository['claimDue']>>>) {
    const { runs, webhooks, targets, logger } = this.options;
    const run = await runs.get(due.runId);
    if (!run) return;
    const body = JSON.stringify(await webhookPayload(runs, run));
    // The id stays the same across retries, so a receiver can drop a delivery it already has.
    const id = `msg_${run.runId}`;
    const sentAt = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': this.#signer.sign(id, sentAt, body),
    };
    const outcome = await postWebhook(due.url, body, headers, {
      lookup: targets.lookup,
      timeoutMs: this.options.timeoutMs,
    });
    if (outcome.ok) {
      await webhooks.delivered(run.runId);
      return;
    }
    const wait = Math.min(MAX_BACKOFF_MS, this.options.retryBaseMs * 2 ** due.attempts);
    const retryAt = new Date(Date.now() + wait);
    const giveUp = retryAt.getTime() - due.endedAt.getTime() > this.options.retryForMs;
    await webhooks.attemptFailed(run.runId, outcome.error ?? 'failed', giveUp ? null : retryAt);
    logger.warn(
      { runId: run.runId, attempt: due.attempts + 1, error: outcome.error, giveUp },
      giveUp ? 'webhook given up' : 'webhook failed; will retry',
    );
  }
}

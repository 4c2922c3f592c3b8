import type { Config } from '../../config';
import type { Database } from '../../db/client';
import type { RunsRepository } from '../../db/runs-repository';
import { WebhooksRepository } from '../../db/webhooks-repository';
import type { Logger } from '../../lib/logger';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookTargets } from './webhook-target';

/** The target check and the dispatcher of run webhooks, or undefined when WEBHOOK_SECRET is unset. */
export function webhookDelivery(config: Config, runs: RunsRepository, database: Database, logger: Logger) {
  if (!config.WEBHOOK_SECRET) return undefined;
  const targets = new WebhookTargets(config.WEBHOOK_ALLOW_HOSTS);
  const dispatcher = new WebhookDispatcher({
    runs,
    webhooks: new WebhooksRepository(database),
    targets,
    logger,
    secret: config.WEBHOOK_SECRET,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    retryForMs: config.WEBHOOK_RETRY_FOR_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  });
  return { targets, dispatcher };
}

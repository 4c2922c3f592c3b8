import type { RequestDeadline } from '../api/middleware/deadline';
import type { User } from '../auth/user';
import type { Logger } from './logger';
import type { Services } from './services';

/**
 * What every request carries on its context (`c.var.…`), set by the middleware in src/app.ts.
 * Type your routes with it: `createRouter<AppEnv>()` or `createMiddleware<AppEnv>(…)`.
 */
export interface AppVariables {
  /** The request id (X-Request-Id), also in every problem body and log line. */
  requestId: string;
  /** A pino logger bound to this request's id. */
  logger: Logger;
  /** The authenticated caller (under /api only): the token's `sub` and `roles`. */
  user: User;
  /** The repositories and runners, injected by createApp (so tests swap the database, not the code). */
  services: Services;
  /** Fires when the request's deadline (REQUEST_TIMEOUT_MS) passes; unset on streaming routes. */
  deadline?: RequestDeadline;
  /** How often an idle Server-Sent Events stream sends `: ping` (SSE_PING_INTERVAL_MS). */
  ssePingIntervalMs?: number;
}

export type AppEnv = { Variables: AppVariables };

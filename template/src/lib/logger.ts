import pino, { type Logger } from 'pino';
import type { Config } from '../config';
import { logSerializers } from './log-errors';

export type { Logger };

/**
 * One pino logger for the process. JSON lines by default (what log shippers read); pretty lines only
 * for a developer watching a terminal, so production never pays for the formatter.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>): Logger {
  const pretty = config.NODE_ENV === 'development' && process.stdout.isTTY;
  return pino({
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', 'headers.authorization'],
    // Failed queries are logged by their shape, never with their bound values (log-errors.ts).
    serializers: logSerializers,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  });
}

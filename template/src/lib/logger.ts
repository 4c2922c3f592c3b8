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
  const options = {
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', 'headers.authorization'],
    // Failed queries are logged by their shape, never with their bound values (log-errors.ts).
    serializers: logSerializers,
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino(options, stdoutLines());
}

/**
 * Standard output, written without blocking the event loop. pino's default destination writes each
 * line synchronously; once anything has touched `process.stdout` (as the isTTY check above does),
 * a pipe on fd 1 is non-blocking, so when the reader (a log shipper, `npm start | tee`, a terminal)
 * falls behind, the write answers EAGAIN and sonic-boom sleeps 100 ms inside the request, holding
 * every request in flight. Here lines wait in memory until the pipe takes them, in order; pino
 * flushes what is left when the process exits.
 */
function stdoutLines() {
  return pino.destination({ dest: 1, sync: false });
}

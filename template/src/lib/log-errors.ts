import { DrizzleQueryError } from 'drizzle-orm/errors';
import pino from 'pino';

// A failed query's error carries its bound parameters (drizzle puts them in the message and in
// `params`), and those are users' prompts, states and ids: a log line must not hold them. It keeps
// the query's shape (the SQL with its $1 / ? placeholders) and the driver's code and message, which
// is what a developer needs to see what failed; the driver's `detail` (which may quote a value,
// as in "Key (app_id)=(…) already exists") is left out too.

/** The driver error under a failed query, without what may quote a value. */
function driverError(cause: unknown) {
  if (!(cause instanceof Error)) return undefined;
  const { code, severity, routine } = cause as Error & { code?: string; severity?: string; routine?: string };
  return { type: cause.name, message: cause.message, code, severity, routine };
}

const stackFrames = (error: Error) =>
  error.stack
    ?.split('\n')
    .filter((line) => line.startsWith('    at '))
    .join('\n');

/** True when a failed query is the error or anywhere among its causes. */
function holdsFailedQuery(error: unknown): boolean {
  for (let item = error, depth = 0; item instanceof Error && depth < 10; item = item.cause, depth++) {
    if (item instanceof DrizzleQueryError) return true;
  }
  return false;
}

/**
 * pino's `err` serializer, with failed queries reduced to their shape, also as the cause of another
 * error (pino's own serializer would copy the cause's message, values and all, into the outer one).
 */
export function serializeError(error: unknown): unknown {
  if (!holdsFailedQuery(error)) return pino.stdSerializers.err(error as Error);
  if (error instanceof DrizzleQueryError) {
    return {
      type: 'DrizzleQueryError',
      message: `Failed query: ${error.query}`,
      query: error.query,
      stack: stackFrames(error),
      cause: driverError(error.cause),
    };
  }
  const outer = error as Error;
  return {
    type: outer.name,
    message: outer.message,
    stack: stackFrames(outer),
    cause: serializeError(outer.cause),
  };
}

/** The serializers every logger of the app uses (createLogger; tests pass them to theirs). */
export const logSerializers = { err: serializeError };

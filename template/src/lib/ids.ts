import { z } from '@hono/zod-openapi';

// One rule for every id a client names: app ids, partition keys, grant subjects, run ids and a
// token's `sub`. Visible ASCII only (no spaces, no control characters such as NUL, nothing outside
// ASCII): every database stores it as it is, it needs no normalising to compare, and a log line or
// a URL shows it unchanged. 200 characters hold a UUID, an email or an identity provider's subject.

export const ID_MAX_LENGTH = 200;
const ID_PATTERN = /^[\x21-\x7e]+$/;
export const ID_RULE = `1 to ${ID_MAX_LENGTH} visible ASCII characters (no spaces or control characters)`;

/** True when `value` may name an app, partition, subject or run. */
export const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= ID_MAX_LENGTH && ID_PATTERN.test(value);

/** The zod schema of an id, for bodies, queries and path params (422 naming the field otherwise). */
export const idSchema = () => z.string().min(1).max(ID_MAX_LENGTH).regex(ID_PATTERN, `must be ${ID_RULE}`);

import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The address of the client a request came from: the TCP peer, or, behind a proxy we trust
 * (TRUST_PROXY), the last X-Forwarded-For entry, which is the one that proxy added (anything to its
 * left was sent by the client and may be made up). "unknown" for a request with no socket (tests
 * calling `app.request()`).
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

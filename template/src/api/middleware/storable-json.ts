import { createMiddleware } from 'hono/factory';
import { problems } from '../../lib/errors';
import { readTextBodyFromNode } from './node-body';

// Every JSON body is checked for what a database cannot store before a route sees it, so SQLite and
// Postgres answer the same 422 instead of Postgres failing mid-write (500): jsonb and text refuse
// the NUL character, and jsonb refuses a lone UTF-16 surrogate ("\ud800" without its pair), which
// JSON allows. It also bounds nesting: JSON.parse handles any depth, but zod, JSON.stringify and
// the drivers recurse, and a 100k-deep value overflows their stack.

/** Deeper than this, a body is refused (the sample state is 4 levels deep). */
export const MAX_JSON_DEPTH = 64;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null when it can. */
function unstorable(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which the database cannot store';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode text';
  return null;
}

const pathOf = (keys: readonly (string | number)[]) => keys.join('.') || '(root)';

/** The first place in `value` that cannot be stored, walked without recursion. */
export function findUnstorable(value: unknown): { path: string; message: string } | null {
  const pending: { value: unknown; keys: (string | number)[] }[] = [{ value, keys: [] }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { keys } = item;
    if (typeof item.value === 'string') {
      const why = unstorable(item.value);
      if (why) return { path: pathOf(keys), message: why };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (keys.length >= MAX_JSON_DEPTH)
      return { path: pathOf(keys), message: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    const entries = Array.isArray(item.value) ? item.value.entries() : Object.entries(item.value);
    for (const [key, child] of entries) {
      const why = typeof key === 'string' ? unstorable(key) : null;
      if (why) return { path: pathOf([...keys, key]), message: `has a key that ${why}` };
      pending.push({ value: child, keys: [...keys, key] });
    }
  }
  return null;
}

const isJson = (type: string | undefined) => /^application\/([\w.+-]*\+)?json\b/i.test(type ?? '');

/**
 * Refuses a JSON body holding text the database cannot store, or nested too deep: 422 naming the
 * field. Malformed JSON is left to the route's validator (400). The body is read once (from the Node
 * request when served by node:http, node-body.ts) and Hono keeps it for the validator.
 */
export function storableJson() {
  return createMiddleware(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || !isJson(c.req.header('content-type'))) {
      return next();
    }
    await readTextBodyFromNode(c);
    const body = await c.req.json().catch(() => undefined);
    const found = body === undefined ? null : findUnstorable(body);
    if (found) throw problems.unprocessable(`The body's ${found.path} ${found.message}.`, [found]);
    await next();
  });
}

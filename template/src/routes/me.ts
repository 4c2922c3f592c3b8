import { createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../lib/env';
import { createRouter, errorResponses, jsonContent } from '../lib/openapi';

// An example of your own route: a plain @hono/zod-openapi route, typed with the shared AppEnv, so
// `c.var.user` (the caller), `c.var.logger` and `c.var.services` are there. It is mounted under
// /api/v1 behind authentication and the rate limit by src/routes/index.ts.

const Me = z
  .object({
    sub: z.string().describe("The caller's subject (the token's `sub`)"),
    roles: z.array(z.string()).describe("The caller's roles (the token's `roles`)"),
  })
  .openapi('Me');

const me = createRoute({
  method: 'get',
  path: '/me',
  operationId: 'get_me',
  tags: ['me'],
  security: [{ bearerAuth: [] }],
  summary: 'Who am I?',
  description: 'The caller as the API sees it: the `sub` and `roles` of its token.',
  responses: { 200: jsonContent(Me, 'The caller'), ...errorResponses(401, 429) },
});

export const meRoutes = createRouter<AppEnv>().openapi(me, (c) => {
  const { sub, roles } = c.var.user;
  return c.json({ sub, roles }, 200);
});

import { createRoute, z } from '@hono/zod-openapi';
import { signDevToken } from '../auth/sign-token';
import { idSchema } from '../lib/ids';
import { createRouter, errorResponses, jsonBody, jsonContent } from '../lib/openapi';

const DevTokenRequest = z
  .object({
    sub: idSchema().describe('The subject to sign in as'),
    roles: z.array(z.string().min(1)).max(20).optional().describe('Roles, e.g. ["admin"]'),
  })
  .openapi('DevTokenRequest');

const devToken = createRoute({
  method: 'post',
  path: '/auth/dev-token',
  operationId: 'dev_token',
  tags: ['auth'],
  // Says "no token needed" in the document; without it the operation would read as unspecified.
  security: [],
  summary: 'Sign in for development',
  description:
    'Returns a one-hour HS256 token for any subject. Only mounted when AUTH_DEV_LOGIN is on (never in production).',
  request: { body: jsonBody(DevTokenRequest, 'Who to sign in as') },
  responses: {
    200: jsonContent(z.object({ token: z.string().describe('A bearer token') }), 'The token'),
    ...errorResponses(400, 413, 422, 429),
  },
});

/** POST /auth/dev-token: a token for anyone, for local development only. */
export function devTokenRoutes(secret: string) {
  return createRouter().openapi(devToken, async (c) => {
    const { sub, roles } = c.req.valid('json');
    return c.json({ token: await signDevToken(secret, { sub, roles }) }, 200);
  });
}

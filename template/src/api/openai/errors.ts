import { z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import type { Problem } from '../../lib/errors';

// Errors under /v1 in OpenAI's shape, so the official clients raise their typed errors
// (AuthenticationError, NotFoundError, RateLimitError …): every answer the app's one problem path
// produces (src/lib/errors.ts) is rewritten here, keeping its status and headers.

export const OpenAIErrorSchema = z
  .object({
    error: z.object({
      message: z.string().describe('What went wrong'),
      type: z
        .string()
        .describe('invalid_request_error, authentication_error, not_found_error, rate_limit_error …'),
      param: z.string().nullable().describe('The request field at fault, when there is one'),
      code: z.string().nullable().describe('A machine-readable code'),
    }),
  })
  .openapi('OpenAIError');

export type OpenAIError = z.infer<typeof OpenAIErrorSchema>;

const kinds: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['authentication_error', 'invalid_api_key'],
  403: ['permission_error', null],
  404: ['not_found_error', null],
  409: ['invalid_request_error', 'conflict'],
  413: ['invalid_request_error', 'request_too_large'],
  422: ['invalid_request_error', null],
  429: ['rate_limit_error', 'rate_limit_exceeded'],
};

/** A problem in OpenAI's shape; the first field error names `param`. */
export function toOpenAIError(problem: Problem): OpenAIError {
  const [type, code] = kinds[problem.status] ?? ['server_error', null];
  const first = problem.errors?.[0];
  const message = [
    problem.detail ?? problem.title,
    ...(problem.errors ?? []).map((e) => `${e.path}: ${e.message}`),
  ]
    .filter(Boolean)
    .join('; ');
  return { error: { message, type, param: first?.path ?? null, code } };
}

/** Rewrites the problem+json answers of the routes below it into OpenAI's error shape. */
export const openAIErrors = () =>
  createMiddleware(async (c, next) => {
    await next();
    if (!c.res.headers.get('content-type')?.startsWith('application/problem+json')) return;
    const problem = (await c.res.clone().json()) as Problem;
    const headers = new Headers(c.res.headers);
    headers.set('content-type', 'application/json');
    c.res = new Response(JSON.stringify(toOpenAIError(problem)), { status: c.res.status, headers });
  });

/** The documented OpenAI-shaped error responses for the given statuses. */
export function openAIErrorResponses<S extends number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        content: { 'application/json': { schema: OpenAIErrorSchema } },
        description: `An error in OpenAI's shape (${kinds[status]?.[0] ?? 'server_error'})`,
      },
    ]),
  ) as Record<
    S,
    { content: { 'application/json': { schema: typeof OpenAIErrorSchema } }; description: string }
  >;
}

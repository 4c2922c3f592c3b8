import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

/** An RFC 9457 problem details object, the body of every error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
  next?: string | null;
  request_id?: string;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Builds a problem object; `type` is "about:blank" as RFC 9457 recommends for plain HTTP statuses. */
export function problem(status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: 'about:blank',
    title: titles[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

/**
 * Throw this from a handler or middleware to answer with a problem. `headers` are added to the
 * response (WWW-Authenticate, Retry-After …).
 */
export class ProblemError extends HTTPException {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.status as ContentfulStatusCode, { message: problem.detail ?? problem.title });
  }
}

/** Shorthands for the statuses routes use most. */
export const problems = {
  badRequest: (detail: string) => new ProblemError(problem(400, detail)),
  forbidden: (detail = 'You may not do this.') => new ProblemError(problem(403, detail)),
  notFound: (detail = 'Not found.') => new ProblemError(problem(404, detail)),
  conflict: (detail: string, next?: string | null) =>
    new ProblemError(problem(409, detail, next === undefined ? {} : { next })),
  unprocessable: (detail: string, errors: Problem['errors'] = []) =>
    new ProblemError(problem(422, detail, { errors })),
};

/** Turns zod issues into the `errors` list of a 422 problem. */
export function zodProblem(error: ZodError, detail = 'The request did not match the schema.'): Problem {
  return problem(422, detail, {
    errors: error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message })),
  });
}

/** Sends a problem as application/problem+json, with the request id so a user can quote it. */
export function problemResponse(c: Context, body: Problem, headers: Record<string, string> = {}): Response {
  const requestId = c.get('requestId' as never) as string | undefined;
  const payload = requestId ? { ...body, request_id: requestId } : body;
  // c.body keeps headers set earlier on the context (X-Request-Id, security headers).
  return c.body(JSON.stringify(payload), body.status as ContentfulStatusCode, {
    ...headers,
    'content-type': 'application/problem+json',
  });
}

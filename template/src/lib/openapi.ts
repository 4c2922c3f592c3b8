import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { problemResponse, zodProblem } from './errors';

/** The one problem+json schema every documented error response points to. */
export const ProblemSchema = z
  .object({
    type: z.string().describe('A URI naming the problem type; "about:blank" for plain HTTP statuses'),
    title: z.string().describe('Short summary of the status'),
    status: z.number().int().describe('The HTTP status code'),
    detail: z.string().optional().describe('What went wrong, for a human'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Validation failures (422), one per field'),
    next: z.string().nullable().optional().describe('On 409: the action that may run now'),
    request_id: z.string().optional().describe('Quote this when reporting a problem'),
  })
  .openapi('Problem');

/** A graph name as the start of its component names (`chatbot` → `Chatbot`, `my_graph` → `MyGraph`). */
export const pascalCase = (name: string) =>
  name.replace(/(^|[_-])(\w)/g, (_, __, letter: string) => letter.toUpperCase());

/** `{ content: { 'application/json': { schema } }, description }`, for route definitions. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

/** A JSON request body that is validated (a body must be `required` or a wrong content type passes). */
export function jsonBody<T extends z.ZodType>(schema: T, description: string) {
  return { ...jsonContent(schema, description), required: true };
}

const errorDescriptions: Record<number, string> = {
  400: 'Malformed request (for example invalid JSON)',
  401: 'Missing, invalid or expired bearer token',
  403: 'Authenticated, but not allowed',
  404: 'Unknown, or not visible to the caller',
  409: 'Conflict: the action may not run now, or a concurrent step won',
  413: 'Request body too large',
  422: 'The request did not match the schema',
  429: 'Rate limited; see Retry-After',
  500: 'Unexpected server error',
  503: 'A dependency (the database) does not answer',
};

/** The documented problem+json responses for the given statuses, to spread into `responses`. */
export function errorResponses<S extends keyof typeof errorDescriptions>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        content: { 'application/problem+json': { schema: ProblemSchema } },
        description: errorDescriptions[status],
      },
    ]),
  ) as Record<
    S,
    { content: { 'application/problem+json': { schema: typeof ProblemSchema } }; description: string }
  >;
}

/** An OpenAPIHono router whose validation failures answer 422 problem+json. */
export function createRouter<E extends Env = Env>() {
  return new OpenAPIHono<E>({
    defaultHook: (result, c) => {
      if (!result.success) return problemResponse(c, zodProblem(result.error));
    },
  });
}

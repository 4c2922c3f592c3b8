import { z } from '@hono/zod-openapi';
import { decodeCursor } from '../lib/cursor';
import { problems } from '../lib/errors';

// What requests bring: path params, bodies and queries of the graph and runs routes. Field
// descriptions flow into the OpenAPI document. (What the API answers is in views.ts.)

export const AppIdParams = z.object({
  app_id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'app_id', in: 'path' }, description: 'The app id' }),
});

export const GrantParams = AppIdParams.extend({
  subject: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: 'subject', in: 'path' },
      description: 'The subject (`sub`) the app is shared with',
    }),
});

export const CreateAppBody = z
  .object({
    app_id: z.string().min(1).max(200).optional().describe('The new app id; a UUID when omitted'),
    partition_key: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("The owner's partition; the caller's `sub` when omitted"),
  })
  .openapi('CreateApp');

export const ListAppsQuery = z.object({
  partition_key: z.string().min(1).optional().describe('Only apps of this partition'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size (1–100)'),
  cursor: z
    .string()
    .min(1)
    .refine((cursor) => decodeCursor(cursor) !== null, 'not a cursor this API returned')
    .optional()
    .describe('`next_cursor` of the previous page'),
});

export const ForkBody = z
  .object({
    app_id: z.string().min(1).max(200).optional().describe('The new app id; a UUID when omitted'),
    sequence_id: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("The source's step to fork from; its latest when omitted"),
    state: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('State keys to override, validated by the state schema'),
  })
  .openapi('Fork');

export const StepsQuery = z.object({
  // type: a coerced number's accepted input is anything, which the generator would document as
  // "integer or null"; the query string carries an integer.
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Only steps with a larger sequence id')
    .openapi({ type: 'integer', minimum: 0, default: 0 }),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size (1–200)'),
});

export const GrantBody = z
  .object({
    permission: z.enum(['read', 'write']).describe('`write` allows actions, runs and fork; `read` reading'),
  })
  .openapi('GrantRequest');

export const RunIdParams = z.object({
  run_id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'run_id', in: 'path' }, description: 'The run id' }),
});

export const RunRequestSchema = z
  .object({
    action: z.string().min(1).describe("The action to run; it must be the app's next when the run starts"),
    inputs: z.record(z.string(), z.unknown()).default({}).describe("The action's inputs"),
  })
  .openapi('RunRequest');

const eventIdMessage = 'must be the id of an event (a whole number, 0 for the start)';

export const EventIdQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, eventIdMessage)
    .optional()
    .openapi({ param: { name: 'after', in: 'query' }, description: 'Resume after this event id' }),
});

/** The event id a client resumes after (Last-Event-ID or ?after=); 422 when it is not one. */
export function resumeAfter(value: string | undefined, name: string): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,15}$/.test(value))
    throw problems.unprocessable(`${name} ${eventIdMessage}.`, [{ path: name, message: eventIdMessage }]);
  return Number(value);
}

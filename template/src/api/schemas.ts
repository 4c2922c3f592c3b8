import { z } from '@hono/zod-openapi';
import { decodeCursor } from '../db/apps-repository';

// Request and response schemas shared by every graph's routes. Field descriptions flow into the
// OpenAPI document.

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
  after: z.coerce.number().int().min(0).default(0).describe('Only steps with a larger sequence id'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size (1–200)'),
});

export const StepSchema = z
  .object({
    sequence_id: z
      .number()
      .int()
      .describe('The step number (a failed attempt has the number it would have had)'),
    action: z.string(),
    inputs: z.unknown().describe('What the caller sent'),
    result: z.unknown().describe('What the action returned'),
    state: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('The state after the step (null for a failed one)'),
    status: z.enum(['committed', 'failed']),
    error: z.string().nullable(),
    started_at: z.string(),
    ended_at: z.string(),
    duration_ms: z.number().int(),
  })
  .openapi('Step');

export const StepPage = z
  .object({
    items: z.array(StepSchema),
    next_cursor: z.number().int().nullable().describe('Pass as `after`'),
  })
  .openapi('StepPage');

export const GrantBody = z
  .object({
    permission: z.enum(['read', 'write']).describe('`write` allows actions, runs and fork; `read` reading'),
  })
  .openapi('GrantRequest');

export const GrantSchema = z
  .object({ subject: z.string(), permission: z.enum(['read', 'write']), created_at: z.string() })
  .openapi('Grant');

import { z } from '@hono/zod-openapi';
import { decodeCursor } from '../lib/cursor';
import { problems } from '../lib/errors';
import { idSchema } from '../lib/ids';
import { pascalCase } from '../lib/openapi';
import { decodeStepCursor } from '../lib/step-cursor';
import { strictAtEveryDepth } from './strict-schema';

// What requests bring: path params, bodies and queries of the graph and runs routes. Field
// descriptions flow into the OpenAPI document. (What the API answers is in views.ts.)

export const AppIdParams = z.object({
  app_id: idSchema().openapi({ param: { name: 'app_id', in: 'path' }, description: 'The app id' }),
});

export const GrantParams = AppIdParams.extend({
  subject: idSchema().openapi({
    param: { name: 'subject', in: 'path' },
    description: 'The subject (`sub`) the app is shared with',
  }),
});

export const CreateAppBody = z
  .object({
    app_id: idSchema().optional().describe('The new app id; a UUID when omitted'),
    partition_key: idSchema().optional().describe("The owner's partition; the caller's `sub` when omitted"),
  })
  .openapi('CreateApp');

export const ListAppsQuery = z.object({
  partition_key: idSchema().optional().describe('Only apps of this partition'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size (1–100)'),
  cursor: z
    .string()
    .min(1)
    .refine((cursor) => decodeCursor(cursor) !== null, 'not a cursor this API returned')
    .optional()
    .describe('`next_cursor` of the previous page'),
});

export const ListGrantsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(100).describe('Page size (1–200)'),
  cursor: idSchema().optional().describe('`next_cursor` of the previous page: the grants after that subject'),
});

/** POST …/fork: where to fork from, and state keys to override, each typed by the graph's state schema. */
export function forkBodySchema(graphName: string, state: z.ZodObject) {
  return z
    .object({
      app_id: idSchema().optional().describe('The new app id; a UUID when omitted'),
      sequence_id: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe("The source's step to fork from; its latest when omitted"),
      state: strictAtEveryDepth(state.partial())
        .optional()
        .describe('State keys to override, each validated by the state schema; unknown keys are refused'),
    })
    .openapi(`${pascalCase(graphName)}Fork`);
}

export const StepsQuery = z.object({
  // type: a coerced number's accepted input is anything, which the generator would document as
  // "integer or null"; the query string carries an integer.
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0)
    .describe('Only steps with a larger sequence id (ignored with `cursor`)')
    .openapi({ type: 'integer', minimum: 0, default: 0 }),
  cursor: z
    .string()
    .min(1)
    .refine((cursor) => decodeStepCursor(cursor) !== null, 'not a cursor this API returned')
    .optional()
    .describe('`next_cursor` of the previous page'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .describe('Most steps a page holds (1–200); a page also stops near 1 MB of JSON')
    .openapi({ type: 'integer', minimum: 1, maximum: 200, default: 50 }),
  include: z
    .enum(['state'])
    .optional()
    .describe('`state`: each committed step also carries the whole state it left (costly for large states)'),
});

export const StepParams = AppIdParams.extend({
  sequence_id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .openapi({ param: { name: 'sequence_id', in: 'path' }, description: 'The committed step' }),
});

export const GrantBody = z
  .object({
    permission: z.enum(['read', 'write']).describe('`write` allows actions, runs and fork; `read` reading'),
  })
  .openapi('GrantRequest');

export const RunIdParams = z.object({
  run_id: idSchema().openapi({ param: { name: 'run_id', in: 'path' }, description: 'The run id' }),
});

const WebhookField = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2000)
      .describe('Receives a POST, signed per Standard Webhooks, when the run ends'),
  })
  .optional()
  .describe(
    'Where to POST the run when it ends (needs WEBHOOK_SECRET on the server); see docs/operations.md',
  );

/** What a run body needs to know of an action: its name and input schema. */
type RunnableAction = { name: string; input?: z.ZodType };

/** An action's inputs in a run body: optional (checked as `{}`) only when `{}` is valid inputs. */
function inputsOf(action: RunnableAction) {
  const input = action.input ?? z.object({});
  return acceptsEmpty(input) ? input.prefault({}) : input;
}

function acceptsEmpty(schema: z.ZodType): boolean {
  try {
    return schema.safeParse({}).success;
  } catch {
    // A schema with an async refinement cannot be tried synchronously: its inputs are required.
    return false;
  }
}

/**
 * POST …/runs: one body per action of the graph, told apart by `action` (a discriminated union, so
 * the spec lists the action names and each one's inputs), each validated by that action's schema.
 */
export function runRequestSchema(graphName: string, actions: Iterable<RunnableAction>) {
  const bodies = [...actions].map((action) =>
    z
      .object({
        action: z
          .literal(action.name)
          .describe("The action to run; it must be the app's next when the run starts"),
        inputs: inputsOf(action).describe(`Inputs of ${action.name}`),
        webhook: WebhookField,
      })
      // The action's own name as the suffix: unique among the graph's actions, where a PascalCase
      // join is not (`checkOut`, `check_out`) and an action `request` would take the union's name.
      .openapi(`${pascalCase(graphName)}RunRequest_${action.name}`),
  );
  const [first, ...rest] = bodies;
  if (!first) throw new Error(`the ${graphName} graph has no action to run`);
  return z.discriminatedUnion('action', [first, ...rest]).openapi(`${pascalCase(graphName)}RunRequest`);
}

const listLimit = (what: string) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .describe(`How many ${what} (1–100)`)
    .openapi({ type: 'integer', minimum: 1, maximum: 100, default: 20 });

export const AppRunsQuery = z.object({
  status: z
    .enum(['active', 'queued', 'running', 'succeeded', 'failed', 'cancelled'])
    .optional()
    .describe('Only runs in this status; `active`: queued or running (what still works on the app)'),
  limit: listLimit('of the newest runs'),
});

export const AppStreamsQuery = z.object({ limit: listLimit('of the oldest streams') });

const eventIdMessage = 'must be the id of an event (a whole number, 0 for the start)';
const EVENT_ID = /^\d{1,15}$/;

export const EventIdQuery = z.object({
  after: z
    .string()
    .regex(EVENT_ID, eventIdMessage)
    .optional()
    .openapi({ param: { name: 'after', in: 'query' }, description: 'Resume after this event id' }),
});

// The header is checked by resumeAfter (so the SSE and WebSocket routes answer alike, naming the
// header as a client sends it); the document gives it the same pattern.
export const LastEventIdHeader = z.object({
  'last-event-id': z.string().optional().openapi({
    pattern: EVENT_ID.source,
    description:
      'Resume after this event id (what an EventSource sends when it reconnects); 422 when it is not one',
  }),
});

/** The event id a client resumes after (Last-Event-ID or ?after=); 422 when it is not one. */
export function resumeAfter(value: string | undefined, name: string): number {
  if (value === undefined || value === '') return 0;
  if (!EVENT_ID.test(value))
    throw problems.unprocessable(`${name} ${eventIdMessage}.`, [{ path: name, message: eventIdMessage }]);
  return Number(value);
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StateValidationError } from '../../src/engine';
import { StateSchema } from '../../src/engine/state-schema';
import { diffWrites } from '../../src/engine/writes';

// A step's state is checked by what it changed (checkStep), a state from outside as a whole (parse).
// Both must accept and refuse the same states, with the same issues.

const Message = z.object({ role: z.enum(['user', 'assistant']), content: z.string() });
const Shape = z.object({
  count: z.number().int(),
  history: z.array(Message),
  capped: z.array(z.string()).max(3),
  label: z.string().optional(),
  meta: z.object({ tag: z.string() }),
});
const schema = new StateSchema(Shape);

const message = fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.string() });
/** Items an action might append: mostly messages, some with a wrong role, an extra key, or not objects. */
const item = fc.oneof(
  message,
  message.map((valid) => ({ ...valid, role: 'system' })),
  message.map((valid) => ({ ...valid, extra: 1 })),
  fc.jsonValue(),
);
const valid = fc.record(
  {
    count: fc.integer(),
    history: fc.array(message, { maxLength: 5 }),
    capped: fc.array(fc.string(), { maxLength: 3 }),
    label: fc.string(),
    meta: fc.record({ tag: fc.string() }),
  },
  { requiredKeys: ['count', 'history', 'capped', 'meta'] },
);

/** What an action may do to a valid state: append to the lists, set keys to anything, drop keys. */
const step = fc.record({
  appendHistory: fc.array(item, { maxLength: 3 }),
  appendCapped: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  set: fc.dictionary(fc.constantFrom('count', 'label', 'meta', 'history', 'unknown'), fc.jsonValue(), {
    maxKeys: 2,
  }),
  drop: fc.subarray(['count', 'label', 'meta']),
});

function issuesOf(check: () => unknown): unknown[] | null {
  try {
    check();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(StateValidationError);
    return (error as StateValidationError).zodError.issues;
  }
}

describe('StateSchema.checkStep', () => {
  it('accepts and refuses exactly the states the whole check does, with the same issues', () => {
    fc.assert(
      fc.property(valid, step, (before, change) => {
        expect(issuesOf(() => schema.parse(before, 'before'))).toBeNull();
        const after: Record<string, unknown> = {
          ...before,
          history: [...before.history, ...change.appendHistory],
          capped: [...before.capped, ...change.appendCapped],
          ...change.set,
        };
        for (const key of change.drop) delete after[key];
        const writes = diffWrites(before, after);
        expect(issuesOf(() => schema.checkStep(before, after, writes, 'after'))).toEqual(
          issuesOf(() => schema.parse(after, 'after')),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('returns the very object the action wrote', () => {
    const before = { count: 1, history: [], capped: [], meta: { tag: 'a' } };
    const after = { ...before, history: [{ role: 'user', content: 'hi' }] };
    expect(schema.checkStep(before, after, diffWrites(before, after), 'after')).toBe(after);
  });

  it('checks only the items a step appended, not the history again', () => {
    let checked = 0;
    const counted = new StateSchema(
      z.object({
        history: z.array(
          z.string().refine(() => {
            checked += 1;
            return true;
          }),
        ),
      }),
    );
    const before = { history: Array.from({ length: 100 }, (_, index) => `message ${index}`) };
    const after = { history: [...before.history, 'one more'] };
    counted.checkStep(before, after, diffWrites(before, after), 'after');
    expect(checked).toBe(1);
  });

  it('keeps a rule on the whole state, whichever key a step changed', () => {
    const ordered = new StateSchema(
      z
        .object({ low: z.number(), high: z.number() })
        .refine((state) => state.low <= state.high, 'low must not exceed high'),
    );
    const before = { low: 1, high: 2 };
    const after = { ...before, low: 3 };
    expect(() => ordered.checkStep(before, after, diffWrites(before, after), 'after')).toThrow(
      StateValidationError,
    );
  });
});

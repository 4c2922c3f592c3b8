import { z } from 'zod';
import { StateValidationError } from './errors';
import type { StateWrite } from './persister';
import type { StateValues } from './state';
import { droppedKeys, droppedKeysError } from './unknown-keys';

/**
 * A graph's state schema with unknown keys refused at every depth, so a stored state never carries
 * keys the graph lacks: `parse` for what comes from outside (a fork's overrides, a new app's
 * state), `checkStep` for what an action wrote.
 */
export class StateSchema {
  readonly #strict: z.ZodObject;
  /** Each key's schema, and for a plain list key (no length rules) the schema of one item. */
  readonly #fields: Map<string, { schema: z.ZodType; item?: z.ZodType }>;
  /** A refinement of the whole object can look at any key, so only a whole check is sound then. */
  readonly #checksWholeObject: boolean;

  constructor(schema: z.ZodObject) {
    this.#strict = schema.strict();
    this.#checksWholeObject = (schema._zod.def.checks?.length ?? 0) > 0;
    this.#fields = new Map(
      Object.entries(schema.shape).map(([key, field]) => [key, { schema: field, item: itemOf(field) }]),
    );
  }

  /** Checks a state against the schema and returns zod's output: what is stored is what was validated. */
  parse(state: StateValues, what: string): StateValues {
    const parsed = this.#strict.safeParse(state);
    const error = parsed.success ? droppedKeysError(state, parsed.data) : parsed.error;
    if (error) throw new StateValidationError(`${what} does not match the state schema`, error);
    return parsed.data as StateValues;
  }

  /**
   * Checks the state an action wrote, `before` being a state that passed this schema when it was
   * stored. Only what the step changed is parsed: a key it set, and of a list it appended to only
   * the new items, so a step of a long chat checks its new message, not the whole history again
   * (on a chat of a few thousand messages, checking it all was half of a prompt's CPU time). When
   * anything falls outside that (a key removed, an unknown key, a list with a length rule, a rule on
   * the whole object) or a part fails, the whole state is checked, which gives the error the same
   * issues and paths whichever way it was found.
   * Returns the action's own object: unchanged values must stay the same references, which is how
   * diffWrites told what the step changed.
   */
  checkStep(
    before: StateValues,
    after: StateValues,
    writes: readonly StateWrite[],
    what: string,
  ): StateValues {
    if (!this.#changesAreValid(before, after, writes)) this.parse(after, what);
    return after;
  }

  #changesAreValid(before: StateValues, after: StateValues, writes: readonly StateWrite[]): boolean {
    if (this.#checksWholeObject) return false;
    for (const key of Object.keys(before)) if (!(key in after)) return false;
    for (const write of writes) {
      const field = this.#fields.get(write.key);
      if (!field) return false;
      const valid =
        write.op === 'append' && field.item
          ? write.items.every((item) => isValid(field.item as z.ZodType, item))
          : isValid(field.schema, after[write.key]);
      if (!valid) return false;
    }
    return true;
  }
}

/** Parses without unknown keys at any depth, as the whole-state check does. */
function isValid(schema: z.ZodType, value: unknown): boolean {
  const parsed = schema.safeParse(value);
  return parsed.success && droppedKeys(value, parsed.data).length === 0;
}

/** The item schema of a list key whose items alone decide it (no min, max or length rule on the list). */
function itemOf(field: z.ZodType): z.ZodType | undefined {
  if (!(field instanceof z.ZodArray) || (field._zod.def.checks?.length ?? 0) > 0) return undefined;
  return field.element as z.ZodType;
}

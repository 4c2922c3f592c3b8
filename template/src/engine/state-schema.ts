import type { z } from 'zod';
import { StateValidationError } from './errors';
import type { StateValues } from './state';
import { droppedKeysError } from './unknown-keys';

/**
 * A graph's state schema with unknown keys refused at every depth, so a stored state never carries
 * keys the graph lacks: `parse` for what comes from outside (a fork's overrides, a new app's
 * state), `check` for what an action wrote.
 */
export class StateSchema {
  readonly #strict: z.ZodObject;

  constructor(schema: z.ZodObject) {
    this.#strict = schema.strict();
  }

  /** Checks a state against the schema and returns zod's output: what is stored is what was validated. */
  parse(state: StateValues, what: string): StateValues {
    const parsed = this.#strict.safeParse(state);
    const error = parsed.success ? droppedKeysError(state, parsed.data) : parsed.error;
    if (error) throw new StateValidationError(`${what} does not match the state schema`, error);
    return parsed.data as StateValues;
  }

  /**
   * Checks a state an action wrote like `parse`, but returns the action's own object: unchanged
   * values must stay the same references, which is how diffWrites tells what a step changed. With
   * unknown keys refused at every depth, it holds what zod's output would.
   */
  check(state: StateValues, what: string): StateValues {
    this.parse(state, what);
    return state;
  }
}

import type { Logger } from 'pino';
import type { z } from 'zod';
import type { State, StateValues } from './state';

/** What an action gets besides state and inputs. */
export interface ActionContext {
  /** Fires when the client leaves or the run is cancelled; pass it to every call that can wait. */
  signal: AbortSignal;
  logger: Logger;
  appId: string;
}

/** What an action ends with: a result (tracked with the step) and the new state. */
export interface ActionOutput<S extends StateValues> {
  result: unknown;
  state: State<S>;
}

/** A plain action returns its output; a streaming action yields deltas, then returns its output. */
export type ActionRun<S extends StateValues, I> = (
  state: State<S>,
  inputs: I,
  ctx: ActionContext,
) => Promise<ActionOutput<S>> | AsyncGenerator<unknown, ActionOutput<S>, void>;

/**
 * An action of a graph whose state is S, taking inputs I (as parsed); `In` is what a caller may
 * send (the schema's accepted input: a field with a `.default()` may be left out).
 */
export interface Action<S extends StateValues, I = Record<string, never>, N extends string = string, In = I> {
  name: N;
  /** Keys the action reads (checked against the schema when the graph is built). */
  reads: readonly (keyof S & string)[];
  /** The only keys the action may change; writing another key fails the step. */
  writes: readonly (keyof S & string)[];
  /** Schema of the inputs the caller sends; without one the action takes none. */
  input?: z.ZodType<I, In>;
  run: ActionRun<S, I>;
}

// Actions with different input types live in one list; the runner validates inputs with `input`.
// biome-ignore lint/suspicious/noExplicitAny: the list is heterogeneous in I by design.
export type AnyAction<S extends StateValues> = Action<S, any>;

/**
 * Binds actions to a state schema, so `run` sees typed state and inputs inferred from `input`:
 *
 *     const { action } = actionsFor(ChatState);
 *     const prompt = action({ name: 'prompt', reads: [], writes: ['prompt'],
 *       input: z.object({ prompt: z.string() }),
 *       run: async (state, { prompt }) => ({ result: { prompt }, state: state.update({ prompt }) }) });
 */
export function actionsFor<Schema extends z.ZodType<StateValues>>(_schema: Schema) {
  type S = z.infer<Schema>;
  return {
    action<
      const N extends string = string,
      Schema extends z.ZodType = z.ZodType<Record<string, never>, Record<string, never>>,
    >(
      definition: Action<S, z.output<Schema>, N, z.input<Schema>> & { input?: Schema },
    ): Action<S, z.output<Schema>, N, z.input<Schema>> {
      return definition;
    },
  };
}

/** True for what an async generator function returned (a streaming action). */
export function isStreaming<S extends StateValues>(
  output: ReturnType<ActionRun<S, unknown>>,
): output is AsyncGenerator<unknown, ActionOutput<S>, void> {
  return typeof (output as AsyncGenerator).next === 'function' && Symbol.asyncIterator in output;
}

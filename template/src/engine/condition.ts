import type { StateValues } from './state';

// Conditions with names, the way Burr's `when(mode="poem")` and `expr(...)` carry their own
// description: the step viewer and GET /api/v1/{graph}/graph show an edge's condition by name, not
// as a function. A plain function is named by its own name (or `condition` when anonymous).

/** A condition on the state after `from` ran; `'default'` (or none) always matches. */
export type Condition<S extends StateValues> = ((state: S) => boolean) | 'default';

const names = new WeakMap<object, string>();

/**
 * Names a condition: `when('mode is poem', (state) => state.mode === 'generate_poem')`. The name is
 * what tools show; the function is what the graph runs.
 */
export function when<S extends StateValues>(
  name: string,
  test: (state: S) => boolean,
): (state: S) => boolean {
  const named = (state: S) => test(state);
  names.set(named, name);
  return named;
}

/** What a transition's condition is called: `default`, its `when` name, or the function's name. */
export function conditionName(condition: Condition<never> | undefined): string {
  if (condition === undefined || condition === 'default') return 'default';
  return names.get(condition) ?? (condition.name || 'condition');
}

/** The values a graph's state holds: a plain object, typed by the graph's zod schema. */
export type StateValues = Record<string, unknown>;

type ArrayKeys<S> = { [K in keyof S]: S[K] extends readonly unknown[] ? K : never }[keyof S] & string;
type ItemOf<T> = T extends readonly (infer Item)[] ? Item : never;

/**
 * An immutable state. Every method returns a new State and leaves this one as it was, so each step's
 * change is visible as the difference between two states (which is what the persister stores).
 *
 * Values are frozen all the way down as they enter, so `state.get('items').push(x)` throws instead
 * of changing a list that the runner (which compares values by reference) would not see change.
 */
export class State<S extends StateValues> {
  readonly #values: Readonly<S>;

  constructor(values: S) {
    const copy = { ...values };
    for (const value of Object.values(copy)) deepFreeze(value);
    this.#values = Object.freeze(copy);
  }

  /** The value of one key. */
  get<K extends keyof S>(key: K): S[K] {
    return this.#values[key];
  }

  /** A new state with these keys set. */
  update(patch: Partial<S>): State<S> {
    return new State({ ...this.#values, ...patch });
  }

  /** A new state with items added to the end of a list key (the list itself is copied, not changed). */
  append<K extends ArrayKeys<S>>(key: K, ...items: ItemOf<S[K]>[]): State<S> {
    const current = (this.#values[key] ?? []) as readonly unknown[];
    return this.update({ [key]: [...current, ...items] } as unknown as Partial<S>);
  }

  /** A new state with every key of `other` taken over. */
  merge(other: State<S>): State<S> {
    return this.update(other.toJSON());
  }

  /** The keys this state has. */
  keys(): (keyof S & string)[] {
    return Object.keys(this.#values);
  }

  /** The plain values (frozen all the way down); what is stored and returned by the API. */
  toJSON(): Readonly<S> {
    return this.#values;
  }
}

/**
 * Freezes a state's values all the way down, as a State holds them, and returns it: for states that
 * are shared (src/db/latest-states.ts). What is frozen already costs nothing to freeze again.
 */
export function freezeState<S extends StateValues>(values: S): Readonly<S> {
  for (const value of Object.values(values)) deepFreeze(value);
  return Object.freeze(values);
}

/**
 * Objects this module froze with everything inside them. Checking it first makes freezing a value
 * again O(1), so a step pays only for what it added, not for the whole chat history. (A value that
 * is merely `Object.isFrozen` may still hold mutable objects, hence a set of our own.)
 */
const deeplyFrozen = new WeakSet<object>();

/** Freezes plain objects and arrays, and everything in them. State is JSON, so nothing else is walked. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || deeplyFrozen.has(value)) return;
  if (!Array.isArray(value) && !isPlainObject(value)) return;
  deeplyFrozen.add(value); // First, so a cycle ends here instead of overflowing the stack.
  for (const inner of Object.values(value)) deepFreeze(inner);
  Object.freeze(value);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

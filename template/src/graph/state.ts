/** The values a graph's state holds: a plain object, typed by the graph's zod schema. */
export type StateValues = Record<string, unknown>;

type ArrayKeys<S> = { [K in keyof S]: S[K] extends readonly unknown[] ? K : never }[keyof S] & string;
type ItemOf<T> = T extends readonly (infer Item)[] ? Item : never;

/**
 * An immutable state. Every method returns a new State and leaves this one as it was, so each step's
 * change is visible as the difference between two states (which is what the persister stores).
 */
export class State<S extends StateValues> {
  readonly #values: Readonly<S>;

  constructor(values: S) {
    this.#values = Object.freeze({ ...values });
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
    return this.update({ [key]: Object.freeze([...current, ...items]) } as unknown as Partial<S>);
  }

  /** A new state with every key of `other` taken over. */
  merge(other: State<S>): State<S> {
    return this.update(other.toJSON());
  }

  /** The keys this state has. */
  keys(): (keyof S & string)[] {
    return Object.keys(this.#values);
  }

  /** The plain values (frozen); what is stored and returned by the API. */
  toJSON(): Readonly<S> {
    return this.#values;
  }
}

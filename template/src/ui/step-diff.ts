import type { StateWrite } from '../engine/persister';

// What the step viewer shows of a step's change: one row per key the step wrote, before → after.
// Pure (no DOM), so it is unit-tested and bundled into the viewer's script alike. A step row has its
// writes; the state before it is known only once the reader asks for it (GET …/steps/{n}/state).

/** A value as a short line of JSON: folded past `max` characters, with how long it really was. */
export interface Shown {
  text: string;
  folded: boolean;
  full: string;
}

export interface DiffRow {
  key: string;
  op: 'set' | 'append';
  /** The value before the step; undefined when the state before is not loaded (or the key was new). */
  before?: Shown;
  /** set: the new value; append: the items appended, one each. */
  after: Shown[];
}

export const FOLD_AT = 160;

/** JSON of `value` on one line, folded to `max` characters (strings shown as they are). */
export function show(value: unknown, max = FOLD_AT): Shown {
  const full = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  if (full.length <= max) return { text: full, folded: false, full };
  return { text: `${full.slice(0, max)}… (${full.length.toLocaleString('en')} chars)`, folded: true, full };
}

/** The rows of a step's change; with `before`, each written key also shows the value it replaced. */
export function stepDiff(writes: readonly StateWrite[], before?: Record<string, unknown>): DiffRow[] {
  return writes.map((write) => {
    const previous =
      before && write.key in before ? { before: describeBefore(write, before[write.key]) } : {};
    return write.op === 'set'
      ? { key: write.key, op: 'set', ...previous, after: [show(write.value)] }
      : { key: write.key, op: 'append', ...previous, after: write.items.map((item) => show(item)) };
  });
}

/** A list that grew is described by its length: its items are the same ones, only more. */
function describeBefore(write: StateWrite, value: unknown): Shown {
  if (write.op === 'append' && Array.isArray(value)) {
    const text = `[${value.length} item${value.length === 1 ? '' : 's'}]`;
    return { text, folded: false, full: JSON.stringify(value) };
  }
  return show(value);
}

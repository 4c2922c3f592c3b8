import type { StateWrite } from './persister';
import type { StateValues } from './state';

/**
 * What a step changed, key by key. A list that only grew keeps just the new items, so a long chat
 * adds one message per step to storage instead of a copy of the whole history.
 * States are immutable, so an unchanged key holds the very same value (compared by reference).
 */
export function diffWrites(before: StateValues, after: StateValues): StateWrite[] {
  const writes: StateWrite[] = [];
  for (const key of Object.keys(after)) {
    const previous = before[key];
    const next = after[key];
    if (previous === next) continue;
    if (Array.isArray(previous) && Array.isArray(next) && grewBy(previous, next)) {
      writes.push({ key, op: 'append', items: next.slice(previous.length) });
    } else {
      writes.push({ key, op: 'set', value: next });
    }
  }
  return writes;
}

function grewBy(previous: readonly unknown[], next: readonly unknown[]): boolean {
  if (next.length < previous.length) return false;
  for (let index = 0; index < previous.length; index++) if (previous[index] !== next[index]) return false;
  return true;
}

/** Applies writes to a state (used to rebuild the state at any sequence). */
export function applyWrites(state: StateValues, writes: readonly StateWrite[]): StateValues {
  const next = { ...state };
  for (const write of writes) {
    next[write.key] =
      write.op === 'append'
        ? [...((next[write.key] as unknown[] | undefined) ?? []), ...write.items]
        : write.value;
  }
  return next;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { State } from '../../src/engine';
import { applyWrites, diffWrites } from '../../src/engine/writes';

type Values = { n: number; items: string[]; label: string };

const values = fc.record({ n: fc.integer(), items: fc.array(fc.string()), label: fc.string() });

/** States with any keys and nested JSON values (lists of objects of lists…), like a chat history. */
const anyValues = fc.dictionary(fc.string(), fc.jsonValue());

/**
 * The same for states that get stored. `__proto__` is left out: schemas do not declare it (in an
 * object literal it sets the prototype), the runner's strict validation refuses it as unknown, and
 * rebuilding a state by assignment would set a prototype rather than a key.
 */
const storableValues = fc.dictionary(
  fc.string().filter((key) => key !== '__proto__'),
  fc.jsonValue(),
);

/** Every object and array inside a value, the value itself included. */
function containers(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(containers)];
}

/** Tries to change a container in place; returns what was thrown (nothing means it changed). */
function mutate(container: object): unknown {
  try {
    if (Array.isArray(container)) container.push('sneaked in');
    else (container as Record<string, unknown>).sneaked = 'in';
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('State', () => {
  it('never changes: every method returns a new state and leaves the old one as it was', () => {
    fc.assert(
      fc.property(values, fc.integer(), fc.array(fc.string()), fc.string(), (initial, n, items, label) => {
        const state = new State<Values>(initial);
        const before = structuredClone(state.toJSON());
        const changed = state
          .update({ n })
          .append('items', ...items)
          .merge(new State<Values>({ n, items, label }));
        expect(state.toJSON()).toEqual(before);
        expect(changed).not.toBe(state);
        expect(() => {
          (state.toJSON() as Values).n = 1;
        }).toThrow(TypeError);
      }),
    );
  });

  it('refuses in-place changes at any depth, under any key, and stays as it was', () => {
    fc.assert(
      fc.property(anyValues, fc.nat(), (generated, pick) => {
        // A copy, so that a failing run cannot change fast-check's values while it shrinks them.
        const state = new State<Record<string, unknown>>(structuredClone(generated));
        const before = structuredClone(state.toJSON());
        const inside = containers(state.toJSON());
        const target = inside[pick % inside.length] as object;
        expect(mutate(target)).toBeInstanceOf(TypeError);
        expect(state.toJSON()).toEqual(before);
      }),
    );
  });

  it('freezes what enters through update and append, and keeps every other value by reference', () => {
    fc.assert(
      fc.property(anyValues, fc.string(), fc.jsonValue(), (initial, key, value) => {
        const state = new State<Record<string, unknown>>({ ...structuredClone(initial), list: [] });
        const entering = { nested: [structuredClone(value)] };
        const updated = state.update({ [key]: entering });
        const appended = state.append('list' as never, entering as never);
        for (const target of containers(entering)) expect(mutate(target)).toBeInstanceOf(TypeError);
        // diffWrites finds a step's changes by reference: untouched keys must keep theirs.
        for (const other of Object.keys(state.toJSON()).filter((name) => name !== key)) {
          expect(updated.get(other)).toBe(state.get(other));
        }
        expect(appended.get('list')).toEqual([entering]);
        expect(state.get('list')).toEqual([]);
      }),
    );
  });

  it('appends without touching the original list', () => {
    const items = ['a'];
    const state = new State<Values>({ n: 0, items, label: '' });
    expect(state.append('items', 'b', 'c').get('items')).toEqual(['a', 'b', 'c']);
    expect(items).toEqual(['a']);
  });

  it('throws on a push into a list it holds (strict mode), rather than changing it unseen', () => {
    const state = new State<Values>({ n: 0, items: ['a'], label: '' });
    expect(() => state.get('items').push('b')).toThrow(TypeError);
    expect(state.get('items')).toEqual(['a']);
  });

  it('freezes a value that arrives shallowly frozen, all the way down', () => {
    const message = { role: 'user', parts: ['hi'] };
    const state = new State({ history: Object.freeze([message]) });
    expect(() => {
      message.role = 'admin';
    }).toThrow(TypeError);
    expect(() => message.parts.push('there')).toThrow(TypeError);
    expect(state.get('history')).toEqual([{ role: 'user', parts: ['hi'] }]);
  });
});

describe('diffWrites', () => {
  it('records an append as the new items only, and replaying the writes rebuilds the state', () => {
    fc.assert(
      fc.property(
        values,
        fc.array(fc.string()),
        fc.option(fc.integer(), { nil: undefined }),
        (initial, items, n) => {
          const before = new State<Values>(initial);
          let after = before.append('items', ...items);
          if (n !== undefined) after = after.update({ n });
          const writes = diffWrites(before.toJSON(), after.toJSON());
          const append = writes.find((write) => write.key === 'items');
          if (items.length > 0) expect(append).toEqual({ key: 'items', op: 'append', items });
          expect(applyWrites(before.toJSON(), writes)).toEqual(after.toJSON());
        },
      ),
    );
  });

  it('rebuilds any state with nested values from the writes between two states', () => {
    fc.assert(
      fc.property(storableValues, storableValues, (initial, patch) => {
        const before = new State<Record<string, unknown>>(initial);
        const after = before.update(patch);
        const writes = diffWrites(before.toJSON(), after.toJSON());
        expect(writes.map((write) => write.key).sort()).toEqual(
          Object.keys(patch)
            .filter((key) => patch[key] !== initial[key])
            .sort(),
        );
        expect(applyWrites(before.toJSON(), writes)).toEqual(after.toJSON());
      }),
    );
  });

  it('records a replaced list as a set', () => {
    const before = new State<Values>({ n: 0, items: ['a', 'b'], label: '' });
    const after = before.update({ items: ['z'] });
    expect(diffWrites(before.toJSON(), after.toJSON())).toEqual([{ key: 'items', op: 'set', value: ['z'] }]);
  });
});

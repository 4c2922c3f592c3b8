import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { State } from '../../src/graph';
import { applyWrites, diffWrites } from '../../src/graph/writes';

type Values = { n: number; items: string[]; label: string };

const values = fc.record({ n: fc.integer(), items: fc.array(fc.string()), label: fc.string() });

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

  it('appends without touching the original list', () => {
    const items = ['a'];
    const state = new State<Values>({ n: 0, items, label: '' });
    expect(state.append('items', 'b', 'c').get('items')).toEqual(['a', 'b', 'c']);
    expect(items).toEqual(['a']);
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

  it('records a replaced list as a set', () => {
    const before = new State<Values>({ n: 0, items: ['a', 'b'], label: '' });
    const after = before.update({ items: ['z'] });
    expect(diffWrites(before.toJSON(), after.toJSON())).toEqual([{ key: 'items', op: 'set', value: ['z'] }]);
  });
});

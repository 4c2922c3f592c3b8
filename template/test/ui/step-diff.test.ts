// The step viewer's diff (src/ui/step-diff.ts): keys written, before → after, long values folded,
// appended items shown one by one with the list's length before.
import { describe, expect, it } from 'vitest';
import { FOLD_AT, show, stepDiff } from '../../src/ui/step-diff';

describe('stepDiff', () => {
  const writes = [
    { key: 'prompt', op: 'set' as const, value: 'hello' },
    { key: 'chat_history', op: 'append' as const, items: [{ role: 'user', content: 'hello' }] },
  ];

  it('shows what a step wrote, without the state before it', () => {
    expect(stepDiff(writes)).toEqual([
      { key: 'prompt', op: 'set', after: [{ text: 'hello', folded: false, full: 'hello' }] },
      {
        key: 'chat_history',
        op: 'append',
        after: [
          {
            text: '{"role":"user","content":"hello"}',
            folded: false,
            full: '{"role":"user","content":"hello"}',
          },
        ],
      },
    ]);
  });

  it('adds the value replaced, and the length of a list that grew, once the state before is known', () => {
    const rows = stepDiff(writes, { prompt: 'before', chat_history: [1, 2], mode: 'x' });
    expect(rows.map((row) => [row.key, row.before?.text])).toEqual([
      ['prompt', 'before'],
      ['chat_history', '[2 items]'],
    ]);
  });

  it('leaves before out for a key the state did not have', () => {
    expect(stepDiff([{ key: 'new', op: 'set', value: 1 }], {})[0]).not.toHaveProperty('before');
  });

  it('shows a step that wrote nothing as no rows', () => {
    expect(stepDiff([])).toEqual([]);
  });
});

describe('show', () => {
  it('folds a long value, keeping the whole of it and saying how long it was', () => {
    const long = 'x'.repeat(FOLD_AT + 40);
    const shown = show(long);
    expect(shown.folded).toBe(true);
    expect(shown.text).toBe(`${'x'.repeat(FOLD_AT)}… (200 chars)`);
    expect(shown.full).toBe(long);
    expect(show('short')).toEqual({ text: 'short', folded: false, full: 'short' });
    expect(show({ a: [1] }).text).toBe('{"a":[1]}');
    expect(show(null).text).toBe('null');
  });
});

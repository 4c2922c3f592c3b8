// GET …/apps/{app_id} answers appViewJson(…): the same bytes as JSON.stringify(toAppView(…)), with a
// state's JSON written once and reused while the (frozen) state is the app's latest.
import { describe, expect, it } from 'vitest';
import { appViewJson, toAppView } from '../../src/api/views';
import type { StoredApp } from '../../src/engine/persister';

const app = (overrides: Partial<StoredApp> = {}): StoredApp => ({
  graph: 'chatbot',
  appId: 'a-1',
  partitionKey: 'alice',
  sequenceId: 3,
  position: 'answer',
  state: Object.freeze({ chat_history: [{ role: 'user', content: 'é "quoted" \u2028 </script>' }], n: 1 }),
  parent: null,
  createdAt: new Date('2026-12-01T10:00:00.000Z'),
  updatedAt: new Date('2026-12-01T10:05:00.000Z'),
  ...overrides,
});

describe('appViewJson', () => {
  it.each([
    ['a committed app', app(), 'prompt'],
    ['a new app (no position, nothing next)', app({ sequenceId: 0, position: null }), null],
    ['a fork', app({ parent: { appId: 'source', sequenceId: 2 } }), 'prompt'],
    ['an empty state', app({ state: Object.freeze({}) }), null],
    ['a state that is not frozen', app({ state: { undefinedKey: undefined, list: [1, 2] } }), 'x'],
  ])('writes %s byte for byte as JSON.stringify(toAppView(…))', (_name, stored, next) => {
    expect(appViewJson(stored, next)).toBe(JSON.stringify(toAppView(stored, next)));
    // Again, from the remembered state JSON.
    expect(appViewJson(stored, next)).toBe(JSON.stringify(toAppView(stored, next)));
  });

  it('keeps the JSON of frozen states only, so a state changed in place is never answered stale', () => {
    const state: Record<string, unknown> = { n: 1 };
    const stored = app({ state });
    expect(JSON.parse(appViewJson(stored, null)).state).toEqual({ n: 1 });
    state.n = 2;
    expect(JSON.parse(appViewJson(stored, null)).state).toEqual({ n: 2 });
  });

  it('reuses the view of a frozen app only for the same next, and never the view of an app changed in place', () => {
    const frozen = Object.freeze(app());
    expect(JSON.parse(appViewJson(frozen, 'prompt')).next).toBe('prompt');
    expect(appViewJson(frozen, null)).toBe(JSON.stringify(toAppView(frozen, null)));
    const open = app();
    appViewJson(open, 'prompt');
    open.sequenceId = 9;
    open.parent = { appId: 'source', sequenceId: 1 };
    expect(appViewJson(open, 'prompt')).toBe(JSON.stringify(toAppView(open, 'prompt')));
    const parent = { appId: 'source', sequenceId: 1 };
    const withOpenParent = Object.freeze(app({ parent }));
    appViewJson(withOpenParent, null);
    parent.sequenceId = 2;
    expect(JSON.parse(appViewJson(withOpenParent, null)).parent).toEqual({
      app_id: 'source',
      sequence_id: 2,
    });
  });

  it('answers the next state after a commit, not the remembered JSON of the one before', () => {
    const before = app();
    const after = app({ sequenceId: 4, state: Object.freeze({ n: 2 }) });
    appViewJson(before, 'prompt');
    expect(JSON.parse(appViewJson(after, 'prompt'))).toMatchObject({ sequence_id: 4, state: { n: 2 } });
  });
});

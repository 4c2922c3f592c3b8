import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionsFor, GraphDefinitionError, graph } from '../../src/engine';

const Schema = z.object({ a: z.number(), b: z.string() });
const { action } = actionsFor(Schema);
const noop = (name: string, reads: ('a' | 'b')[] = ['a']) =>
  action({ name, reads, writes: [], run: async (state) => ({ result: null, state }) });

function buildError(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphDefinitionError);
    return (error as Error).message;
  }
  throw new Error('expected the graph to be refused');
}

const base = { name: 'g', state: Schema, initial: { a: 0, b: '' } };

describe('graph()', () => {
  it('builds a well-formed graph and picks the next action by the first matching transition', () => {
    const built = graph({
      ...base,
      actions: [noop('start'), noop('small'), noop('big')],
      transitions: [
        ['start', 'big', (state) => state.a > 5],
        ['start', 'small', 'default'],
        ['small', 'start'],
        ['big', 'start'],
      ],
    });
    expect(built.nextAction(null, { a: 0, b: '' })).toBe('start');
    expect(built.nextAction('start', { a: 9, b: '' })).toBe('big');
    expect(built.nextAction('start', { a: 1, b: '' })).toBe('small');
  });

  it('refuses a transition to an unknown action', () => {
    expect(buildError(() => graph({ ...base, actions: [noop('x')], transitions: [['x', 'y']] }))).toContain(
      'transition x -> y names "y", which is not an action',
    );
  });

  it('refuses two actions with one name', () => {
    expect(
      buildError(() => graph({ ...base, actions: [noop('x'), noop('x')], transitions: [['x', 'x']] })),
    ).toContain('two actions are named "x"');
  });

  it('refuses an unreachable action', () => {
    expect(
      buildError(() =>
        graph({
          ...base,
          actions: [noop('x'), noop('island')],
          transitions: [
            ['x', 'x'],
            ['island', 'x'],
          ],
        }),
      ),
    ).toContain('action "island" cannot be reached from "x"');
  });

  it('refuses an action with no way out that is not a halt', () => {
    const message = buildError(() =>
      graph({ ...base, actions: [noop('x'), noop('end')], transitions: [['x', 'end']] }),
    );
    expect(message).toContain('action "end" has no transition out and is not in haltAfter');
    expect(() =>
      graph({ ...base, actions: [noop('x'), noop('end')], transitions: [['x', 'end']], haltAfter: ['end'] }),
    ).not.toThrow();
  });

  it('refuses a read of a key the schema lacks', () => {
    const reader = action({
      name: 'x',
      reads: ['missing' as 'a'],
      writes: [],
      run: async (state) => ({ result: null, state }),
    });
    expect(buildError(() => graph({ ...base, actions: [reader], transitions: [['x', 'x']] }))).toContain(
      'action "x" uses key "missing", which the state schema lacks',
    );
  });

  it('refuses halts on unknown actions and an initial state off the schema, listing every problem', () => {
    const message = buildError(() =>
      graph({
        ...base,
        initial: { a: 'no' as unknown as number, b: '' },
        actions: [noop('x')],
        transitions: [['x', 'x']],
        haltBefore: ['nope'],
      }),
    );
    expect(message).toContain('haltBefore names "nope"');
    expect(message).toContain('initial state does not match the schema');
  });
});

// GET /api/v1/{graph}/graph and the names of conditions it shows (src/engine/condition.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphStructure } from '../../src/api/graph/structure';
import { actionsFor, conditionName, graph, when } from '../../src/engine';
import { CounterState } from '../engine/counter-graph';
import { createApiHarness } from '../helpers/api';

describe('conditionName', () => {
  it('names default, a when(…) condition, a named function, and an anonymous one', () => {
    function isBig(state: { count: number }) {
      return state.count > 10;
    }
    expect(conditionName(undefined)).toBe('default');
    expect(conditionName('default')).toBe('default');
    expect(conditionName(when('count is big', isBig) as never)).toBe('count is big');
    expect(conditionName(isBig as never)).toBe('isBig');
    expect(
      conditionName(
        (
          () => (_: unknown) =>
            true
        )() as never,
      ),
    ).toBe('condition');
  });

  it('keeps a when(…) condition working as the function it wraps', () => {
    const big = when('big', (state: { count: number }) => state.count > 10);
    expect([big({ count: 11 }), big({ count: 1 })]).toEqual([true, false]);
  });
});

describe('graphStructure', () => {
  it('lists actions with reads, writes and input schema, transitions by condition, and halts', async () => {
    const { action } = actionsFor(CounterState);
    const { z } = await import('zod');
    const counter = graph({
      name: 'counter',
      state: CounterState,
      initial: { count: 0, log: [], words: '' },
      actions: [
        action({
          name: 'add',
          reads: ['count'],
          writes: ['count'],
          input: z.object({ by: z.number().int().describe('How much') }),
          run: async (s, { by }) => ({ result: null, state: s.update({ count: s.get('count') + by }) }),
        }),
        action({
          name: 'reset',
          reads: [],
          writes: ['count'],
          run: async (s) => ({ result: null, state: s }),
        }),
      ],
      transitions: [
        ['add', 'reset', when('count over 10', (s) => s.count > 10)],
        ['add', 'add', 'default'],
        ['reset', 'add'],
      ],
      haltAfter: ['add'],
      haltBefore: ['reset'],
    });
    const structure = graphStructure(counter);
    expect(structure).toMatchObject({
      name: 'counter',
      entrypoint: 'add',
      transitions: [
        { from: 'add', to: 'reset', condition: 'count over 10' },
        { from: 'add', to: 'add', condition: 'default' },
        { from: 'reset', to: 'add', condition: 'default' },
      ],
      halt_after: ['add'],
      halt_before: ['reset'],
    });
    expect(structure.actions.map(({ name, reads, writes }) => [name, reads, writes])).toEqual([
      ['add', ['count'], ['count']],
      ['reset', [], ['count']],
    ]);
    expect(structure.actions[0]?.input).toMatchObject({
      type: 'object',
      properties: { by: { type: 'integer', description: 'How much' } },
      required: ['by'],
    });
    expect(structure.actions[1]?.input).toBeNull();
  });
});

describe('GET /api/v1/chatbot/graph', () => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;
  beforeAll(async () => {
    harness = await createApiHarness();
  });
  afterAll(() => harness.close());

  it('answers the chatbot graph with every condition named', async () => {
    const answer = await harness.request('GET', '/api/v1/chatbot/graph', await harness.token('bob'));
    expect(answer.status).toBe(200);
    const body = await answer.json();
    expect(body.actions.map((action: { name: string }) => action.name)).toEqual([
      'prompt',
      'decide_mode',
      'unsafe_response',
      'generate_code',
      'answer_question',
      'generate_poem',
      'prompt_for_more',
    ]);
    const fromDecide = body.transitions.filter((t: { from: string }) => t.from === 'decide_mode');
    expect(fromDecide.map((t: { to: string; condition: string }) => `${t.to}: ${t.condition}`)).toEqual([
      'unsafe_response: mode is unsafe',
      'generate_code: mode is generate_code',
      'answer_question: mode is answer_question',
      'generate_poem: mode is generate_poem',
      'prompt_for_more: mode is prompt_for_more',
      'prompt_for_more: default',
    ]);
    expect(body.actions[0].input.properties.prompt).toMatchObject({ type: 'string', maxLength: 10_000 });
    expect(body.halt_after).toContain('generate_poem');
  });

  it('answers 401 without a token, as problem+json', async () => {
    const answer = await harness.request('GET', '/api/v1/chatbot/graph', undefined);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });
});

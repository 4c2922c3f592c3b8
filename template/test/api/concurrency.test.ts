// Two requests racing on one app over HTTP: steps are serialized by sequence_id, so one wins (200)
// and the other gets 409 with `next`; the step log has each step once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmProvider } from '../../src/chatbot/llm';
import type { LlmProvider, Mode } from '../../src/chatbot/llm/provider';
import { createApiHarness } from '../helpers/api';
import { testConfig } from '../helpers/test-config';

/**
 * The scripted provider, except that while armed, `classify` holds each caller until `expected`
 * callers are inside it. Two requests that both reach the model have both read the app at the
 * same sequence id: the race is certain, not a matter of timing.
 */
function meetingProvider(): LlmProvider & { arm(expected: number): void } {
  const scripted = createLlmProvider(testConfig());
  let expected = 0;
  let waiting: (() => void)[] = [];
  return {
    name: 'scripted, classify meets',
    arm: (count) => {
      expected = count;
    },
    async classify(prompt, options): Promise<Mode> {
      if (expected > 0) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === expected) {
            for (const release of waiting) release();
            waiting = [];
            expected = 0;
          }
        });
      }
      return scripted.classify(prompt, options);
    },
    streamText: (messages, options) => scripted.streamText(messages, options),
  };
}

const llm = meetingProvider();
let harness: Awaited<ReturnType<typeof createApiHarness>>;
beforeAll(async () => {
  harness = await createApiHarness({ llm });
});
afterAll(() => harness.close());

describe('two action requests racing on one app', () => {
  it('answers one 200 and the other 409 with next, and commits each step once', async () => {
    const alice = await harness.clientFor('alice');
    await alice.create({ app_id: 'race-source' });
    await alice.act('race-source', 'prompt', { prompt: 'Who wins a race?' });
    // A fork right after the prompt step: decide_mode (which asks the model) is next.
    await alice.fork('race-source', { app_id: 'race', sequence_id: 1 });

    llm.arm(2);
    const token = await harness.token('alice');
    const path = '/api/v1/chatbot/apps/race/actions/decide_mode';
    const answers = await Promise.all([
      harness.request('POST', path, token, '{}'),
      harness.request('POST', path, token, '{}'),
    ]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const lost = answers.find((answer) => answer.status === 409) as Response;
    expect(lost.headers.get('content-type')).toBe('application/problem+json');
    const problem = await lost.json();
    expect(problem.detail).toMatch(/Another step committed first/);
    expect(['answer_question', 'generate_code', 'generate_poem', 'prompt_for_more', 'prompt']).toContain(
      problem.next,
    );

    const steps = (await alice.steps('race', { limit: 50 })).items;
    expect(steps.map((step) => [step.sequence_id, step.action, step.status])).toEqual([
      [1, 'decide_mode', 'committed'],
      [2, steps[1]?.action, 'committed'],
    ]);
    expect(steps[1]?.action).not.toBe('decide_mode');
    expect((await alice.get('race')).sequence_id).toBe(2);
  });
});

// Issue 18, class 2: a page of steps must not be huge because the state is. Issue 18's example: a
// 0.9 MB forked state plus 67 short prompts, `?limit=200`, was one 177 MB page of whole states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_PAGE_MAX_BYTES } from '../../src/api/step-page';
import { createApiHarness } from '../helpers/api';

let harness: Awaited<ReturnType<typeof createApiHarness>>;
let token: string;
const PROMPTS = 67;

beforeAll(async () => {
  harness = await createApiHarness();
  token = await harness.token('alice');
  const alice = await harness.clientFor('alice');
  await alice.create({ app_id: 'big-source' });
  const big = [{ role: 'user' as const, content: 'x'.repeat(900_000), type: 'text' as const }];
  await alice.fork('big-source', { app_id: 'big', state: { chat_history: big } });
  for (let index = 0; index < PROMPTS; index++)
    await alice.act('big', 'prompt', { prompt: `short ${index}` });
}, 120_000);
afterAll(() => harness.close());

const page = async (query: string) => {
  const answer = await harness.request('GET', `/api/v1/chatbot/apps/big/steps?${query}`, token);
  expect(answer.status).toBe(200);
  const body = await answer.text();
  return {
    bytes: Buffer.byteLength(body),
    ...(JSON.parse(body) as { items: unknown[]; next_cursor: string | null }),
  };
};

describe('GET …/steps on an app with a 0.9 MB state', () => {
  it('answers 200 steps of writes in a small page by default', async () => {
    const writes = await page('limit=200');
    expect(writes.items).toHaveLength(200);
    expect(writes.next_cursor).not.toBeNull();
    // Each step wrote a short prompt or answer; none carries the 0.9 MB history.
    expect(writes.bytes).toBeLessThan(200_000);
  });

  it('bounds a page with include=state by bytes: one state a page here, never 200', async () => {
    const states = await page('limit=200&include=state');
    expect(states.items).toHaveLength(1);
    expect(states.bytes).toBeLessThan(STEP_PAGE_MAX_BYTES);
    expect(states.next_cursor).not.toBeNull();
    const next = await page(`limit=200&include=state&cursor=${states.next_cursor}`);
    expect(next.items).toHaveLength(1);
    expect((next.items[0] as { sequence_id: number }).sequence_id).toBe(2);
  });
});

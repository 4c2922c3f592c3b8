// A request that outlives REQUEST_TIMEOUT_MS answers 504, and its work stops at that moment: the
// client that was told "it failed" must not find a step committed afterwards.
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeadlineVariables, deadline } from '../../src/api/middleware/deadline';
import { ProblemError, problemResponse } from '../../src/lib/errors';
import { createApiHarness } from '../helpers/api';

describe('deadline()', () => {
  it('answers 504 and fires the deadline signal the handler was given', async () => {
    let seenByHandler: unknown;
    const app = new Hono<{ Variables: DeadlineVariables }>()
      .use(deadline(20))
      .get('/slow', async (c) => {
        const { signal } = c.get('deadline');
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        seenByHandler = signal.reason;
        return c.text('too late');
      })
      .get('/quick', (c) => c.text(c.get('deadline').signal.aborted ? 'aborted' : 'in time'));
    app.onError((error, c) =>
      error instanceof ProblemError ? problemResponse(c, error.problem) : c.text('unexpected', 500),
    );

    const slow = await app.request('/slow');
    expect(slow.status).toBe(504);
    expect(slow.headers.get('content-type')).toContain('application/problem+json');
    expect(await slow.json()).toMatchObject({ status: 504, detail: 'The request took too long.' });
    await expect.poll(() => seenByHandler).toBeInstanceOf(ProblemError);
    expect(await (await app.request('/quick')).text()).toBe('in time');
  });

  it('gives each request its own time, however many are in flight', async () => {
    const app = new Hono<{ Variables: DeadlineVariables }>().use(deadline(60)).get('/wait/:ms', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, Number(c.req.param('ms'))));
      return c.text('done');
    });
    app.onError((error, c) =>
      error instanceof ProblemError ? problemResponse(c, error.problem) : c.text('?', 500),
    );
    const timed = async (path: string) => {
      const started = performance.now();
      const response = await app.request(path);
      return { status: response.status, ms: performance.now() - started };
    };
    const first = timed('/wait/1000');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [late, second, quick] = await Promise.all([first, timed('/wait/1000'), timed('/wait/5')]);
    expect(late.status).toBe(504);
    expect(second.status).toBe(504);
    expect(quick.status).toBe(200);
    // Each one ran its full 60 ms (the second was not cut when the first one's time came).
    expect(late.ms).toBeGreaterThanOrEqual(59);
    expect(second.ms).toBeGreaterThanOrEqual(59);
    expect(second.ms).toBeLessThan(900);
  });

  it('hands a handler that asks only after the deadline passed a signal already fired', async () => {
    let seen: AbortSignal | undefined;
    const app = new Hono<{ Variables: DeadlineVariables }>().use(deadline(20)).get('/late-ask', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      seen = c.var.deadline.signal;
      return c.text('too late');
    });
    app.onError((error, c) =>
      error instanceof ProblemError ? problemResponse(c, error.problem) : c.text('?', 500),
    );
    expect((await app.request('/late-ask')).status).toBe(504);
    await expect.poll(() => seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(ProblemError);
  });

  it('leaves the requests it is told to skip alone', async () => {
    const app = new Hono()
      .use(deadline(1, { skip: (c) => c.req.path === '/stream' }))
      .get('/stream', async (c) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return c.text('still here');
      });
    expect(await (await app.request('/stream')).text()).toBe('still here');
  });
});

describe('an action past REQUEST_TIMEOUT_MS', () => {
  // The scripted answer streams a word every 100 ms, so it takes seconds: far past the deadline.
  const harnessing = createApiHarness({ env: { REQUEST_TIMEOUT_MS: '300', SCRIPTED_DELAY_MS: '100' } });
  afterAll(async () => (await harnessing).close());

  it('answers 504, and the running action is aborted instead of committing later', async () => {
    const harness = await harnessing;
    const client = await harness.clientFor('alice');
    const { app_id } = await client.create();
    const answered = await harness.request(
      'POST',
      `/api/v1/chatbot/apps/${app_id}/actions/prompt`,
      await harness.token('alice'),
      JSON.stringify({ prompt: 'What is a deadline?' }),
    );
    expect(answered.status).toBe(504);

    // The answer step ends as a failed step (aborted), not as a commit seconds later.
    await expect
      .poll(async () => (await client.steps(app_id)).items.map((step) => step.status), { timeout: 5_000 })
      .toEqual(['committed', 'committed', 'failed']);
    const app = await client.get(app_id);
    expect(app).toMatchObject({ sequence_id: 2, position: 'decide_mode', next: 'answer_question' });
    expect(app.state.chat_history.map((message) => message.role)).toEqual(['user']);
  });
});

// requestSignal(c) on node:http: one signal that fires when the client leaves or when the deadline
// passes, whichever comes first, with that cause as its reason, and no fire when neither happens.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeadlineVariables, deadline } from '../../src/api/middleware/deadline';
import { requestSignal } from '../../src/api/problems';
import { ProblemError, problemResponse } from '../../src/lib/errors';

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A real node:http server whose `/wait` handler waits for requestSignal(c), or `/quick` answers at once. */
async function listen(deadlineMs: number) {
  const reasons: unknown[] = [];
  const quickSignals: AbortSignal[] = [];
  const app = new Hono<{ Variables: DeadlineVariables }>()
    .use(deadline(deadlineMs))
    .get('/wait', async (c) => {
      const signal = requestSignal(c);
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      reasons.push(signal.reason);
      return c.text('stopped');
    })
    .get('/quick', (c) => {
      quickSignals.push(requestSignal(c));
      return c.text('done');
    });
  app.onError((error, c) =>
    error instanceof ProblemError ? problemResponse(c, error.problem) : c.text('unexpected', 500),
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  servers.push(server);
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reasons, quickSignals };
}

describe('requestSignal on node:http', () => {
  it('fires with the deadline problem when the deadline passes first', async () => {
    const { base, reasons } = await listen(50);
    const response = await fetch(`${base}/wait`);
    expect(response.status).toBe(504);
    await expect.poll(() => reasons.length).toBe(1);
    expect(reasons[0]).toBeInstanceOf(ProblemError);
    expect((reasons[0] as ProblemError).problem.status).toBe(504);
  });

  it('fires with "client left" when the client goes away before the deadline', async () => {
    const { base, reasons } = await listen(10_000);
    const leaving = new AbortController();
    const request = fetch(`${base}/wait`, { signal: leaving.signal }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaving.abort();
    await request;
    await expect.poll(() => reasons.length).toBe(1);
    expect(reasons[0]).toBe('Client connection prematurely closed.');
  });

  it('does not fire for a request answered in time, even after its response closed', async () => {
    const { base, quickSignals } = await listen(60);
    expect(await (await fetch(`${base}/quick`)).text()).toBe('done');
    // Past what the deadline would have been: a finished request's signal stays quiet.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(quickSignals).toHaveLength(1);
    expect(quickSignals[0]?.aborted).toBe(false);
  });
});

describe('RequestDeadline.alsoAbort', () => {
  it('aborts the controller when the deadline passes, or at once when it has passed already', async () => {
    const before = new AbortController();
    const after = new AbortController();
    const app = new Hono<{ Variables: DeadlineVariables }>().use(deadline(20)).get('/slow', async (c) => {
      c.get('deadline').alsoAbort(before);
      await new Promise((resolve) => setTimeout(resolve, 60));
      c.get('deadline').alsoAbort(after);
      return c.text('too late');
    });
    app.onError((error, c) =>
      error instanceof ProblemError ? problemResponse(c, error.problem) : c.text('?', 500),
    );
    expect((await app.request('/slow')).status).toBe(504);
    expect(before.signal.reason).toBeInstanceOf(ProblemError);
    await expect.poll(() => after.signal.aborted).toBe(true);
    expect(after.signal.reason).toBe(before.signal.reason);
  });
});

// A run's deltas stored by one append share a run_events row (src/db/event-rows.ts); a client that
// resumes from any event id, also one inside such a row, gets every later event exactly once, with
// its own id, over SSE (Last-Event-ID) and WebSocket (?after=). On both dialects.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RunsRepository } from '../../src/db/runs-repository';
import type { RunningServer } from '../../src/lib/serve';
import { dialects } from '../helpers/databases';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

const deltas = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) => ({
    event: 'delta',
    data: { action: 'answer_question', delta: `piece ${from + index} ` },
  }));

describe.each(dialects)('resuming inside a stored row of deltas on $name', ({ create }) => {
  let testApp: Awaited<ReturnType<typeof createTestApp>>;
  let server: RunningServer;
  let runId: string;
  let token: string;
  /** Every event of the run as the store has it: `${id} ${event} ${data}`. */
  let all: string[];

  beforeAll(async () => {
    testApp = await createTestApp({ testDb: await create() });
    server = await serveOnLoopback(testApp);
    token = await testApp.token('alice');
    await testApp.app.request('/api/v1/chatbot/apps', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'rows' }),
    });
    const runs = new RunsRepository(testApp.database);
    const run = await runs.create({
      graph: 'chatbot',
      appId: 'rows',
      action: 'prompt',
      inputs: {},
      createdBy: 'alice',
    });
    runId = run.runId;
    // 1 state, 2 action, 3–42 deltas (one row), 43–60 deltas (another), 61 step, 62 done.
    await runs.appendEvents(runId, [
      { event: 'state', data: { n: 0 } },
      { event: 'action', data: { action: 'answer_question', sequence_id: 1 } },
      ...deltas(3, 40),
    ]);
    await runs.appendEvents(runId, [
      ...deltas(43, 18),
      { event: 'step', data: { action: 'answer_question', sequence_id: 1 } },
    ]);
    await runs.appendEvent(runId, 'done', { end: true });
    await runs.setStatus(runId, 'succeeded', {});
    const stored = await runs.listEvents(runId, { rows: 100 });
    all = stored.map((event) => `${event.id} ${event.event} ${JSON.stringify(event.data)}`);
    expect(all).toHaveLength(62);
    const { db, tables } = testApp.database;
    const rows = await db.select().from(tables.runEvents).where(eq(tables.runEvents.runId, runId));
    expect(rows.map((row) => row.eventCount).sort((a, b) => a - b)).toEqual([1, 1, 1, 1, 18, 40]);
  });
  afterAll(async () => {
    await server.shutdown();
    await testApp.close();
  });

  /** The events of an SSE body, as `${id} ${event} ${data}`. */
  const sseEvents = (text: string) =>
    [...text.matchAll(/^event: (\w+)\nid: (\d+)\ndata: (.*)$/gm)].map(
      ([, event, id, data]) => `${id} ${event} ${data}`,
    );

  it('over SSE, from a Last-Event-ID anywhere, also inside a row', async () => {
    for (const after of [0, 1, 2, 3, 10, 41, 42, 43, 44, 59, 60, 61]) {
      const response = await testApp.app.request(`/api/v1/runs/${runId}/events`, {
        headers: { authorization: `Bearer ${token}`, 'last-event-id': String(after) },
      });
      expect(response.status).toBe(200);
      expect(sseEvents(await response.text()), `after ${after}`).toEqual(all.slice(after));
    }
  });

  it('over WebSocket, from ?after= inside a row', async () => {
    for (const after of [7, 42, 50]) {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/runs/${runId}/ws?after=${after}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const messages: string[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (raw) => {
          const { id, event, data } = JSON.parse(String(raw));
          messages.push(`${id} ${event} ${JSON.stringify(data)}`);
        });
        ws.on('close', () => resolve());
        ws.on('error', reject);
      });
      expect(messages, `after ${after}`).toEqual(all.slice(after));
    }
  });
});

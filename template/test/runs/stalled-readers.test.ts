// A client that follows a run's events and stops reading costs the server one page of events, not
// the run's log: the follower reads in pages (EVENT_PAGE_SIZE rows) and reads the next page only
// once the socket has taken the last one. Counted in rows read from the database, on both dialects,
// over SSE (a raw TCP client that never reads) and WebSocket (a paused `ws` client).
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { RunsRepository } from '../../src/db/runs-repository';
import type { RunningServer } from '../../src/lib/serve';
import { EVENT_PAGE_SIZE } from '../../src/runs/follow-run';
import { dialects } from '../helpers/databases';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

/** 1000 events of 20 kB: a 20 MB log, far more than the loopback socket buffers hold unread (~5 MB). */
const EVENTS = 1000;
const PIECE = 'x'.repeat(20_000);

describe.each(dialects)('a stalled reader on $name', ({ create }) => {
  let testApp: Awaited<ReturnType<typeof createTestApp>>;
  let server: RunningServer;
  let runId: string;
  const pages: number[] = [];
  const rowsRead = () => pages.reduce((sum, rows) => sum + rows, 0);
  const clients: { destroy?: () => void; terminate?: () => void }[] = [];

  beforeAll(async () => {
    testApp = await createTestApp({ testDb: await create() });
    server = await serveOnLoopback(testApp);
    const runs = new RunsRepository(testApp.database);
    const run = await runs.create({
      graph: 'chatbot',
      appId: 'big',
      action: 'prompt',
      inputs: {},
      createdBy: 'alice',
    });
    await testApp.app.request('/api/v1/chatbot/apps', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await testApp.token('alice')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ app_id: 'big' }),
    });
    for (let index = 0; index < EVENTS; index++) await runs.appendEvent(run.runId, 'delta', { delta: PIECE });
    await runs.appendEvent(run.runId, 'done', { end: true });
    await runs.setStatus(run.runId, 'succeeded', {});
    runId = run.runId;
    const listEvents = RunsRepository.prototype.listEvents;
    vi.spyOn(RunsRepository.prototype, 'listEvents').mockImplementation(async function (
      this: RunsRepository,
      ...args
    ) {
      const page = await listEvents.apply(this, args);
      pages.push(page.length);
      return page;
    });
  }, 60_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const client of clients) client.destroy?.() ?? client.terminate?.();
    await server.shutdown();
    await testApp.close();
  });

  /** Waits until the follower has read nothing new for a while, and answers how much it read. */
  async function settledRows() {
    let seen = -1;
    while (seen !== rowsRead()) {
      seen = rowsRead();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return seen;
  }

  it('over SSE stops reading while the client does not, and goes on once it does', async () => {
    pages.length = 0;
    const token = await testApp.token('alice');
    const socket: Socket = connect(server.port, '127.0.0.1');
    clients.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(
      `GET /api/v1/runs/${runId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    const stalled = await settledRows();
    expect(Math.max(...pages)).toBeLessThanOrEqual(EVENT_PAGE_SIZE);
    expect(stalled).toBeGreaterThan(0);
    expect(stalled).toBeLessThan(EVENTS / 2);

    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.resume();
    await expect.poll(() => received.includes('event: done'), { timeout: 20_000 }).toBe(true);
    expect(rowsRead()).toBe(EVENTS + 1);
    socket.destroy();
  }, 60_000);

  it('over WebSocket stops reading while the client is paused', async () => {
    pages.length = 0;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/runs/${runId}/ws`, {
      headers: { authorization: `Bearer ${await testApp.token('alice')}` },
    });
    clients.push(ws);
    let last = '';
    ws.on('message', (data) => {
      last = String(data).slice(0, 20);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.pause();
    const stalled = await settledRows();
    expect(Math.max(...pages)).toBeLessThanOrEqual(EVENT_PAGE_SIZE);
    expect(stalled).toBeLessThan(EVENTS / 2);

    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.resume();
    await closed;
    expect(last).toContain('"event":"done"');
    expect(rowsRead()).toBe(EVENTS + 1);
  }, 60_000);
});

// Reconnecting to a finished run, as real clients do it: the `eventsource` package reconnects with
// Last-Event-ID after the server closes the stream; a WebSocket client resumes with ?after=.
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let base: string;
let token: string;
let runId: string;
let lastId: number;

beforeAll(async () => {
  testApp = await createTestApp();
  server = await serveOnLoopback(testApp);
  base = `http://127.0.0.1:${server.port}/api/v1`;
  token = await testApp.token('alice');
  await testApp.runWorker.start();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await fetch(`${base}/chatbot/apps`, { method: 'POST', headers, body: JSON.stringify({ app_id: 're-a' }) });
  const started = await fetch(`${base}/chatbot/apps/re-a/runs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ action: 'prompt', inputs: { prompt: 'What is a queue?' } }),
  });
  runId = (await started.json()).run_id;
  await vi.waitFor(
    async () => {
      const run = await (await fetch(`${base}/runs/${runId}`, { headers })).json();
      if (run.status !== 'succeeded') throw new Error(`the run is ${run.status}`);
    },
    { timeout: 10_000, interval: 50 },
  );
  const stored = await fetch(`${base}/runs/${runId}/events`, { headers });
  const ids = [...(await stored.text()).matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
  lastId = Math.max(...ids);
});
afterAll(async () => {
  await testApp.close();
  await server.shutdown();
});

const withToken = (input: string | URL | Request, init?: RequestInit) =>
  fetch(input, {
    ...init,
    headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` },
  });

describe('reconnecting to a finished run', () => {
  it('an EventSource gets the run once, then a 204 on its reconnect, and stops', async () => {
    const source = new EventSource(`${base}/runs/${runId}/events`, { fetch: withToken });
    const seen: string[] = [];
    for (const name of ['state', 'action', 'delta', 'step', 'done', 'error']) {
      source.addEventListener(name, (event) => {
        if ('data' in event && event.data) seen.push(name);
      });
    }
    // The server closes after done; the EventSource reconnects (after its 3 s retry) with
    // Last-Event-ID = done's id, and a 204 closes it for good.
    await expect.poll(() => source.readyState, { timeout: 10_000, interval: 100 }).toBe(EventSource.CLOSED);
    source.close();
    expect(seen.at(-1)).toBe('done');
    expect(seen.filter((name) => name === 'done')).toHaveLength(1);
    expect(seen).not.toContain('error');
  });

  it('answers 204 to Last-Event-ID at or beyond the last event, and replays what is after an earlier one', async () => {
    for (const after of [lastId, lastId + 1, lastId + 1000]) {
      const response = await withToken(`${base}/runs/${runId}/events`, {
        headers: { 'last-event-id': String(after) },
      });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    }
    const earlier = await withToken(`${base}/runs/${runId}/events`, {
      headers: { 'last-event-id': String(lastId - 1) },
    });
    expect(earlier.status).toBe(200);
    const text = await earlier.text();
    expect(text).toContain(`id: ${lastId}\n`);
    expect(text).toMatch(/^event: done$/m);
  });

  it('closes a WebSocket resumed at or beyond the last event with no message', async () => {
    for (const after of [lastId, lastId + 5]) {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/runs/${runId}/ws?after=${after}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const messages: unknown[] = [];
      const code = await new Promise<number>((resolve, reject) => {
        ws.on('message', (data) => messages.push(JSON.parse(String(data))));
        ws.on('close', (closeCode) => resolve(closeCode));
        ws.on('error', reject);
      });
      expect(messages).toEqual([]);
      expect(code).toBe(1000);
    }
  });
});

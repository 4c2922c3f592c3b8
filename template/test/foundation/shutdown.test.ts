import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/lib/serve';
import { createTestApp } from '../helpers/test-app';

const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const testApp of opened) await testApp.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serverWithSlowRoute(requestMs: number, shutdownTimeoutMs: number) {
  const logger = pino({ level: 'silent' });
  const testApp = await createTestApp();
  opened.push(testApp);
  const { app } = testApp;
  let started!: () => void;
  const requestStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  app.get('/slow', async (c) => {
    started();
    await sleep(requestMs);
    return c.json({ finished: true });
  });
  const running = await startServer({
    fetch: app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    shutdownTimeoutMs,
    logger,
  });
  return { running, requestStarted, url: `http://127.0.0.1:${running.port}` };
}

describe('graceful shutdown', () => {
  it('lets an in-flight request finish and refuses new connections', async () => {
    const { running, requestStarted, url } = await serverWithSlowRoute(300, 5_000);
    const inFlight = fetch(`${url}/slow`);
    await requestStarted;
    const closed = running.shutdown();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closed;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('cuts requests still running at the deadline', async () => {
    const { running, requestStarted, url } = await serverWithSlowRoute(10_000, 100);
    const inFlight = fetch(`${url}/slow`);
    await requestStarted;
    await running.shutdown();
    await expect(inFlight).rejects.toThrow();
  });
});

// Kill the server with SIGKILL in the middle of work, start it again on the same database, and
// find everything at its last committed step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, streamEvents } from '../../src/client';
import { type AppProcess, startAppProcess } from '../helpers/app-process';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
const env = { DATABASE_URL: `file:${join(dir, 'app.db')}`, SCRIPTED_DELAY_MS: '40' };
const running: AppProcess[] = [];
afterAll(async () => {
  for (const server of running) await server.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const server = await startAppProcess(env);
  running.push(server);
  return { server, chat: createClient(server.base, { token: await server.token('alice') }).chatbot };
}

describe('a server killed with SIGKILL', () => {
  it('mid-stream: restarts with the app at its last committed step, and the action runs again', async () => {
    const first = await start();
    await first.chat.create({ app_id: 'crashed' });
    const stream = first.chat.stream('crashed', 'prompt', { prompt: 'write a poem about crashes' });
    for await (const event of stream) {
      // The answer is streaming, the client still listening: the server dies right here.
      if (event.event === 'delta') {
        expect(await first.server.stop('SIGKILL')).toBeNull();
        break;
      }
    }

    const second = await start();
    const app = await second.chat.get('crashed');
    expect(app).toMatchObject({ sequence_id: 2, position: 'decide_mode', next: 'generate_poem' });
    expect(app.state.chat_history).toEqual([
      { role: 'user', content: 'write a poem about crashes', type: 'text' },
    ]);
    const steps = await second.chat.steps('crashed');
    expect(steps.items.filter((step) => step.status === 'committed').map((step) => step.sequence_id)).toEqual(
      [1, 2],
    );

    const retried = await second.chat.act('crashed', 'generate_poem', {});
    expect(retried).toMatchObject({ sequence_id: 3, next: 'prompt' });
    await second.server.stop();
  });

  it('mid-run: restarts with the run failed and a clear error, the state at its last commit', async () => {
    const first = await start();
    await first.chat.create({ app_id: 'run-crashed' });
    const headers = {
      authorization: `Bearer ${await first.server.token('alice')}`,
      'content-type': 'application/json',
    };
    const created = await fetch(`${first.server.base}/api/v1/chatbot/apps/run-crashed/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ action: 'prompt', inputs: { prompt: 'write a poem about runs' } }),
    });
    const { run_id: runId } = await created.json();
    const events = await fetch(`${first.server.base}/api/v1/runs/${runId}/events`, { headers });
    for await (const event of streamEvents(events)) if (event.event === 'delta') break;
    await first.server.stop('SIGKILL');

    const second = await start();
    const run = await (await fetch(`${second.server.base}/api/v1/runs/${runId}`, { headers })).json();
    expect(run).toMatchObject({ status: 'failed', error: 'The server stopped while the run was running.' });
    // A follower replays what the first process stored, then learns why the run ended.
    const replayed = [];
    for await (const event of streamEvents(
      await fetch(`${second.server.base}/api/v1/runs/${runId}/events`, { headers }),
    )) {
      replayed.push(event);
    }
    expect(replayed.some((event) => event.event === 'delta')).toBe(true);
    expect(replayed.at(-1)).toMatchObject({
      event: 'error',
      data: { status: 500, detail: 'The server stopped while the run was running.', next: 'generate_poem' },
    });
    expect(replayed.map((event) => Number(event.id))).toEqual(replayed.map((_, index) => index + 1));
    const app = await second.chat.get('run-crashed');
    expect(app).toMatchObject({ sequence_id: 2, next: 'generate_poem' });
    await second.server.stop();
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const { server } = await start();
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});

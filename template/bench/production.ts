// The production build as it runs: `node dist/index.js` (npm run build first) against bare Hono in
// the same run. Resident memory idle and with 1,000 open SSE streams, and the time from spawning
// the process to its first 200 from /readyz (bare Hono: to its first answer).
//   npx tsx bench/production.ts
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { signDevToken } from '../src/auth/sign-token';

const project = join(import.meta.dirname, '..');
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long';
const STREAMS = 1000;
// Bare Hono as plain JavaScript on plain node, as the app's dist/index.js runs (no tsx in either).
const BARE_HONO = `
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
const bare = new Hono().get('/json', (c) => c.json({ ok: true }));
serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(JSON.stringify({ port: info.port })));
`;

/** Spawns a server that logs `"port":N … "msg":"listening"` (or prints {"port":N}) and resolves its port. */
function spawnServer(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { cwd: project, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port) resolve({ child, port: Number(port) });
    });
    child.once('exit', () => reject(new Error(`server exited:\n${output}`)));
  });
}

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function timeToAnswer(args: string[], env: NodeJS.ProcessEnv, path: string) {
  const started = performance.now();
  const { child, port } = await spawnServer(args, env);
  for (;;) {
    const answer = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
    if (answer?.status === 200) break;
  }
  return { child, port, ms: performance.now() - started };
}

async function openStreams(port: number, count: number) {
  const token = await signDevToken(SECRET, { sub: 'bench' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const base = `http://127.0.0.1:${port}/api/v1`;
  await fetch(`${base}/chatbot/apps`, { method: 'POST', headers, body: JSON.stringify({ app_id: 'bench' }) });
  // A slow scripted answer (SCRIPTED_DELAY_MS below) keeps the run, and so every follower, open.
  const run = await fetch(`${base}/chatbot/apps/bench/runs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ action: 'prompt', inputs: { prompt: 'write a poem' } }),
  });
  const { run_id: runId } = await run.json();
  const pool = new Agent({ connections: count + 10 });
  const streams = await Promise.all(
    Array.from({ length: count }, () =>
      request(`${base}/runs/${runId}/events`, { headers, dispatcher: pool }).then((response) => {
        response.body.on('data', () => {});
        // Destroying the pool at the end ends every body with an error: expected, not a failure.
        response.body.on('error', () => {});
        return response;
      }),
    ),
  );
  return { streams, close: () => pool.destroy() };
}

export async function benchProduction() {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: project, stdio: 'inherit' });
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    PORT: '0',
    JWT_SECRET: SECRET,
    DATABASE_URL: `file:${join(mkdtempSync(join(tmpdir(), 'switchyard-prod-')), 'app.db')}`,
    SCRIPTED_DELAY_MS: '60000',
    RATE_LIMIT_PER_MIN: '1000000',
    // One user holds every stream here, so the per-user cap (8 by default) is lifted past them.
    STREAMS_PER_USER: String(STREAMS + 10),
  };
  const bare = await timeToAnswer(['--input-type=module', '--eval', BARE_HONO], env, '/json');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const bareIdle = rssMiB(bare.child.pid as number);
  bare.child.kill();

  const app = await timeToAnswer(['dist/index.js'], env, '/readyz');
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = rssMiB(app.child.pid as number);
    const { streams, close } = await openStreams(app.port, STREAMS);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const withStreams = rssMiB(app.child.pid as number);
    const open = streams.filter((stream) => stream.statusCode === 200).length;
    await close();
    return { bareStartMs: bare.ms, appStartMs: app.ms, bareIdle, idle, withStreams, streams: open };
  } finally {
    app.child.kill();
  }
}

export function printProduction(r: Awaited<ReturnType<typeof benchProduction>>) {
  console.log('\n## Production build (node dist/index.js) against bare Hono (node), same run');
  console.log(
    `start to first 200: app /readyz ${r.appStartMs.toFixed(0)} ms, bare Hono ${r.bareStartMs.toFixed(0)} ms (${(r.appStartMs / r.bareStartMs).toFixed(2)}x)`,
  );
  console.log(`RSS idle: app ${r.idle.toFixed(1)} MiB (goal ≤ 110), bare Hono ${r.bareIdle.toFixed(1)} MiB`);
  console.log(`RSS with ${r.streams} open SSE streams: ${r.withStreams.toFixed(1)} MiB`);
}

if (process.argv[1] === import.meta.filename) printProduction(await benchProduction());

// The app as `npm start` runs it: the production build (`node --enable-source-maps dist/index.js`),
// on a temp SQLite file (or BENCH_DATABASE_URL, a Postgres database of your own), logging at info to
// a sink that keeps up, the scripted LLM at zero delay.
// METRICS_TOKEN is set so the bench can read the server's own event-loop delay from /metrics.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '../src/auth/sign-token';

const SECRET = 'bench-secret-that-is-at-least-32-bytes-long';
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

export interface BuiltServer {
  child: ChildProcess;
  url: string;
  token: string;
  apps: string[];
  /** The server's event-loop delay p99 in ms since the previous call (prom-client resets it on each scrape). */
  eventLoopP99: () => Promise<number>;
}

export interface BuiltServerOptions {
  /** A build made earlier (a folder holding index.js); without it, builds and runs dist/. */
  dir?: string;
  logLevel?: string;
  /** Pins the server to this CPU with taskset (Linux), so a load generator can keep to another. */
  cpu?: number;
}

export async function startBuiltServer(apps: number, options: BuiltServerOptions = {}): Promise<BuiltServer> {
  if (!options.dir) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const port = await freePort();
  const node = [process.execPath, '--enable-source-maps', join(options.dir ?? 'dist', 'index.js')];
  // taskset execs node, so the child's pid is the server's either way.
  const [command = '', ...args] =
    options.cpu === undefined ? node : ['taskset', '-c', String(options.cpu), ...node];
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: builtServerEnv(port, options.logLevel),
  });
  const url = `http://127.0.0.1:${port}`;
  await until(() => fetch(`${url}/healthz`).then((response) => response.ok));
  const token = await signDevToken(SECRET, { sub: 'bench', ttlSeconds: 3600 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const ids: string[] = [];
  // A database kept between runs (BENCH_DATABASE_URL) already holds the apps of earlier runs, which
  // would come back with their histories: each start makes its own.
  const run = Date.now().toString(36);
  for (let index = 0; index < apps; index++) {
    const body = JSON.stringify({ app_id: `bench-${run}-${index}` });
    const response = await fetch(`${url}/api/v1/chatbot/apps`, { method: 'POST', headers, body });
    ids.push(((await response.json()) as { app_id: string }).app_id);
  }
  const eventLoopP99 = async () => {
    const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const line = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(await response.text());
    return line ? Number(line[1]) * 1000 : Number.NaN;
  };
  return { child, url, token, apps: ids, eventLoopP99 };
}

/**
 * The environment the bench starts a built server with: a temp SQLite file, or the database of
 * BENCH_DATABASE_URL when set (`postgres://…`, to measure the Postgres path), limits out of the way.
 */
function builtServerEnv(port: number, logLevel = 'info'): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL:
      process.env.BENCH_DATABASE_URL ??
      `file:${join(mkdtempSync(join(tmpdir(), 'switchyard-bench-')), 'app.db')}`,
    JWT_SECRET: SECRET,
    LOG_LEVEL: logLevel,
    SCRIPTED_DELAY_MS: '0',
    RATE_LIMIT_PER_MIN: '100000000',
    METRICS_TOKEN,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function until(ready: () => Promise<boolean>) {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the built server did not answer /healthz within 10 s');
}

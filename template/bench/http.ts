// HTTP throughput and latency of the production build against bare Hono, same machine, same run.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { startBuiltServer } from './built-server';

interface Started {
  child: ChildProcess;
  port: number;
  token?: string;
  apps?: string[];
}

/** A bench server through tsx (bench/serve.ts): bare Hono, or the app in process with or without metrics. */
export function startServer(kind: 'bare' | 'app' | 'app-metrics'): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/serve.ts', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server ${kind} exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) =>
      resolve({ child, ...JSON.parse(line) }),
    );
  });
}

export interface LoadResult {
  name: string;
  connections: number;
  requestsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  /** The server's own event-loop delay p99 during the load, in ms (when the server reports it). */
  eventLoopP99?: number;
}

export async function load(name: string, options: autocannon.Options): Promise<LoadResult> {
  const connections = options.connections ?? 20;
  const result = await autocannon({
    duration: Number(process.env.BENCH_SECONDS ?? 8),
    ...options,
    connections,
  });
  return {
    name,
    connections,
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const CONNECTIONS = [20, 50];

/**
 * At 20 and 50 connections: bare Hono, GET an app (authenticated), POST a prompt (3 committed steps,
 * scripted LLM at zero delay), the app being `node dist/index.js` as `npm start` runs it.
 */
export async function benchHttp(): Promise<LoadResult[]> {
  const bare = await startServer('bare');
  // 500 conversations for each prompt load: when a load stops, autocannon leaves prompts in flight,
  // and an app whose run was cut between two steps waits for its next action (409 to a prompt).
  const app = await startBuiltServer(500 * CONNECTIONS.length);
  try {
    const headers = { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' };
    const results: LoadResult[] = [];
    // Reads the server's loop delay over exactly this load: the scrape before resets it.
    const measured = async (run: () => Promise<LoadResult>) => {
      await app.eventLoopP99();
      const result = await run();
      results.push({ ...result, eventLoopP99: await app.eventLoopP99() });
    };
    for (const [index, connections] of CONNECTIONS.entries()) {
      const conversations = app.apps.slice(index * 500, (index + 1) * 500);
      let turn = 0;
      results.push(
        await load('bare Hono GET /json', { url: `http://127.0.0.1:${bare.port}/json`, connections }),
      );
      await measured(() =>
        load('GET app (authenticated)', {
          url: `${app.url}/api/v1/chatbot/apps/${app.apps[0]}`,
          headers,
          connections,
        }),
      );
      await measured(() =>
        load('POST prompt (3 steps, scripted LLM)', {
          url: app.url,
          connections,
          // One conversation per request in turn, so concurrent requests never race on one app.
          requests: [
            {
              method: 'POST',
              headers,
              setupRequest: (request) => ({
                ...request,
                path: `/api/v1/chatbot/apps/${conversations[turn++ % conversations.length]}/actions/prompt`,
                body: JSON.stringify({ prompt: 'What is a switchyard?' }),
              }),
            },
          ],
        }),
      );
    }
    return results;
  } finally {
    bare.child.kill();
    app.child.kill();
  }
}

export function printHttp(results: LoadResult[]) {
  const database = process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL (Postgres)' : 'a temp SQLite file';
  console.log(`\nThe app on ${database}${process.env.REDIS_URL ? ', rate limits in REDIS_URL' : ''}.`);
  console.log(
    '\n| load | conns | req/s | × bare Hono | p50 ms | p99 ms | max ms | p99 / p50 | server loop delay p99 ms | errors / non-2xx |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  let baseline = 1;
  for (const r of results) {
    if (r.name.startsWith('bare')) baseline = r.requestsPerSec;
    const ratio = (r.requestsPerSec / baseline).toFixed(3);
    const spread = r.p50 > 0 ? (r.p99 / r.p50).toFixed(1) : '—';
    const loop = r.eventLoopP99 === undefined ? '—' : r.eventLoopP99.toFixed(1);
    console.log(
      `| ${r.name} | ${r.connections} | ${r.requestsPerSec} | ${ratio} | ${r.p50} | ${r.p99} | ${r.max} | ${spread} | ${loop} | ${r.errors} / ${r.non2xx} |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printHttp(await benchHttp());

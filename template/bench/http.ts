// HTTP throughput of the app against bare Hono, measured in the same run (npm run bench).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

interface Started {
  child: ChildProcess;
  port: number;
  token?: string;
  apps?: string[];
}

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
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(name: string, options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({
    connections: 20,
    duration: Number(process.env.BENCH_SECONDS ?? 8),
    ...options,
  });
  return {
    name,
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Bare Hono, GET an app (authenticated), POST a prompt (3 committed steps), each as req/s and latency. */
export async function benchHttp(): Promise<LoadResult[]> {
  const bare = await startServer('bare');
  const app = await startServer('app');
  try {
    const headers = { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' };
    const apps = app.apps ?? [];
    let turn = 0;
    const results = [await load('bare Hono GET /json', { url: `http://127.0.0.1:${bare.port}/json` })];
    results.push(
      await load('GET app (authenticated)', {
        url: `http://127.0.0.1:${app.port}/api/v1/chatbot/apps/${apps[0]}`,
        headers,
      }),
    );
    results.push(
      await load('POST prompt (3 steps, scripted LLM)', {
        url: `http://127.0.0.1:${app.port}`,
        // One conversation per request in turn, so concurrent requests never race on one app.
        requests: [
          {
            method: 'POST',
            headers,
            setupRequest: (request) => ({
              ...request,
              path: `/api/v1/chatbot/apps/${apps[turn++ % apps.length]}/actions/prompt`,
              body: JSON.stringify({ prompt: 'What is a switchyard?' }),
            }),
          },
        ],
      }),
    );
    return results;
  } finally {
    bare.child.kill();
    app.child.kill();
  }
}

export function printHttp(results: LoadResult[]) {
  const baseline = results[0]?.requestsPerSec ?? 1;
  console.log('\n| load | req/s | p50 ms | p99 ms | × bare Hono | errors / non-2xx |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.requestsPerSec} | ${r.p50} | ${r.p99} | ${(r.requestsPerSec / baseline).toFixed(2)} | ${r.errors} / ${r.non2xx} |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printHttp(await benchHttp());

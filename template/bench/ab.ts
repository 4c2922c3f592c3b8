// Two builds of the server, or more, compared on the same machine in alternating rounds: the
// server's own CPU per request, read from /proc, next to req/s and latency. The CPU a request costs
// depends far less than req/s on what the neighbours do, so a 5 % change shows in a few rounds.
// docs/benchmarks.md ("The hot path, fifth pass") gives figures it measured.
//
//   npm run build && cp -r dist /tmp/before     # on the commit before
//   npm run build && cp -r dist /tmp/after      # on the change
//   LOADS=read,prompt taskset -c 0 npx tsx bench/ab.ts 6 4 /tmp/before /tmp/after
//
// Arguments: rounds, seconds per load, then build directories (each holding index.js), run as
// `npm start` runs dist/index.js. `DIR:warn` runs a build at LOG_LEVEL=warn. Bare Hono (bench/serve.ts)
// is measured in every round as the baseline. Servers are pinned to CPU 1 with taskset (Linux only);
// start this with `taskset -c 0` so the load generator keeps to the other core.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { signDevToken } from '../src/auth/sign-token';
import { builtServerEnv, SECRET } from './built-server';

const [rounds = '6', seconds = '4', ...builds] = process.argv.slice(2);
const loads = (process.env.LOADS ?? 'read,prompt').split(',');
const connections = Number(process.env.CONNECTIONS ?? 50);

interface Server {
  name: string;
  child: ChildProcess;
  url: string;
  token: string;
  apps: string[];
}

/** utime + stime of a process, in clock ticks (10 ms on Linux). */
function cpuTicks(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

async function until(url: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within 20 s`);
}

async function startBare(): Promise<Server> {
  const child = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', 'bench/serve.ts', 'bare'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve),
  );
  const { port } = JSON.parse(line) as { port: number };
  return { name: 'bare Hono', child, url: `http://127.0.0.1:${port}`, token: '', apps: [] };
}

async function startBuild(name: string, port: number): Promise<Server> {
  const [dir = name, logLevel = 'info'] = name.split(':');
  // taskset execs node, so the child's pid is the server's.
  const child = spawn(
    'taskset',
    ['-c', '1', process.execPath, '--enable-source-maps', join(dir, 'index.js')],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: builtServerEnv(port, logLevel),
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await until(`${url}/healthz`);
  const token = await signDevToken(SECRET, { sub: 'bench', ttlSeconds: 3600 });
  const apps: string[] = [];
  for (let index = 0; index < 500; index++) {
    const response = await fetch(`${url}/api/v1/chatbot/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: `ab-${index}` }),
    });
    apps.push(((await response.json()) as { app_id: string }).app_id);
  }
  return { name, child, url, token, apps };
}

/** The load: GET one app (or bare Hono's /json), or prompts to the 500 apps in turn. */
function options(server: Server, load: string): autocannon.Options {
  if (server.apps.length === 0) return { url: `${server.url}/json` };
  const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  if (load === 'read') return { url: `${server.url}/api/v1/chatbot/apps/${server.apps[0]}`, headers };
  let turn = 0;
  const path = () => `/api/v1/chatbot/apps/${server.apps[turn++ % server.apps.length]}/actions/prompt`;
  const body = JSON.stringify({ prompt: 'What is a switchyard?' });
  return {
    url: server.url,
    requests: [{ method: 'POST', headers, setupRequest: (request) => ({ ...request, path: path(), body }) }],
  };
}

async function measure(server: Server, load: string) {
  const pid = server.child.pid as number;
  const before = cpuTicks(pid);
  const result = await autocannon({ ...options(server, load), connections, duration: Number(seconds) });
  const microseconds = ((cpuTicks(pid) - before) * 10_000) / result.requests.total;
  return { microseconds, result };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const bare = await startBare();
const servers: Server[] = [];
for (const [index, name] of builds.entries()) servers.push(await startBuild(name, 41_000 + index));
try {
  for (const load of loads) {
    const cpu = new Map<string, number[]>();
    for (let round = 0; round < Number(rounds); round++) {
      const cells: string[] = [];
      for (const server of load === 'read' ? [bare, ...servers] : servers) {
        const { microseconds, result } = await measure(server, load);
        cpu.set(server.name, [...(cpu.get(server.name) ?? []), microseconds]);
        const { p50, p99, max } = result.latency;
        const failed = result.non2xx + result.errors;
        cells.push(
          `${server.name} ${microseconds.toFixed(1)} µs, ${Math.round(result.requests.average)} req/s, p50/p99/max ${p50}/${p99}/${max} ms${failed ? `, ${failed} FAILED` : ''}`,
        );
      }
      console.log(`${load} round ${round + 1}: ${cells.join(' | ')}`);
    }
    const first = cpu.get(servers[0]?.name ?? '') ?? [];
    for (const server of servers) {
      const mine = cpu.get(server.name) ?? [];
      const line = [`${load} ${server.name}: median ${median(mine).toFixed(1)} µs a request`];
      const bareCpu = cpu.get(bare.name);
      if (bareCpu)
        line.push(
          `${median(mine.map((value, round) => value / (bareCpu[round] ?? NaN))).toFixed(2)}× bare Hono's`,
        );
      if (server !== servers[0]) {
        const ratios = mine.map((value, round) => value / (first[round] ?? NaN));
        const lower = ratios.filter((ratio) => ratio < 1).length;
        line.push(
          `${median(ratios).toFixed(3)}× ${servers[0]?.name} (lower in ${lower} of ${ratios.length} rounds)`,
        );
      }
      console.log(line.join(', '));
    }
  }
} finally {
  for (const server of [bare, ...servers]) server.child.kill();
}

// Two builds of the server, or more, compared on the same machine in alternating rounds: the
// server's own CPU per request, read from /proc, next to req/s and latency. The CPU a request costs
// depends far less than req/s on what the neighbours do, so a 5 % change shows in a few rounds.
// docs/benchmarks.md ("The hot path, fifth pass") gives figures it measured.
//
//   npm run build && mkdir -p ab/before && cp -r dist ab/before/    # on the commit before
//   npm run build && mkdir -p ab/after && cp -r dist ab/after/      # on the change
//   LOADS=read,prompt taskset -c 0 npx tsx bench/ab.ts 6 4 ab/before/dist ab/after/dist
//
// The copies stay inside the project, so the builds find node_modules (the build leaves its
// dependencies external), and in folders named dist, which git and biome ignore.
// Arguments: rounds, seconds per load, then build directories (each holding index.js), run as
// `npm start` runs dist/index.js. `DIR:warn` runs a build at LOG_LEVEL=warn. Bare Hono (bench/serve.ts)
// is measured in every round as the baseline. Servers are pinned to CPU 1 with taskset (Linux only);
// start this with `taskset -c 0` so the load generator keeps to the other core.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { startBuiltServer } from './built-server';

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

async function startBuild(name: string): Promise<Server> {
  const [dir = name, logLevel = 'info'] = name.split(':');
  return { name, ...(await startBuiltServer(APPS_A_ROUND * Number(rounds), { dir, logLevel, cpu: 1 })) };
}

/**
 * Each round prompts apps of its own: when a load stops, autocannon leaves prompts in flight, and an
 * app whose run was cut between two steps answers its next prompt with 409.
 */
const APPS_A_ROUND = 500;

/** The load: GET one app (or bare Hono's /json), or prompts to the round's 500 apps in turn. */
function options(server: Server, load: string, round: number): autocannon.Options {
  if (server.apps.length === 0) return { url: `${server.url}/json` };
  const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  if (load === 'read') return { url: `${server.url}/api/v1/chatbot/apps/${server.apps[0]}`, headers };
  const apps = server.apps.slice(round * APPS_A_ROUND, (round + 1) * APPS_A_ROUND);
  let turn = 0;
  const path = () => `/api/v1/chatbot/apps/${apps[turn++ % apps.length]}/actions/prompt`;
  const body = JSON.stringify({ prompt: 'What is a switchyard?' });
  return {
    url: server.url,
    requests: [{ method: 'POST', headers, setupRequest: (request) => ({ ...request, path: path(), body }) }],
  };
}

async function measure(server: Server, load: string, round: number) {
  const pid = server.child.pid as number;
  const before = cpuTicks(pid);
  const result = await autocannon({
    ...options(server, load, round),
    connections,
    duration: Number(seconds),
  });
  const microseconds = ((cpuTicks(pid) - before) * 10_000) / result.requests.total;
  return { microseconds, result };
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2
    : (sorted[Math.floor(middle)] ?? NaN);
}

const started: Server[] = [];
const servers: Server[] = [];
try {
  // Inside the try: a build that fails to start must not leave the others running.
  const bare = await startBare();
  started.push(bare);
  for (const name of builds) {
    const server = await startBuild(name);
    started.push(server);
    servers.push(server);
  }
  for (const load of loads) {
    const cpu = new Map<string, number[]>();
    for (let round = 0; round < Number(rounds); round++) {
      const cells: string[] = [];
      for (const server of load === 'read' ? [bare, ...servers] : servers) {
        const { microseconds, result } = await measure(server, load, round);
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
  for (const server of started) server.child.kill();
}

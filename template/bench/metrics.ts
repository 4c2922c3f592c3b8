// The cost of metrics on the authenticated GET: the app without METRICS_TOKEN (nothing counted) and
// with it (every request timed by route, token cache counted), in one run, in turns A B A B so a
// slower moment of the machine falls on both. Goal (issue 17): at most 5 % fewer requests per second.
// On a shared machine req/s moves by more than 5 % between turns, so each turn also reads the
// server's own CPU time (/proc/<pid>/stat) per request: what counting adds to a request's work,
// whatever share of the cores the server got.
import { readFileSync } from 'node:fs';
import { type LoadResult, load, startServer } from './http';

/** The process's user + system CPU time so far, in ms (Linux: /proc/<pid>/stat, in clock ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After the command name: utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

export async function benchMetrics() {
  const plain = await startServer('app');
  const counted = await startServer('app-metrics');
  const results: Record<'plain' | 'counted', LoadResult[]> = { plain: [], counted: [] };
  const cpuPerRequest: Record<'plain' | 'counted', number[]> = { plain: [], counted: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, server] of [
        ['plain', plain],
        ['counted', counted],
      ] as const) {
        const cpuBefore = cpuMs(server.child.pid as number);
        const turn = await load(`GET app, ${name}`, {
          url: `http://127.0.0.1:${server.port}/api/v1/chatbot/apps/${server.apps?.[0]}`,
          headers: { authorization: `Bearer ${server.token}` },
        });
        results[name].push(turn);
        const served = turn.requestsPerSec * Number(process.env.BENCH_SECONDS ?? 8);
        cpuPerRequest[name].push(((cpuMs(server.child.pid as number) - cpuBefore) * 1000) / served);
      }
    }
  } finally {
    plain.child.kill();
    counted.child.kill();
  }
  const mean = (rows: LoadResult[]) => rows.reduce((sum, row) => sum + row.requestsPerSec, 0) / rows.length;
  const meanOf = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    plain: mean(results.plain),
    counted: mean(results.counted),
    cpuUsPlain: meanOf(cpuPerRequest.plain),
    cpuUsCounted: meanOf(cpuPerRequest.counted),
    rounds: results,
  };
}

export function printMetrics(result: Awaited<ReturnType<typeof benchMetrics>>) {
  console.log('\n| GET app (authenticated) | req/s (mean of turns) | × without metrics |');
  console.log('|---|---|---|');
  console.log(`| without METRICS_TOKEN | ${Math.round(result.plain)} | 1.00 |`);
  console.log(
    `| with METRICS_TOKEN | ${Math.round(result.counted)} | ${(result.counted / result.plain).toFixed(3)} |`,
  );
  console.log(
    `server CPU per request: ${result.cpuUsPlain.toFixed(0)} µs without, ${result.cpuUsCounted.toFixed(0)} µs with (${(result.cpuUsCounted / result.cpuUsPlain).toFixed(3)}×; the cost of counting whatever share of the cores the server got)`,
  );
  const turns = result.rounds.plain.map(
    (plain, round) => `${plain.requestsPerSec} / ${result.rounds.counted[round]?.requestsPerSec}`,
  );
  console.log(`turns (without / with): ${turns.join(', ')}`);
  const errors = Object.values(result.rounds)
    .flat()
    .reduce((sum, row) => sum + row.errors + row.non2xx, 0);
  console.log(`errors / non-2xx over all turns: ${errors}`);
}

if (import.meta.url === `file://${process.argv[1]}`) printMetrics(await benchMetrics());

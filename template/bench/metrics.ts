// The cost of metrics on the authenticated GET: the app without METRICS_TOKEN (nothing counted) and
// with it (every request timed by route, token cache counted), in one run, in turns A B A B so a
// slower moment of the machine falls on both. Goal (issue 17): at most 5 % fewer requests per second.
import { type LoadResult, load, startServer } from './http';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

export async function benchMetrics() {
  const plain = await startServer('app');
  const counted = await startServer('app-metrics');
  const results: Record<'plain' | 'counted', LoadResult[]> = { plain: [], counted: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, server] of [
        ['plain', plain],
        ['counted', counted],
      ] as const) {
        results[name].push(
          await load(`GET app, ${name}`, {
            url: `http://127.0.0.1:${server.port}/api/v1/chatbot/apps/${server.apps?.[0]}`,
            headers: { authorization: `Bearer ${server.token}` },
          }),
        );
      }
    }
  } finally {
    plain.child.kill();
    counted.child.kill();
  }
  const mean = (rows: LoadResult[]) => rows.reduce((sum, row) => sum + row.requestsPerSec, 0) / rows.length;
  return { plain: mean(results.plain), counted: mean(results.counted), rounds: results };
}

export function printMetrics(result: Awaited<ReturnType<typeof benchMetrics>>) {
  console.log('\n| GET app (authenticated) | req/s (mean of turns) | × without metrics |');
  console.log('|---|---|---|');
  console.log(`| without METRICS_TOKEN | ${Math.round(result.plain)} | 1.00 |`);
  console.log(
    `| with METRICS_TOKEN | ${Math.round(result.counted)} | ${(result.counted / result.plain).toFixed(3)} |`,
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

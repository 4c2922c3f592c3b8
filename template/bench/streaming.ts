// Streaming throughput against raw node:http in the same run, and memory with many open streams.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

function start(args: string[]): Promise<{ child: ChildProcess; port: number; token?: string; pid?: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/stream-server.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stream server exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) =>
      resolve({ child, ...JSON.parse(line) }),
    );
  });
}

/** Reads a whole SSE response and counts its delta frames. */
async function countDeltas(response: Response): Promise<number> {
  const decoder = new TextDecoder();
  let count = 0;
  let tail = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const text = tail + decoder.decode(chunk, { stream: true });
    const parts = text.split('event: delta\n');
    count += parts.length - 1;
    tail = parts.at(-1)?.slice(-12) ?? '';
  }
  return count;
}

export interface StreamingResult {
  rawDeltasPerSec: number;
  graphDeltasPerSec: number;
  openStreams: number;
  openStreamErrors: number;
  rssMbIdle: number;
  rssMbWithStreams: number;
}

async function deltasPerSecond(kind: 'raw' | 'graph', deltas: number): Promise<number> {
  const server = await start([kind, String(deltas)]);
  try {
    let best = 0;
    for (let round = 0; round < 3; round++) {
      const url =
        kind === 'raw'
          ? `http://127.0.0.1:${server.port}/`
          : `http://127.0.0.1:${server.port}/apps/s${round}/actions/talk/stream`;
      const started = performance.now();
      const response = await fetch(url, {
        method: kind === 'raw' ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: kind === 'raw' ? undefined : '{}',
      });
      const seen = await countDeltas(response);
      if (seen !== deltas) throw new Error(`${kind}: expected ${deltas} deltas, got ${seen}`);
      best = Math.max(best, deltas / ((performance.now() - started) / 1000));
    }
    return Math.round(best);
  } finally {
    server.child.kill();
  }
}

const rssMb = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Math.round(Number(line?.[1] ?? 0) / 1024);
};

/** Opens `streams` chat streams at once (the scripted LLM answering slowly) and reads the server's RSS. */
async function manyOpenStreams(streams: number) {
  const server = await start(['app']);
  const pid = server.pid as number;
  const base = `http://127.0.0.1:${server.port}/api/v1/chatbot`;
  const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  try {
    for (let index = 0; index < streams; index++) {
      await fetch(`${base}/apps`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ app_id: `open-${index}` }),
      });
    }
    const rssIdle = rssMb(pid);
    const controller = new AbortController();
    let open = 0;
    let errors = 0;
    const opened = Array.from({ length: streams }, async (_, index) => {
      try {
        const response = await fetch(`${base}/apps/open-${index}/actions/prompt/stream`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ prompt: 'write a poem that takes its time' }),
          signal: controller.signal,
        });
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const first = await reader.read(); // the `state` event: the stream is open
        if (response.ok && !first.done) open++;
        else errors++;
        await reader.read().catch(() => {});
      } catch {
        if (!controller.signal.aborted) errors++;
      }
    });
    for (let waited = 0; open + errors < streams && waited < 60_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rssWithStreams = rssMb(pid);
    controller.abort();
    await Promise.allSettled(opened);
    return { open, errors, rssIdle, rssWithStreams };
  } finally {
    server.child.kill();
  }
}

export async function benchStreaming(): Promise<StreamingResult> {
  const deltas = Number(process.env.BENCH_DELTAS ?? 50_000);
  const rawDeltasPerSec = await deltasPerSecond('raw', deltas);
  const graphDeltasPerSec = await deltasPerSecond('graph', deltas);
  const streams = await manyOpenStreams(Number(process.env.BENCH_STREAMS ?? 1000));
  return {
    rawDeltasPerSec,
    graphDeltasPerSec,
    openStreams: streams.open,
    openStreamErrors: streams.errors,
    rssMbIdle: streams.rssIdle,
    rssMbWithStreams: streams.rssWithStreams,
  };
}

export function printStreaming(result: StreamingResult) {
  console.log('\n| streaming | value |');
  console.log('|---|---|');
  console.log(`| raw node:http SSE, deltas/s | ${result.rawDeltasPerSec} |`);
  console.log(
    `| streaming action over mountGraph SSE, deltas/s | ${result.graphDeltasPerSec} (${(result.graphDeltasPerSec / result.rawDeltasPerSec).toFixed(2)}× raw) |`,
  );
  console.log(`| open chat streams at once | ${result.openStreams} (errors: ${result.openStreamErrors}) |`);
  console.log(
    `| server RSS idle → with those streams open | ${result.rssMbIdle} MB → ${result.rssMbWithStreams} MB |`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printStreaming(await benchStreaming());

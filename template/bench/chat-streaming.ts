// The AI SDK chat route against our own stream route, in the same run and the same server: deltas
// per second of one turn each way (the chat route runs it as a background run whose every event
// is stored; the POST's stream takes them from the worker as they come), and the time a resume
// takes to its first chunk.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

function start(deltas: number): Promise<{ child: ChildProcess; base: string; token: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chat-server.ts', String(deltas)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`chat server exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      const { port, token } = JSON.parse(line);
      resolve({ child, base: `http://127.0.0.1:${port}/api/v1/chatbot`, token });
    });
  });
}

/** Reads a whole response and counts the occurrences of `marker` (one per delta frame). */
async function count(response: Response, marker: string): Promise<number> {
  const decoder = new TextDecoder();
  let seen = 0;
  let tail = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const text = tail + decoder.decode(chunk, { stream: true });
    const parts = text.split(marker);
    seen += parts.length - 1;
    tail = parts.at(-1)?.slice(-marker.length) ?? '';
  }
  return seen;
}

const message = (text: string) => ({
  id: `u-${Math.random()}`,
  role: 'user',
  parts: [{ type: 'text', text }],
});
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** The best deltas/s of each route over some rounds. */
interface Best {
  stream: number;
  chat: number;
}

export interface ChatStreamingResult {
  deltas: number;
  rounds: number;
  /** The first COLD_ROUNDS rounds: mostly the JIT warming up, as a server's first turns are. */
  cold: Best;
  /** The rounds after those: a server that has answered a few turns. */
  warm: Best;
  resumeFirstChunkMs: number;
}

const COLD_ROUNDS = 3;

export async function benchChatStreaming(): Promise<ChatStreamingResult> {
  const deltas = Number(process.env.BENCH_CHAT_DELTAS ?? 5_000);
  const server = await start(deltas);
  const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${server.base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
  const timed = async (marker: string, respond: () => Promise<Response>) => {
    const started = performance.now();
    const seen = await count(await respond(), marker);
    if (seen !== deltas) throw new Error(`expected ${deltas} deltas, got ${seen} (${marker})`);
    return deltas / ((performance.now() - started) / 1000);
  };
  try {
    const cold: Best = { stream: 0, chat: 0 };
    const warm: Best = { stream: 0, chat: 0 };
    // Alternating rounds, best of each, so neither route gets the warmer process. The first three
    // are mostly the JIT's warm-up (each round faster than the last), and the chat route has more
    // code to warm up; they are reported apart from the rounds after them.
    const rounds = Math.max(COLD_ROUNDS + 1, Number(process.env.BENCH_CHAT_ROUNDS ?? 8));
    for (let round = 0; round < rounds; round++) {
      const best = round < COLD_ROUNDS ? cold : warm;
      await post('/apps', { app_id: `s${round}` });
      best.stream = Math.max(
        best.stream,
        await timed('event: delta\n', () =>
          post(`/apps/s${round}/actions/prompt/stream`, { prompt: 'Why?' }),
        ),
      );
      best.chat = Math.max(
        best.chat,
        await timed('"type":"text-delta"', () =>
          post('/chat', { id: `c${round}`, messages: [message('Why?')], trigger: 'submit-message' }),
        ),
      );
    }
    const resumes: number[] = [];
    for (let round = 0; round < 5; round++) {
      const left = new AbortController();
      const first = await post('/chat', { id: `r${round}`, messages: [message('Why?')] }, left.signal);
      await (first.body as ReadableStream<Uint8Array>).getReader().read();
      left.abort();
      const started = performance.now();
      const resumed = await fetch(`${server.base}/chat/r${round}/stream`, { headers });
      if (resumed.status !== 200) throw new Error(`resume answered ${resumed.status}: the turn ended first`);
      const reader = (resumed.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      resumes.push(performance.now() - started);
      await reader.cancel();
      // Let the turn finish before the next one: the next chat waits for no one.
      await count(await fetch(`${server.base}/chat/r${round}/stream`, { headers }), 'text-delta');
    }
    return {
      deltas,
      rounds,
      cold: { stream: Math.round(cold.stream), chat: Math.round(cold.chat) },
      warm: { stream: Math.round(warm.stream), chat: Math.round(warm.chat) },
      resumeFirstChunkMs: Number(median(resumes).toFixed(1)),
    };
  } finally {
    server.child.kill();
  }
}

export function printChatStreaming(result: ChatStreamingResult) {
  const ratio = (best: Best) => (best.chat / best.stream).toFixed(2);
  console.log(
    `\n| chat streaming (${result.deltas} deltas a turn, SQLite, best of each) | rounds 1–${COLD_ROUNDS} (cold) | rounds ${COLD_ROUNDS + 1}–${result.rounds} (warm) |`,
  );
  console.log('|---|---|---|');
  console.log(
    `| stream route (POST …/actions/prompt/stream), deltas/s | ${result.cold.stream} | ${result.warm.stream} |`,
  );
  console.log(
    `| AI SDK chat route (POST …/chat, a stored background run), deltas/s | ${result.cold.chat} (${ratio(result.cold)}×) | ${result.warm.chat} (${ratio(result.warm)}× the stream route) |`,
  );
  console.log(
    `| resume: GET …/chat/{id}/stream → first chunk, median of 5 | ${result.resumeFirstChunkMs} ms | |`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printChatStreaming(await benchChatStreaming());

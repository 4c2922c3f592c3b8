// RSS of the server while clients follow a run's 10 MB event log and do not read (npm run bench).
// Each figure is against the same server's idle RSS, measured in the same run: readers that stop
// reading should cost a page of events each, not the log.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import { WebSocket } from 'ws';

const READERS = 20;
const SETTLE_MS = 3_000;

interface Server {
  child: ChildProcess;
  lines: Interface;
  port: number;
  token: string;
  runId: string;
}

function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/stalled-server.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stalled-server exited with ${code}`)));
    lines.once('line', (line) => resolve({ child, lines, ...JSON.parse(line) }));
  });
}

/** The server's RSS in MB, after a garbage collection. */
function rssOf(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.lines.once('line', (line) => resolve(JSON.parse(line).rss / 2 ** 20));
    server.child.stdin?.write('rss\n');
  });
}

/** An SSE follower that sends its request and never reads a byte. */
async function stalledSse(server: Server): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  socket.write(
    `GET /api/v1/runs/${server.runId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.token}\r\n\r\n`,
  );
  return socket;
}

/** A WebSocket follower that pauses as soon as it is open. */
async function stalledWebSocket(server: Server): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/runs/${server.runId}/ws`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.pause();
  return ws;
}

export interface StalledReadersResult {
  idleMb: number;
  sseMb: number;
  webSocketMb: number;
}

/** One server's idle RSS and its RSS with READERS stalled followers of one kind. */
async function measure(open: (server: Server) => Promise<{ destroy?: () => void; terminate?: () => void }>) {
  const server = await startServer();
  try {
    const idle = await rssOf(server);
    const readers = await Promise.all(Array.from({ length: READERS }, () => open(server)));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const stalled = await rssOf(server);
    for (const reader of readers) reader.destroy?.() ?? reader.terminate?.();
    return { idle, stalled };
  } finally {
    server.child.kill();
  }
}

/** A fresh server for each kind of follower, so one kind's freed memory does not count for the other. */
export async function benchStalledReaders(): Promise<StalledReadersResult> {
  const sse = await measure(stalledSse);
  const ws = await measure(stalledWebSocket);
  // Reported against the first server's idle RSS; each row's own idle is within a few MB of it.
  const idleMb = sse.idle;
  return { idleMb, sseMb: sse.stalled, webSocketMb: ws.stalled - ws.idle + idleMb };
}

export function printStalledReaders(result: StalledReadersResult) {
  const row = (name: string, mb: number) =>
    `| ${name} | ${mb.toFixed(1)} | +${(mb - result.idleMb).toFixed(1)} | ${(mb / result.idleMb).toFixed(2)}× |`;
  console.log(`\n## ${READERS} readers that stop reading a 10 MB event log (server RSS, MB)\n`);
  console.log('| server | RSS | over idle | ratio to idle |\n|---|---|---|---|');
  console.log(`| idle | ${result.idleMb.toFixed(1)} | | 1.00× |`);
  console.log(row(`${READERS} stalled SSE followers`, result.sseMb));
  console.log(row(`${READERS} stalled WebSocket followers`, result.webSocketMb));
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { streamEvents } from '../../src/client/sse';

/** A Response whose body arrives in exactly these chunks. */
function responseOf(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

async function collect(response: Response) {
  const events = [];
  for await (const event of streamEvents(response)) events.push(event);
  return events;
}

describe('streamEvents', () => {
  it('joins an event split across chunks, even inside a UTF-8 character', async () => {
    const frame = 'event: delta\nid: 1\ndata: {"text":"héllo"}\n\n';
    const bytes = new TextEncoder().encode(frame);
    const cut = frame.indexOf('é') + 1; // in the middle of the two bytes of "é"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    expect(await collect(new Response(body))).toEqual([{ event: 'delta', id: '1', data: { text: 'héllo' } }]);
  });

  it('splits several events from one chunk and skips comments', async () => {
    const events = await collect(
      responseOf(['event: action\nid: 1\ndata: {"a":1}\n\n: ping\n\nevent: step\nid: 2\ndata: {"b":2}\n\n']),
    );
    expect(events.map((event) => [event.event, event.id])).toEqual([
      ['action', '1'],
      ['step', '2'],
    ]);
  });

  it('joins multi-line data with newlines', async () => {
    const events = await collect(responseOf(['event: done\ndata: {"text":\ndata: "two lines"}\n\n']));
    expect(events).toEqual([{ event: 'done', id: undefined, data: { text: 'two lines' } }]);
  });
});

describe('streamEvents over a real connection', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('closes the connection when the caller aborts', async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((resolve) => {
      serverSawClose = resolve;
    });
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      let id = 0;
      const timer = setInterval(() => response.write(`event: delta\nid: ${++id}\ndata: {"n":${id}}\n\n`), 5);
      response.on('close', () => {
        clearInterval(timer);
        serverSawClose();
      });
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    const { port } = server.address() as AddressInfo;

    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
    const seen: number[] = [];
    await expect(async () => {
      for await (const event of streamEvents<{ n: number }>(response)) {
        seen.push(event.data.n);
        if (seen.length === 3) controller.abort();
      }
    }).rejects.toThrow(/abort/i);
    expect(seen).toEqual([1, 2, 3]);
    await closed;
  });
});

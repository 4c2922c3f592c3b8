import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with the next chat completion request. */
export type Behaviour =
  | { kind: 'stream'; tokens: string[]; delayMs?: number; failAfter?: number }
  | { kind: 'status'; status: number }
  | { kind: 'text'; text: string; delayMs?: number };

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 (POST /v1/chat/completions, streaming and not),
 * scripted per request, recording what it saw, including when a client closed the connection.
 */
export async function startOpenAiServer() {
  const queue: Behaviour[] = [];
  const requests: { body: Record<string, unknown>; authorization?: string; closedEarly: boolean }[] = [];
  const server = createServer(async (request, response) => {
    const body = JSON.parse(await read(request));
    const record = { body, authorization: request.headers.authorization, closedEarly: false };
    requests.push(record);
    response.on('close', () => {
      if (!response.writableFinished) record.closedEarly = true;
    });
    const behaviour = queue.shift() ?? { kind: 'text', text: 'answer_question' };
    if (behaviour.kind === 'status') {
      response.writeHead(behaviour.status, { 'content-type': 'application/json' });
      return response.end(
        JSON.stringify({ error: { message: `status ${behaviour.status}`, type: 'server_error' } }),
      );
    }
    if (behaviour.kind === 'text' || !body.stream) {
      const text = behaviour.kind === 'text' ? behaviour.text : behaviour.tokens.join('');
      if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify(completion(text)));
    }
    await stream(response, behaviour);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    next: (...behaviours: Behaviour[]) => queue.push(...behaviours),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function stream(response: ServerResponse, behaviour: Extract<Behaviour, { kind: 'stream' }>) {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'test', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  response.write(chunk({ role: 'assistant', content: '' }));
  for (const [index, token] of behaviour.tokens.entries()) {
    if (response.destroyed) return;
    if (behaviour.failAfter === index) {
      // Let what was written reach the client, then the connection dies mid-answer.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return response.destroy();
    }
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    response.write(chunk({ content: token }));
  }
  response.write(chunk({}, 'stop'));
  response.end('data: [DONE]\n\n');
}

const completion = (text: string) => ({
  id: 'c1',
  object: 'chat.completion',
  created: 0,
  model: 'test',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    request.on('data', (chunk) => {
      data += chunk;
    });
    request.on('end', () => resolve(data));
  });
}

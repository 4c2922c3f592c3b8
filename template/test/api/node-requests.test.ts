// Over node:http, request bodies are read from the Node request and the client-left signal comes
// from the Node response (src/api/middleware/node-body.ts, src/api/problems.ts), not from the full
// undici Request: every answer must stay what it was through Hono's own reads.
import { request as httpRequest } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, LlmProvider, Mode } from '../../src/chatbot/llm/provider';
import { scriptedProvider } from '../../src/chatbot/llm/scripted';
import type { RunningServer } from '../../src/lib/serve';
import { createTestApp, serveOnLoopback } from '../helpers/test-app';

/** The scripted provider, a word every 20 ms, recording whether its answer saw the abort. */
function watchedProvider() {
  const inner = scriptedProvider({ delayMs: 20 });
  const seen = { started: false, aborted: false, finished: false };
  const llm: LlmProvider = {
    name: 'watched',
    classify: (prompt, options) => inner.classify(prompt, options),
    async *streamText(messages: ChatMessage[], options: { signal: AbortSignal; mode: Mode }) {
      seen.started = true;
      options.signal.addEventListener('abort', () => {
        seen.aborted = true;
      });
      yield* inner.streamText(messages, options);
      seen.finished = true;
    },
  };
  return { llm, seen };
}

const provider = watchedProvider();
let testApp: Awaited<ReturnType<typeof createTestApp>>;
let server: RunningServer;
let authorization: string;
/** The server's log lines, parsed. */
const logs: { level: number; msg: string; path?: string; status?: number }[] = [];

/** A raw HTTP/1.1 request, so the test decides the framing (Content-Length or chunked). */
function send(path: string, body: Buffer, framing: 'length' | 'chunked') {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/json',
          ...(framing === 'length' ? { 'content-length': body.length } : { 'transfer-encoding': 'chunked' }),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    if (framing === 'chunked') {
      // Two chunks, so the body really arrives in pieces.
      request.write(body.subarray(0, 5));
      request.end(body.subarray(5));
    } else request.end(body);
  });
}

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  testApp = await createTestApp({ llm: provider.llm, logger, env: { BODY_LIMIT: '4096' } });
  server = await serveOnLoopback(testApp);
  authorization = `Bearer ${await testApp.token('node-caller')}`;
});
afterAll(async () => {
  await server.shutdown();
  await testApp.close();
});

describe('JSON bodies over node:http', () => {
  // First: a process's very first body once arrived empty (a web stream had started to read it).
  it("reads the server's first request body, with a Content-Length and chunked", async () => {
    const first = await send('/api/v1/chatbot/apps', Buffer.from('{"app_id":"node-first"}'), 'length');
    expect(first).toMatchObject({ status: 201 });
    expect(JSON.parse(first.body)).toMatchObject({ app_id: 'node-first' });
    const chunked = await send('/api/v1/chatbot/apps', Buffer.from('{"app_id":"node-chunked"}'), 'chunked');
    expect(chunked.status).toBe(201);
    expect(JSON.parse(chunked.body)).toMatchObject({ app_id: 'node-chunked' });
  });

  it('drops a leading BOM and keeps UTF-8 text whole, as Request.json() does', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"app_id":"node-bom"}')]);
    expect((await send('/api/v1/chatbot/apps', body, 'length')).status).toBe(201);
    const prompt = 'Grüße, 世界 🚂';
    const answered = await send(
      '/api/v1/chatbot/apps/node-bom/actions/prompt',
      Buffer.from(JSON.stringify({ prompt })),
      'length',
    );
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body).state.chat_history[0]).toMatchObject({ role: 'user', content: prompt });
  });

  it('answers malformed JSON 400, unstorable text 422, and a body over BODY_LIMIT 413, either framing', async () => {
    for (const framing of ['length', 'chunked'] as const) {
      const malformed = await send('/api/v1/chatbot/apps', Buffer.from('{"app_id":'), framing);
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.body).detail).toMatch(/malformed json/i);
      const nul = await send('/api/v1/chatbot/apps', Buffer.from('{"app_id":"a\\u0000b"}'), framing);
      expect(nul.status).toBe(422);
      const large = await send(
        '/api/v1/chatbot/apps',
        Buffer.from(JSON.stringify({ app_id: 'x'.repeat(5000) })),
        framing,
      );
      expect(large.status).toBe(413);
    }
  });
});

describe('a client that leaves a POST action mid-answer', () => {
  /** Creates the app, prompts it and leaves once the model has started answering. */
  async function leaveMidAnswer(appId: string) {
    await send('/api/v1/chatbot/apps', Buffer.from(JSON.stringify({ app_id: appId })), 'length');
    Object.assign(provider.seen, { started: false, aborted: false, finished: false });
    const path = `/api/v1/chatbot/apps/${appId}/actions/prompt`;
    const leaving = new AbortController();
    const answered = fetch(`http://127.0.0.1:${server.port}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'write a long poem about leaving early' }),
      signal: leaving.signal,
    });
    await expect.poll(() => provider.seen.started, { timeout: 5_000 }).toBe(true);
    leaving.abort();
    await expect(answered).rejects.toThrow(/abort/i);
    return path;
  }

  it('aborts the model call (the signal comes from the Node response)', async () => {
    await leaveMidAnswer('node-leaver');
    await expect.poll(() => provider.seen.aborted, { timeout: 5_000 }).toBe(true);
    expect(provider.seen.finished).toBe(false);
  });

  it('logs the request as 499 (the client closed it), not as an error of ours', async () => {
    const path = await leaveMidAnswer('node-leaver-logged');
    const line = () => logs.find((entry) => entry.msg === 'request' && entry.path === path);
    await expect.poll(line, { timeout: 5_000 }).toMatchObject({ status: 499 });
    expect(logs.filter((entry) => entry.level >= 50)).toEqual([]);
  });
});

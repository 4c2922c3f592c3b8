// The chat routes' access rules and refusals, in-process: owner, another user (404, as for a chat
// that does not exist), a reader by grant (403 on changes), an admin, and anonymous (401); bad
// bodies are problems and write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app';
import { userMessage } from './chat-helpers';

let testApp: Awaited<ReturnType<typeof createTestApp>>;

beforeAll(async () => {
  testApp = await createTestApp();
  await testApp.runWorker.start();
  // alice's chat, with one finished turn; carol may read it.
  const firstTurn = await post('/chatbot/chat', chatBody('alice-chat', 'Hi?'), 'alice');
  expect(firstTurn.status).toBe(200);
  // The POST's stream ends with the turn.
  expect(await firstTurn.text()).toContain('"type":"finish"');
  await call('PUT', '/chatbot/apps/alice-chat/grants/carol', 'alice', { permission: 'read' });
});
afterAll(() => testApp?.close());

const chatBody = (id: string, text: string) => ({
  id,
  messages: [userMessage(text)],
  trigger: 'submit-message',
});

async function call(method: string, path: string, sub: string | null, body?: unknown, roles: string[] = []) {
  const headers: Record<string, string> = {};
  if (sub) headers.authorization = `Bearer ${await testApp.token(sub, roles)}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return testApp.app.request(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const post = (path: string, body: unknown, sub: string | null, roles: string[] = []) =>
  call('POST', path, sub, body, roles);
const appCount = async () =>
  (await (await call('GET', '/chatbot/apps', 'root', undefined, ['admin'])).json()).items.length;

type Who = [name: string, sub: string | null, roles: string[]];
const owner: Who = ['the owner', 'alice', []];
const stranger: Who = ['another user', 'bob', []];
const reader: Who = ['a reader by grant', 'carol', []];
const admin: Who = ['an admin', 'root', ['admin']];
const anonymous: Who = ['anonymous', null, []];

describe('GET /chatbot/chat/{id}/stream', () => {
  it.each([
    [owner, 204],
    [reader, 204],
    [admin, 204],
    [stranger, 404],
    [anonymous, 401],
  ] as const)('%s gets %s once the turn is over', async ([, sub, roles], status) => {
    const response = await call('GET', '/chatbot/chat/alice-chat/stream', sub, undefined, [...roles]);
    expect(response.status).toBe(status);
    if (status >= 400) expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 404 for a chat that does not exist, as for one the caller may not see', async () => {
    const response = await call('GET', '/chatbot/chat/nobody-chat/stream', 'alice');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, detail: 'Not found.' });
  });
});

describe('POST /chatbot/chat/{id}/stop', () => {
  it.each([
    [owner, 409],
    [admin, 409],
    [reader, 403],
    [stranger, 404],
    [anonymous, 401],
  ] as const)('%s gets %s when no turn runs', async ([, sub, roles], status) => {
    expect((await post('/chatbot/chat/alice-chat/stop', undefined, sub, [...roles])).status).toBe(status);
  });
});

describe('POST /chatbot/chat', () => {
  it.each([
    [reader, 403],
    [stranger, 404],
    [anonymous, 401],
  ] as const)("%s gets %s on alice's chat, and nothing is written", async ([, sub, roles], status) => {
    const before = await appCount();
    const response = await post('/chatbot/chat', chatBody('alice-chat', 'Let me in'), sub, [...roles]);
    expect(response.status).toBe(status);
    expect(await appCount()).toBe(before);
    const history = (await (await call('GET', '/chatbot/apps/alice-chat', 'alice')).json()).state
      .chat_history;
    expect(history).toHaveLength(2);
  });

  it('lets an admin answer in the chat of another', async () => {
    const response = await post('/chatbot/chat', chatBody('alice-chat', 'Admin here?'), 'root', ['admin']);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"type":"finish"');
  });

  it.each([
    ['no id', { messages: [userMessage('Hi')] }, 422],
    ['no messages', { id: 'new-chat' }, 422],
    ['an unknown trigger', { ...chatBody('new-chat', 'Hi'), trigger: 'delete-everything' }, 422],
    [
      'a last message that is not the user’s',
      { id: 'new-chat', messages: [{ id: 'a', role: 'assistant', parts: [] }] },
      422,
    ],
    [
      'a user message without text',
      { id: 'new-chat', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: '  ' }] }] },
      422,
    ],
    ['malformed JSON', '{"id": ', 400],
  ])('refuses %s with a problem and writes nothing', async (_name, body, status) => {
    const before = await appCount();
    const response = await post('/chatbot/chat', body, 'alice');
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await appCount()).toBe(before);
  });

  it('refuses to regenerate a chat that has no answer yet', async () => {
    const response = await post(
      '/chatbot/chat',
      { ...chatBody('empty-chat', 'Hi'), trigger: 'regenerate-message' },
      'alice',
    );
    expect(response.status).toBe(409);
  });
});

// The bad-input battery: ids, text and cursors that one database stores and the other refuses
// (Postgres: NUL in text, NUL or a lone surrogate in jsonb, times out of range). Every one answers
// the same 4xx problem on SQLite and Postgres, names the field, and writes nothing.
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness } from '../helpers/api';
import { dialects } from '../helpers/databases';

const apps = '/api/v1/chatbot/apps';
const NUL = '\u0000';
const LONE = '\ud800';
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  sub?: string;
  status: number;
  /** The field the 422 names. */
  field?: string;
}

const cases: Case[] = [
  { name: 'a NUL in a path app id', method: 'GET', path: `${apps}/a%00b`, status: 404 },
  {
    name: 'a NUL in a path app id (action)',
    method: 'POST',
    path: `${apps}/a%00b/actions/prompt`,
    body: '{"prompt":"hi"}',
    status: 404,
  },
  {
    name: 'a NUL in a path app id (fork)',
    method: 'POST',
    path: `${apps}/a%00b/fork`,
    body: '{}',
    status: 404,
  },
  { name: 'a NUL in a path app id (grants)', method: 'GET', path: `${apps}/a%00b/grants`, status: 404 },
  { name: 'a NUL in a path app id (steps)', method: 'GET', path: `${apps}/a%00b/steps`, status: 404 },
  { name: 'a NUL in a path app id (runs)', method: 'GET', path: `${apps}/a%00b/runs`, status: 404 },
  { name: 'a NUL in a path app id (access)', method: 'GET', path: `${apps}/a%00b/access`, status: 404 },
  { name: 'a NUL in a path app id (streams)', method: 'GET', path: `${apps}/a%00b/streams`, status: 404 },
  { name: 'an overlong path app id', method: 'GET', path: `${apps}/${'x'.repeat(201)}`, status: 404 },
  {
    name: 'a NUL in a new app id',
    method: 'POST',
    path: apps,
    body: JSON.stringify({ app_id: `a${NUL}` }),
    status: 422,
    field: 'app_id',
  },
  {
    name: 'a space in a new app id',
    method: 'POST',
    path: apps,
    body: JSON.stringify({ app_id: 'a b' }),
    status: 422,
    field: 'app_id',
  },
  {
    name: 'a NUL in a partition key',
    method: 'POST',
    path: apps,
    body: JSON.stringify({ partition_key: `alice${NUL}` }),
    status: 422,
    field: 'partition_key',
  },
  {
    name: 'a NUL in a listed partition key',
    method: 'GET',
    path: `${apps}?partition_key=alice%00`,
    status: 422,
    field: 'partition_key',
  },
  {
    name: 'a NUL in a grant subject',
    method: 'PUT',
    path: `${apps}/a1/grants/b%00ob`,
    body: '{"permission":"read"}',
    status: 422,
    field: 'subject',
  },
  {
    name: 'a NUL in a deleted grant subject',
    method: 'DELETE',
    path: `${apps}/a1/grants/b%00ob`,
    status: 422,
    field: 'subject',
  },
  {
    name: 'a NUL in a fork id',
    method: 'POST',
    path: `${apps}/a1/fork`,
    body: JSON.stringify({ app_id: `f${NUL}` }),
    status: 422,
    field: 'app_id',
  },
  { name: 'a NUL in a run id', method: 'GET', path: '/api/v1/runs/r%00', status: 404 },
  { name: 'a NUL in a run id (events)', method: 'GET', path: '/api/v1/runs/r%00/events', status: 404 },
  { name: 'a NUL in a run id (cancel)', method: 'POST', path: '/api/v1/runs/r%00/cancel', status: 404 },
  {
    name: 'a chat id outside the id rule',
    method: 'POST',
    path: '/api/v1/chatbot/chat',
    body: JSON.stringify({
      id: 'a b',
      messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
    }),
    status: 422,
    field: 'id',
  },
  {
    name: 'a NUL in a chat id (resume)',
    method: 'GET',
    path: '/api/v1/chatbot/chat/c%00/stream',
    status: 404,
  },
  { name: 'a NUL in a chat id (stop)', method: 'POST', path: '/api/v1/chatbot/chat/c%00/stop', status: 404 },
  { name: 'a NUL in a token sub', method: 'GET', path: apps, sub: `alice${NUL}`, status: 401 },
  {
    name: 'a NUL in a prompt',
    method: 'POST',
    path: `${apps}/a1/actions/prompt`,
    body: JSON.stringify({ prompt: `hi${NUL}` }),
    status: 422,
    field: 'prompt',
  },
  {
    name: 'a lone surrogate in a prompt',
    method: 'POST',
    path: `${apps}/a1/actions/prompt`,
    body: JSON.stringify({ prompt: `hi${LONE}` }),
    status: 422,
    field: 'prompt',
  },
  {
    name: 'a NUL in a streamed prompt',
    method: 'POST',
    path: `${apps}/a1/actions/prompt/stream`,
    body: JSON.stringify({ prompt: NUL }),
    status: 422,
    field: 'prompt',
  },
  {
    name: 'a NUL in a run input',
    method: 'POST',
    path: `${apps}/a1/runs`,
    body: JSON.stringify({ action: 'prompt', inputs: { prompt: NUL } }),
    status: 422,
    field: 'inputs.prompt',
  },
  {
    name: 'a lone surrogate in a forked state',
    method: 'POST',
    path: `${apps}/a1/fork`,
    body: JSON.stringify({ state: { chat_history: [{ role: 'user', content: `x${LONE}`, type: 'text' }] } }),
    status: 422,
    field: 'state.chat_history.0.content',
  },
  {
    name: 'a NUL in a forked state key',
    method: 'POST',
    path: `${apps}/a1/fork`,
    body: JSON.stringify({ state: { [`p${NUL}`]: 'x' } }),
    status: 422,
    field: `state.p${NUL}`,
  },
  {
    name: 'a cursor after the last date',
    method: 'GET',
    path: `${apps}?cursor=${cursorOf([9e15, 'a1'])}`,
    status: 422,
    field: 'cursor',
  },
  {
    name: 'a cursor before 1970',
    method: 'GET',
    path: `${apps}?cursor=${cursorOf([-8.64e15, 'a1'])}`,
    status: 422,
    field: 'cursor',
  },
  {
    name: 'a cursor whose id holds a NUL',
    method: 'GET',
    path: `${apps}?cursor=${cursorOf([0, `a${NUL}`])}`,
    status: 422,
    field: 'cursor',
  },
  {
    name: 'a 100k-deep run input',
    method: 'POST',
    path: `${apps}/a1/runs`,
    body: `{"action":"prompt","inputs":{"prompt":"hi","extra":${deep(100_000)}}}`,
    status: 422,
    field: `inputs.extra${'.0'.repeat(62)}`,
  },
  {
    name: 'a 100k-deep forked state',
    method: 'POST',
    path: `${apps}/a1/fork`,
    body: `{"state":{"prompt":${deep(100_000)}}}`,
    status: 422,
    field: `state.prompt${'.0'.repeat(62)}`,
  },
];

describe.each(dialects)('bad input on $name', ({ create }) => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;

  beforeAll(async () => {
    harness = await createApiHarness({ testDb: await create() });
    const alice = await harness.clientFor('alice');
    await alice.create({ app_id: 'a1' });
    await alice.act('a1', 'prompt', { prompt: 'hello' });
  });
  afterAll(() => harness.close());

  async function snapshot() {
    const { db, tables } = harness.database;
    const rows = await Promise.all(
      [tables.apps, tables.steps, tables.grants, tables.runs, tables.runEvents].map((table) =>
        db.select().from(table),
      ),
    );
    return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  }

  const tokenFor = (sub: string) =>
    new SignJWT({ sub })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(harness.config.JWT_SECRET as string));

  it.each(cases)('$name answers $status and writes nothing', async (item) => {
    const before = await snapshot();
    const token = item.sub ? await tokenFor(item.sub) : await harness.token('alice');
    const response = await harness.request(item.method, item.path, token, item.body);
    expect(response.status).toBe(item.status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const body = await response.json();
    if (item.field) expect(body.errors.map((error: { path: string }) => error.path)).toContain(item.field);
    expect(await snapshot()).toBe(before);
  });
});

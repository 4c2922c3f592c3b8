// Every /api/v1 route × every kind of caller: the status each gets, and that nothing changed when
// it was refused. The rules are in src/auth/policy.ts.
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness } from '../helpers/api';

let harness: Awaited<ReturnType<typeof createApiHarness>>;
const tokens: Record<string, string | undefined> = {};

const secret = new TextEncoder().encode('test-secret-that-is-at-least-32-bytes-long');
const sign = (claims: Record<string, unknown>, key = secret, expiresIn = '1h') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(expiresIn)
    .setIssuedAt()
    .sign(key);

beforeAll(async () => {
  harness = await createApiHarness();
  const owner = await harness.clientFor('owner');
  await owner.create({ app_id: 'target' });
  await owner.act('target', 'prompt', { prompt: 'the first message' });
  await owner.grants.put('target', 'reader', 'read');
  await owner.grants.put('target', 'writer', 'write');
  tokens.owner = await harness.token('owner');
  tokens.other = await harness.token('mallory');
  tokens.reader = await harness.token('reader');
  tokens.writer = await harness.token('writer');
  tokens.admin = await harness.token('root', ['admin']);
  tokens.anonymous = undefined;
  tokens.expired = await sign({ sub: 'owner' }, secret, '-1h');
  tokens.badSignature = await sign(
    { sub: 'owner' },
    new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'),
  );
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({ sub: 'owner', exp: Math.floor(Date.now() / 1000) + 3600 }),
  ).toString('base64url');
  tokens.algNone = `${header}.${payload}.`;
  tokens.noSub = await sign({ roles: ['admin'] });
});
afterAll(() => harness.close());

type Caller =
  | 'owner'
  | 'other'
  | 'reader'
  | 'writer'
  | 'admin'
  | 'anonymous'
  | 'expired'
  | 'badSignature'
  | 'algNone'
  | 'noSub';
const callers: Caller[] = [
  'owner',
  'other',
  'reader',
  'writer',
  'admin',
  'anonymous',
  'expired',
  'badSignature',
  'algNone',
  'noSub',
];

interface RouteCase {
  name: string;
  method: string;
  path: string;
  body?: string;
  /** Expected status for each authenticated caller; every token failure is 401. */
  expect: Record<'owner' | 'other' | 'reader' | 'writer' | 'admin', number>;
}

const base = '/api/v1/chatbot/apps';
const routes: RouteCase[] = [
  {
    name: 'get app',
    method: 'GET',
    path: `${base}/target`,
    expect: { owner: 200, other: 404, reader: 200, writer: 200, admin: 200 },
  },
  {
    name: 'head app',
    method: 'HEAD',
    path: `${base}/target`,
    expect: { owner: 200, other: 404, reader: 200, writer: 200, admin: 200 },
  },
  {
    name: 'steps',
    method: 'GET',
    path: `${base}/target/steps`,
    expect: { owner: 200, other: 404, reader: 200, writer: 200, admin: 200 },
  },
  {
    name: 'run an action (not next: 409 once allowed)',
    method: 'POST',
    path: `${base}/target/actions/decide_mode`,
    body: '{}',
    expect: { owner: 409, other: 404, reader: 403, writer: 409, admin: 409 },
  },
  {
    name: 'stream an action (not next: 409 once allowed)',
    method: 'POST',
    path: `${base}/target/actions/decide_mode/stream`,
    body: '{}',
    expect: { owner: 409, other: 404, reader: 403, writer: 409, admin: 409 },
  },
  {
    name: 'fork (onto an id that exists: 409 once allowed)',
    method: 'POST',
    path: `${base}/target/fork`,
    body: '{"app_id":"target"}',
    expect: { owner: 409, other: 404, reader: 403, writer: 409, admin: 409 },
  },
  {
    name: 'list grants',
    method: 'GET',
    path: `${base}/target/grants`,
    expect: { owner: 200, other: 404, reader: 403, writer: 403, admin: 200 },
  },
  {
    name: 'put a grant (same permission again)',
    method: 'PUT',
    path: `${base}/target/grants/reader`,
    body: '{"permission":"read"}',
    expect: { owner: 200, other: 404, reader: 403, writer: 403, admin: 200 },
  },
  {
    name: 'delete a grant nobody holds',
    method: 'DELETE',
    path: `${base}/target/grants/nobody`,
    expect: { owner: 404, other: 404, reader: 403, writer: 403, admin: 404 },
  },
  {
    name: 'create in the owner partition',
    method: 'POST',
    path: base,
    body: '{"app_id":"target","partition_key":"owner"}',
    expect: { owner: 200, other: 403, reader: 403, writer: 403, admin: 200 },
  },
  {
    name: 'list apps',
    method: 'GET',
    path: base,
    expect: { owner: 200, other: 200, reader: 200, writer: 200, admin: 200 },
  },
];

/** A fingerprint of everything stored, to prove a refused request changed nothing. */
async function snapshot() {
  const { db, tables } = harness.database;
  const rows = [
    await db.select().from(tables.apps),
    await db.select().from(tables.steps),
    await db.select().from(tables.grants),
  ];
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

describe.each(routes)('$method $path ($name)', (route) => {
  it.each(callers)('as %s', async (caller) => {
    const before = await snapshot();
    const response = await harness.request(route.method, route.path, tokens[caller], route.body);
    const expected = caller in route.expect ? route.expect[caller as keyof RouteCase['expect']] : 401;
    expect(response.status).toBe(expected);
    if (expected === 401) {
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      if (route.method !== 'HEAD')
        expect((await response.json()).detail).toBe('A valid bearer token is required.');
    }
    if (expected >= 400 || route.method === 'GET' || route.method === 'HEAD')
      expect(await snapshot()).toBe(before);
  });
});

describe('visibility in lists', () => {
  it('shows an app to its owner, grantees and admins only', async () => {
    const listed = async (caller: Caller) => {
      const response = await harness.request('GET', base, tokens[caller]);
      return ((await response.json()).items as { app_id: string }[]).map((item) => item.app_id);
    };
    expect(await listed('owner')).toContain('target');
    expect(await listed('reader')).toContain('target');
    expect(await listed('writer')).toContain('target');
    expect(await listed('admin')).toContain('target');
    expect(await listed('other')).not.toContain('target');
  });

  it('answers another user an unknown app and a hidden app alike', async () => {
    const hidden = await harness.request('GET', `${base}/target`, tokens.other);
    const unknown = await harness.request('GET', `${base}/no-such-app`, tokens.other);
    const strip = async (response: Response) => {
      const { request_id: _, ...body } = await response.json();
      return body;
    };
    expect(await strip(hidden)).toEqual(await strip(unknown));
  });

  it('lets a write grant act and a read grant only read', async () => {
    const writer = await harness.request(
      'POST',
      `${base}/target/actions/prompt`,
      tokens.writer,
      '{"prompt":"from the writer"}',
    );
    expect(writer.status).toBe(200);
    const reader = await harness.request(
      'POST',
      `${base}/target/actions/prompt`,
      tokens.reader,
      '{"prompt":"from the reader"}',
    );
    expect(reader.status).toBe(403);
  });
});

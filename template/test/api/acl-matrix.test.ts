// Every /api/v1 route × every kind of caller: the exact status and challenge each gets, and that
// nothing stored changed when it was refused (or only read). Twice: with the local HS256 secret,
// and with an identity provider's JWKS served on 127.0.0.1 (where HS256 must never pass and the
// issuer and audience are checked). The rules are in src/auth/policy.ts.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from '../../src/lib/serve';
import { createApiHarness } from '../helpers/api';
import { serveOnLoopback } from '../helpers/test-app';

type Member = 'owner' | 'other' | 'reader' | 'writer' | 'admin';
type Refused =
  | 'anonymous'
  | 'expired'
  | 'badSignature'
  | 'algNone'
  | 'noSub'
  | 'algConfusion'
  | 'wrongIssuer'
  | 'wrongAudience';
type Caller = Member | Refused;

const members: Member[] = ['owner', 'other', 'reader', 'writer', 'admin'];
const subjects: Record<Member, { sub: string; roles: string[] }> = {
  owner: { sub: 'owner', roles: [] },
  other: { sub: 'mallory', roles: [] },
  reader: { sub: 'reader', roles: [] },
  writer: { sub: 'writer', roles: [] },
  admin: { sub: 'root', roles: ['admin'] },
};

/** One way of signing tokens: the app's settings, a valid token, and the broken ones it must refuse. */
interface TokenSetup {
  env: Record<string, string>;
  valid: (claims: JWTPayload) => Promise<string>;
  refused: Partial<Record<Refused, () => Promise<string | undefined>>>;
  close: () => Promise<void>;
}

const hsSecret = 'test-secret-that-is-at-least-32-bytes-long';
const hs = (claims: JWTPayload, secret = hsSecret, expiresIn: string | number = '1h') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
const algNone = async (claims: JWTPayload) =>
  `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 }),
  ).toString('base64url')}.`;

async function hs256Setup(): Promise<TokenSetup> {
  return {
    env: {},
    valid: (claims) => hs(claims),
    refused: {
      anonymous: async () => undefined,
      expired: () => hs({ sub: 'owner' }, hsSecret, '-1h'),
      badSignature: () => hs({ sub: 'owner' }, 'another-secret-of-at-least-32-bytes!!'),
      algNone: () => algNone({ sub: 'owner' }),
      noSub: () => hs({ roles: ['admin'] }),
    },
    close: async () => {},
  };
}

/** A JWKS on a key server this test starts; tokens carry its issuer and audience. */
async function jwksSetup(): Promise<TokenSetup> {
  const issuer = 'https://id.example/';
  const audience = 'switchyard-tests';
  const key = await generateKeyPair('RS256', { extractable: true });
  const impostor = await generateKeyPair('RS256');
  const kid = 'key-1';
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(key.publicKey)), kid, alg: 'RS256', use: 'sig' }],
  });
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  const rs = (claims: JWTPayload, signingKey = key.privateKey, expiresIn = '1h') =>
    new SignJWT({ iss: issuer, aud: audience, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(signingKey);
  return {
    env: { JWT_JWKS_URL: url, JWT_ISSUER: issuer, JWT_AUDIENCE: audience },
    valid: (claims) => rs(claims),
    refused: {
      anonymous: async () => undefined,
      expired: () => rs({ sub: 'owner' }, key.privateKey, '-1h'),
      badSignature: () => rs({ sub: 'owner' }, impostor.privateKey),
      algNone: () => algNone({ sub: 'owner', iss: issuer, aud: audience }),
      noSub: () => rs({ roles: ['admin'] }),
      // The classic confusion: HS256 with the provider's public key (which anyone has) as the secret.
      algConfusion: async () =>
        hs({ sub: 'owner', iss: issuer, aud: audience }, await exportSPKI(key.publicKey)),
      wrongIssuer: () => rs({ sub: 'owner', iss: 'https://evil.example/' }),
      wrongAudience: () => rs({ sub: 'owner', aud: 'another-api' }),
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface RouteCase {
  name: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'WEBSOCKET';
  /**
   * Placeholders: `{fresh}` a new app of the owner's, shared with reader (read) and writer (write),
   * made for each call; `{run}` a finished run on `target`; `{queued}` a queued run on `target`,
   * made for each call.
   */
  path: string;
  body?: string;
  expect: Record<Member, number>;
}

const apps = '/api/v1/chatbot/apps';
const runs = '/api/v1/runs';
const readable = { owner: 200, other: 404, reader: 200, writer: 200, admin: 200 };
const writable = (status: number) => ({
  owner: status,
  other: 404,
  reader: 403,
  writer: status,
  admin: status,
});
const managed = (status: number) => ({ owner: status, other: 404, reader: 403, writer: 403, admin: status });

const routes: RouteCase[] = [
  {
    name: 'create in your own partition',
    method: 'POST',
    path: apps,
    body: '{}',
    expect: { owner: 201, other: 201, reader: 201, writer: 201, admin: 201 },
  },
  {
    name: "get-or-create in the owner's partition",
    method: 'POST',
    path: apps,
    body: '{"app_id":"target","partition_key":"owner"}',
    expect: { owner: 200, other: 403, reader: 403, writer: 403, admin: 200 },
  },
  {
    name: 'list apps',
    method: 'GET',
    path: apps,
    expect: { owner: 200, other: 200, reader: 200, writer: 200, admin: 200 },
  },
  {
    name: 'graph structure',
    method: 'GET',
    path: '/api/v1/chatbot/graph',
    expect: { owner: 200, other: 200, reader: 200, writer: 200, admin: 200 },
  },
  { name: 'get app', method: 'GET', path: `${apps}/target`, expect: readable },
  { name: 'head app', method: 'HEAD', path: `${apps}/target`, expect: readable },
  { name: 'steps', method: 'GET', path: `${apps}/target/steps`, expect: readable },
  { name: 'steps with states', method: 'GET', path: `${apps}/target/steps?include=state`, expect: readable },
  { name: 'state around a step', method: 'GET', path: `${apps}/target/steps/1/state`, expect: readable },
  {
    name: "an app's active runs",
    method: 'GET',
    path: `${apps}/target/runs?status=active`,
    expect: readable,
  },
  { name: "the caller's access", method: 'GET', path: `${apps}/target/access`, expect: readable },
  { name: "an app's live streams", method: 'GET', path: `${apps}/target/streams`, expect: readable },
  {
    name: 'run an action',
    method: 'POST',
    path: `${apps}/{fresh}/actions/prompt`,
    body: '{"prompt":"hi"}',
    expect: writable(200),
  },
  {
    name: 'stream an action',
    method: 'POST',
    path: `${apps}/{fresh}/actions/prompt/stream`,
    body: '{"prompt":"hi"}',
    expect: writable(200),
  },
  { name: 'fork', method: 'POST', path: `${apps}/target/fork`, body: '{}', expect: writable(201) },
  { name: 'list grants', method: 'GET', path: `${apps}/target/grants`, expect: managed(200) },
  {
    name: 'put a grant',
    method: 'PUT',
    path: `${apps}/target/grants/reader`,
    body: '{"permission":"read"}',
    expect: managed(200),
  },
  { name: 'delete a grant', method: 'DELETE', path: `${apps}/{fresh}/grants/writer`, expect: managed(204) },
  {
    name: 'start a run',
    method: 'POST',
    path: `${apps}/{fresh}/runs`,
    body: '{"action":"prompt","inputs":{"prompt":"hi"}}',
    expect: writable(202),
  },
  { name: 'run status', method: 'GET', path: `${runs}/{run}`, expect: readable },
  { name: 'run result', method: 'GET', path: `${runs}/{run}/result`, expect: readable },
  { name: 'run events (SSE)', method: 'GET', path: `${runs}/{run}/events`, expect: readable },
  {
    name: 'run events (WebSocket)',
    method: 'WEBSOCKET',
    path: `${runs}/{run}/ws`,
    expect: { ...readable, owner: 101, reader: 101, writer: 101, admin: 101 },
  },
  { name: 'cancel a run', method: 'POST', path: `${runs}/{queued}/cancel`, expect: writable(202) },
];

interface Answer {
  status: number;
  challenge: string | null;
  body: string;
}

/** A WebSocket handshake: 101 (then read until the server closes), or the refusal it got. */
function webSocketCall(url: string, token: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    let messages = 0;
    ws.on('message', () => messages++);
    ws.on('close', () => resolve({ status: 101, challenge: null, body: String(messages) }));
    ws.on('unexpected-response', (request, response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          challenge: response.headers['www-authenticate'] ?? null,
          body,
        });
        request.destroy();
      });
    });
    ws.on('error', reject);
  });
}

const modes = [
  {
    name: 'an HS256 secret',
    setup: hs256Setup,
    refused: ['anonymous', 'expired', 'badSignature', 'algNone', 'noSub'] as Refused[],
  },
  {
    name: 'a JWKS (RS256, issuer and audience pinned)',
    setup: jwksSetup,
    refused: [
      'anonymous',
      'expired',
      'badSignature',
      'algNone',
      'noSub',
      'algConfusion',
      'wrongIssuer',
      'wrongAudience',
    ] as Refused[],
  },
];

describe.each(modes)('the ACL matrix with $name', ({ setup, refused }) => {
  let mode: TokenSetup;
  let harness: Awaited<ReturnType<typeof createApiHarness>>;
  let server: RunningServer;
  const tokens: Partial<Record<Caller, string>> = {};
  let finishedRun: string;
  let fresh = 0;

  const as = (caller: Member, method: string, path: string, body?: string) =>
    harness.request(method, path, tokens[caller], body);

  beforeAll(async () => {
    mode = await setup();
    // Hundreds of requests a subject: far from the rate limit, which its own test covers.
    harness = await createApiHarness({ env: { ...mode.env, RATE_LIMIT_PER_MIN: '1000000' } });
    server = await serveOnLoopback(harness);
    for (const member of members) tokens[member] = await mode.valid(subjects[member]);
    for (const caller of refused) {
      const mint = mode.refused[caller];
      if (!mint) throw new Error(`no token for ${caller}`);
      tokens[caller] = await mint();
    }

    expect((await as('owner', 'POST', apps, '{"app_id":"target"}')).status).toBe(201);
    expect(
      (await as('owner', 'POST', `${apps}/target/actions/prompt`, '{"prompt":"the first"}')).status,
    ).toBe(200);
    await as('owner', 'PUT', `${apps}/target/grants/reader`, '{"permission":"read"}');
    await as('owner', 'PUT', `${apps}/target/grants/writer`, '{"permission":"write"}');
    // One run that finishes, to read; then the worker stops, so a run queued by the matrix stays
    // queued (cancellable, and writing nothing behind the next case's back).
    const started = await as(
      'owner',
      'POST',
      `${apps}/target/runs`,
      '{"action":"prompt","inputs":{"prompt":"a run"}}',
    );
    finishedRun = (await started.json()).run_id;
    for (let status = 'queued'; status !== 'succeeded'; ) {
      if (status === 'failed' || status === 'cancelled') throw new Error(`the fixture run ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await (await as('owner', 'GET', `${runs}/${finishedRun}`)).json()).status;
    }
    await harness.runWorker.stop();
  });
  afterAll(async () => {
    await server?.shutdown();
    await harness?.close();
    await mode?.close();
  });

  /** The route's path with its placeholders made real for one call. */
  async function pathFor(route: RouteCase) {
    let path = route.path.replace('{run}', finishedRun);
    if (path.includes('{fresh}')) {
      const appId = `fresh-${++fresh}`;
      expect((await as('owner', 'POST', apps, JSON.stringify({ app_id: appId }))).status).toBe(201);
      await as('owner', 'PUT', `${apps}/${appId}/grants/reader`, '{"permission":"read"}');
      await as('owner', 'PUT', `${apps}/${appId}/grants/writer`, '{"permission":"write"}');
      path = path.replace('{fresh}', appId);
    }
    if (path.includes('{queued}')) {
      const queued = await as(
        'owner',
        'POST',
        `${apps}/target/runs`,
        '{"action":"prompt","inputs":{"prompt":"later"}}',
      );
      path = path.replace('{queued}', (await queued.json()).run_id);
    }
    return path;
  }

  async function call(route: RouteCase, path: string, token: string | undefined): Promise<Answer> {
    const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (route.method === 'WEBSOCKET') {
      const handshake = await webSocketCall(`ws://127.0.0.1:${server.port}${path}`, token);
      if (handshake.status === 101) return handshake;
      // The handshake's status comes from the socket; the challenge and problem body are read from
      // the app's own answer to the same upgrade request, in process (that the socket carries them
      // too is websocket-refusals.test.ts's concern).
      const upgrade = { ...authorization, connection: 'Upgrade', upgrade: 'websocket' };
      const response = await harness.app.request(path, { headers: upgrade });
      expect(response.status).toBe(handshake.status);
      return {
        status: handshake.status,
        challenge: response.headers.get('www-authenticate'),
        body: await response.text(),
      };
    }
    const response = await harness.request(route.method, path, token, route.body);
    // Read every body to its end: an event stream finishes its run (or replay) before it closes.
    return {
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      body: await response.text(),
    };
  }

  /** A fingerprint of every table a request could write, to prove a refused request wrote nothing. */
  async function snapshot() {
    const { db, tables } = harness.database;
    const rows = [
      await db.select().from(tables.apps),
      await db.select().from(tables.steps),
      await db.select().from(tables.grants),
      await db.select().from(tables.runs),
      await db.select().from(tables.runEvents),
    ];
    return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  }

  describe.each(routes)('$method $path ($name)', (route) => {
    it.each<Caller>([...members, ...refused])('as %s', async (caller) => {
      const path = await pathFor(route);
      const before = await snapshot();
      const answer = await call(route, path, tokens[caller]);
      const expected = caller in route.expect ? route.expect[caller as Member] : 401;
      expect(answer.status, answer.body).toBe(expected);
      if (answer.status === 101) expect(Number(answer.body), 'events over the socket').toBeGreaterThan(0);
      if (expected === 401) {
        expect(answer.challenge).toBe(caller === 'anonymous' ? 'Bearer' : 'Bearer error="invalid_token"');
        if (route.method !== 'HEAD')
          expect(JSON.parse(answer.body).detail).toBe('A valid bearer token is required.');
      }
      if (expected >= 400 || ['GET', 'HEAD', 'WEBSOCKET'].includes(route.method))
        expect(await snapshot()).toBe(before);
    });
  });
});

describe('visibility', () => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;
  const token = (sub: string, roles: string[] = []) => harness.token(sub, roles);
  const base = '/api/v1/chatbot/apps';

  beforeAll(async () => {
    harness = await createApiHarness();
    const owner = await harness.clientFor('owner');
    await owner.create({ app_id: 'target' });
    await owner.grants.put('target', 'reader', 'read');
    await owner.grants.put('target', 'writer', 'write');
  });
  afterAll(() => harness.close());

  it('lists an app to its owner, grantees and admins only', async () => {
    const listed = async (sub: string, roles: string[] = []) => {
      const response = await harness.request('GET', base, await token(sub, roles));
      return ((await response.json()).items as { app_id: string }[]).map((item) => item.app_id);
    };
    expect(await listed('owner')).toContain('target');
    expect(await listed('reader')).toContain('target');
    expect(await listed('writer')).toContain('target');
    expect(await listed('root', ['admin'])).toContain('target');
    expect(await listed('mallory')).not.toContain('target');
  });

  it('answers another user an unknown app and a hidden app alike', async () => {
    const strip = async (response: Response) => {
      const { request_id: _, ...body } = await response.json();
      return body;
    };
    const hidden = await harness.request('GET', `${base}/target`, await token('mallory'));
    const unknown = await harness.request('GET', `${base}/no-such-app`, await token('mallory'));
    expect(hidden.status).toBe(404);
    expect(await strip(hidden)).toEqual(await strip(unknown));
  });
});

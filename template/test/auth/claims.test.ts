// A token's claims are typed: a signed token whose `sub` is not an id (src/lib/ids.ts) or whose
// `roles` is not an array of strings is refused with 401 naming the claim, whether it was signed
// with the shared secret or by an identity provider's key set. And the header holds one token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../src/auth/authenticate';
import type { AuthVariables } from '../../src/auth/user';
import { ProblemError, problemResponse } from '../../src/lib/errors';

const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
const issuer = 'https://id.example';
const audience = 'switchyard';

let jwksServer: Server;
let jwksUrl: string;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  const keys = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  jwksServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => jwksServer.once('listening', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => jwksServer.close());

function appWith(options: Parameters<typeof authenticate>[0]) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.onError((error, c) =>
    error instanceof ProblemError ? problemResponse(c, error.problem, error.headers) : c.text('boom', 500),
  );
  app.use(authenticate(options));
  app.get('/', (c) => c.json(c.get('user')));
  return app;
}

const signers = {
  HS256: {
    app: () => appWith({ secret }),
    sign: (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret)),
  },
  JWKS: {
    app: () => appWith({ jwksUrl, issuer, audience }),
    sign: (claims: Record<string, unknown>) =>
      new SignJWT({ iss: issuer, aud: audience, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setExpirationTime('1h')
        .sign(privateKey),
  },
};

const call = (app: Hono<{ Variables: AuthVariables }>, authorization: string) =>
  app.request('/', { headers: { authorization } });

describe.each(Object.entries(signers))('claims of a %s token', (_name, signer) => {
  const badSubjects: unknown[] = [
    '',
    123,
    0,
    true,
    null,
    {},
    { id: 'alice' },
    ['alice'],
    'a'.repeat(201),
    'al\u0000ice',
    'ali ce',
    'alicé',
  ];

  it.each(badSubjects.map((sub) => [JSON.stringify(sub), sub]))(
    'refuses sub %s with 401 naming it',
    async (_label, sub) => {
      const response = await call(signer.app(), `Bearer ${await signer.sign({ sub })}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect((await response.json()).detail).toMatch(/"sub" claim/);
    },
  );

  it.each([
    ['a string', 'admin'],
    ['numbers', ['admin', 7]],
    ['an object', { admin: true }],
    ['null', null],
  ])('refuses roles that are %s with 401 naming them', async (_label, roles) => {
    const response = await call(signer.app(), `Bearer ${await signer.sign({ sub: 'alice', roles })}`);
    expect(response.status).toBe(401);
    expect((await response.json()).detail).toMatch(/"roles" claim/);
  });

  it('accepts an id-shaped sub and string roles', async () => {
    const sub = 'auth0|5f7c8ec7c33c6c004bbafe82';
    const response = await call(signer.app(), `Bearer ${await signer.sign({ sub, roles: ['admin'] })}`);
    expect(await response.json()).toEqual({ sub, roles: ['admin'] });
  });
});

describe('the Authorization header', () => {
  // (Trailing spaces never reach us: HTTP strips them from header values.)
  it('holds "Bearer" and exactly one token, nothing after it', async () => {
    const app = signers.HS256.app();
    const token = await signers.HS256.sign({ sub: 'alice' });
    expect((await call(app, `Bearer ${token}`)).status).toBe(200);
    expect((await call(app, `bearer ${token}`)).status).toBe(200);
    for (const header of [
      `Bearer ${token} junk`,
      `Bearer  ${token}`,
      `Bearer ${token},x`,
      `Basic ${token}`,
    ]) {
      expect((await call(app, header)).status, header).toBe(401);
    }
  });
});

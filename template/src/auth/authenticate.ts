import { createMiddleware } from 'hono/factory';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { ProblemError, problem } from '../lib/errors';
import { ID_MAX_LENGTH, ID_RULE, isId } from '../lib/ids';
import { TokenCache } from './token-cache';
import type { AuthVariables, User } from './user';

export interface AuthOptions {
  /** HS256 key (JWT_SECRET); used when no jwksUrl is given. */
  secret?: string;
  /** An identity provider's JSON Web Key Set (JWT_JWKS_URL); jose caches it and refetches on an unknown kid. */
  jwksUrl?: string;
  /** The required `iss` (JWT_ISSUER); with a jwksUrl it must be set. */
  issuer?: string;
  /** The required `aud` (JWT_AUDIENCE); with a jwksUrl it must be set. */
  audience?: string;
  cache?: TokenCache;
  /** Told whether each token was found in the verified-token cache (the hit/miss metric). */
  onCacheLookup?: (hit: boolean) => void;
  /** Least time between two fetches of the key set (jose refetches on an unknown kid); 30 s by default. */
  jwksCooldownMs?: number;
}

/** Tokens larger than this are refused before any parsing. */
const MAX_TOKEN_BYTES = 8 * 1024;
/** Asymmetric algorithms accepted from a JWKS; HS256 only with the local secret. Never "none". */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

// Every failure to verify gets the same answer, so the response tells an attacker nothing about why.
const invalidToken = (detail = 'A valid bearer token is required.') =>
  new ProblemError(problem(401, detail), {
    'WWW-Authenticate': 'Bearer error="invalid_token"',
  });
const missingToken = () =>
  new ProblemError(problem(401, 'A valid bearer token is required.'), { 'WWW-Authenticate': 'Bearer' });

/** `Bearer` and one token (RFC 6750's b64token), nothing before or after it. */
const BEARER = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The claims a signed token must carry in these shapes. A token that passes the signature check
 * but breaks them was issued by someone we trust, wrongly: the answer names the claim, which tells
 * a forger nothing (they could not sign it).
 */
const claimsSchema = z.object({
  sub: z.string().refine(isId, `must be ${ID_RULE}`),
  roles: z.array(z.string().min(1).max(ID_MAX_LENGTH)).max(100, 'may hold at most 100 roles').optional(),
});

class ClaimError extends Error {}

function typedClaims(payload: JWTPayload): User {
  const parsed = claimsSchema.safeParse(payload);
  if (parsed.success) return { sub: parsed.data.sub, roles: parsed.data.roles ?? [] };
  const issue = parsed.error.issues[0];
  const claim = String(issue?.path[0] ?? 'sub');
  throw new ClaimError(
    `The token's "${claim}" claim ${claim === 'roles' ? 'must be an array of strings' : `must be ${ID_RULE}`}.`,
  );
}

/**
 * Requires `Authorization: Bearer <JWT>` and sets `c.get('user')`.
 *
 *     app.use('/api/*', authenticate({ secret: config.JWT_SECRET }));
 */
export function authenticate(options: AuthOptions) {
  const verify = createVerifier(options);
  const cache = options.cache ?? new TokenCache();
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw missingToken();
    const token = BEARER.exec(header)?.[1];
    if (!token || token.length > MAX_TOKEN_BYTES) throw invalidToken();
    let user = cache.get(token);
    options.onCacheLookup?.(user !== undefined);
    if (!user) {
      const verified = await verify(token).catch((error) => {
        if (error instanceof ClaimError) throw invalidToken(error.message);
        return undefined;
      });
      if (!verified) throw invalidToken();
      user = verified.user;
      cache.set(token, user, verified.exp);
    }
    c.set('user', user);
    await next();
  });
}

/** Checks signature, algorithm, `exp`, `sub` and, when configured, `iss` and `aud`. */
function createVerifier(options: AuthOptions) {
  const key: Uint8Array | JWTVerifyGetKey = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: 10 * 60_000,
      })
    : new TextEncoder().encode(options.secret ?? '');
  if (!options.jwksUrl && (options.secret?.length ?? 0) < 32) {
    throw new Error('authenticate() needs a secret of at least 32 bytes or a jwksUrl');
  }
  // A provider's keys sign tokens for all of its applications: only iss and aud say a token is ours.
  if (options.jwksUrl && (!options.issuer || !options.audience)) {
    throw new Error('authenticate() with a jwksUrl needs an issuer and an audience');
  }
  const algorithms = options.jwksUrl ? JWKS_ALGORITHMS : ['HS256'];
  return async (token: string): Promise<{ user: User; exp: number }> => {
    const verifyOptions = {
      algorithms,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: 5,
      requiredClaims: ['exp', 'sub'],
    };
    const { payload } =
      key instanceof Uint8Array
        ? await jwtVerify(token, key, verifyOptions)
        : await jwtVerify(token, key, verifyOptions);
    return { user: typedClaims(payload), exp: payload.exp as number };
  };
}

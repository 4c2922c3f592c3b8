import { SignJWT } from 'jose';

/** Signs an HS256 token for `sub` (used by `npm run token` and POST /auth/dev-token). */
export function signDevToken(secret: string, claims: { sub: string; roles?: string[]; ttlSeconds?: number }) {
  return new SignJWT({ roles: claims.roles ?? [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds ?? 3600}s`)
    .sign(new TextEncoder().encode(secret));
}

// Prints a JWT for curl and the docs: npm run token -- --sub alice --roles admin [--ttl 3600]
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signDevToken } from '../src/auth/sign-token';

if (existsSync('.env')) process.loadEnvFile('.env');
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    roles: { type: 'string', default: '' },
    ttl: { type: 'string', default: '3600' },
  },
});
const secret = process.env.JWT_SECRET;
if (!values.sub) {
  console.error('usage: npm run token -- --sub <subject> [--roles admin,editor] [--ttl seconds]');
  process.exit(1);
}
if (!secret || Buffer.byteLength(secret) < 32) {
  console.error('JWT_SECRET is missing or shorter than 32 bytes (npm start writes one into .env)');
  process.exit(1);
}
const roles = values.roles
  .split(',')
  .map((role) => role.trim())
  .filter(Boolean);
console.log(await signDevToken(secret, { sub: values.sub, roles, ttlSeconds: Number(values.ttl) }));

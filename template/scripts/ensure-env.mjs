// Writes .env from .env.example with a fresh random JWT_SECRET, unless .env exists.
// Plain JavaScript so that both `npm start` (prestart) and the scaffolder can run it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Creates `<dir>/.env` if missing; `overrides` replace values of .env.example. Returns true if written. */
export function ensureEnv(dir, overrides = {}) {
  const target = join(dir, '.env');
  if (existsSync(target)) return false;
  const values = { JWT_SECRET: randomBytes(32).toString('base64url'), ...overrides };
  const example = readFileSync(join(dir, '.env.example'), 'utf8');
  const lines = example.split('\n').map((line) => {
    const key = /^([A-Z0-9_]+)=/.exec(line)?.[1];
    return key && key in values ? `${key}=${values[key]}` : line;
  });
  writeFileSync(target, lines.join('\n'), { mode: 0o600 });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const projectDir = join(fileURLToPath(import.meta.url), '..', '..');
  if (ensureEnv(projectDir)) console.log('Wrote .env with a fresh JWT_SECRET.');
}

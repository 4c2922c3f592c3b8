// The production build as `npm run build` makes it and `npm start` runs it: dist/index.js started
// from another folder (so nothing is found relative to the working directory), with only what the
// production dependencies provide.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../src/auth/sign-token';
import { TEST_SECRET } from '../helpers/app-process';
import { type BuiltApp, startBuiltApp } from '../helpers/built-app';

const project = join(import.meta.dirname, '../..');
let built: BuiltApp;
let base: string;

beforeAll(async () => {
  built = await startBuiltApp({ LOG_LEVEL: 'info' });
  base = built.base;
}, 60_000);
afterAll(() => built?.stop('SIGTERM'));

describe('npm run build, then node dist/index.js', () => {
  it('is ready, with the migrations applied from drizzle/ and the pages and their scripts served', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const headers = {
      authorization: `Bearer ${await signDevToken(TEST_SECRET, { sub: 'alice' })}`,
      'content-type': 'application/json',
    };
    const created = await fetch(`${base}/api/v1/chatbot/apps`, { method: 'POST', headers, body: '{}' });
    expect(created.status).toBe(201);
    expect((await fetch(`${base}/`)).headers.get('content-type')).toMatch(/text\/html/);
    const script = await fetch(`${base}/assets/chat.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('switchyard.token');
  });

  it('imports only production dependencies and Node built-ins, in the server and its commands', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    const bundles = ['index', 'migrate', 'prune'].map((name) =>
      readFileSync(join(project, `dist/${name}.js`), 'utf8'),
    );
    const specifiers = bundles.flatMap((bundle) =>
      [...bundle.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1] ?? ''),
    );
    expect(specifiers.length).toBeGreaterThan(5);
    const packageOf = (specifier: string) =>
      specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : (specifier.split('/')[0] ?? '');
    const builtins = new Set(builtinModules);
    const outside = specifiers
      .filter((specifier) => !specifier.startsWith('node:') && !builtins.has(packageOf(specifier)))
      .map(packageOf)
      .filter((name) => !(name in manifest.dependencies));
    expect(outside).toEqual([]);
    for (const devOnly of ['tsx', 'esbuild', 'pino-pretty'])
      expect(manifest.devDependencies).toHaveProperty(devOnly);
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@types/'))).toEqual([]);
  });

  it('migrates and prunes with the built commands (a production image has no tsx)', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'switchyard-commands-'));
    const database = `file:${join(elsewhere, 'commands.db')}`;
    const env = { PATH: process.env.PATH, JWT_SECRET: TEST_SECRET, DATABASE_URL: database };
    const node = (script: string, args: string[] = []) =>
      execFileSync(process.execPath, [join(project, `dist/${script}.js`), ...args], {
        cwd: elsewhere,
        env,
        encoding: 'utf8',
      });
    try {
      expect(node('migrate')).toMatch(/migrat/i);
      expect(node('prune', ['--days', '30'])).toContain('Pruned 0 apps');
      expect(node('prune', ['--days', '30', '--keep-last', '50'])).toMatch(
        /Pruned 0 apps[\s\S]*Compacted 0 apps to their last 50 steps/,
      );
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

// A new user's first minutes, for real: scaffold with install into a temp folder, run the new
// project's own tests, start it, and call it with a token from `npm run token`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProject } from '../scripts/lib/start-project.mjs';

const cli = resolve('create-script/index.js');
const workdir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
const servers: { stop: () => Promise<void> }[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const cleanup of cleanups) await cleanup();
  rmSync(workdir, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return execFileSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: 'pipe',
  });
}

/** `npm start` on a free port, once /healthz answers; stopped (the whole process group) after all. */
async function start(project: string, env: NodeJS.ProcessEnv = {}) {
  const server = await startProject(project, { ...process.env, ...env });
  servers.push(server);
  return server;
}

async function promptThroughApi(base: string, project: string) {
  const token = run('npm', ['run', '--silent', 'token', '--', '--sub', 'alice'], project).trim();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await fetch(`${base}/api/v1/chatbot/apps`, { method: 'POST', headers, body: '{}' });
  expect(created.status).toBe(201);
  const app = await created.json();
  const answered = await fetch(`${base}/api/v1/chatbot/apps/${app.app_id}/actions/prompt`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ prompt: 'Write a poem about rails' }),
  });
  expect(answered.status).toBe(200);
  const view = await answered.json();
  expect(view.next).toBe('prompt');
  expect(view.state.chat_history.map((message: { role: string }) => message.role)).toEqual([
    'user',
    'assistant',
  ]);
}

/** A fresh Postgres database beside TEST_DATABASE_URL's, so the run leaves the shared one alone. */
async function freshPostgres(baseUrl: string) {
  const name = `switchyard_e2e_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });
  return url.toString();
}

describe.each(process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'])(
  'npm create switchyard --db %s, as a new user',
  (db) => {
    const project = join(workdir, `app-${db}`);
    const env: NodeJS.ProcessEnv = {};

    beforeAll(async () => {
      if (db === 'postgres') env.DATABASE_URL = await freshPostgres(process.env.TEST_DATABASE_URL as string);
      run('node', [cli, project, '--yes', '--db', db, '--no-git'], workdir);
    });

    it('writes a project with its own name, .env and .gitignore', () => {
      expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).name).toBe(`app-${db}`);
      expect(readFileSync(join(project, '.env'), 'utf8')).toMatch(/^JWT_SECRET=\S{32,}$/m);
      expect(readFileSync(join(project, '.gitignore'), 'utf8')).toContain('.env');
    });

    it('passes its own npm test', () => {
      run('npm', ['test'], project, { ...env, CI: 'true' });
    });

    it('lints clean with its own Biome (npm run lint)', () => {
      run('npm', ['run', 'lint'], project);
    });

    it('builds (npm run build), starts the build (npm start) and answers /healthz, /docs and a prompt', async () => {
      run('npm', ['run', 'build'], project);
      expect(readFileSync(join(project, 'dist', 'index.js'), 'utf8')).toContain('listening');
      // The compose file's Postgres is not here: point the app at the local one instead.
      const { base } = await start(project, env);
      expect((await fetch(`${base}/docs`)).status).toBe(200);
      await promptThroughApi(base, project);
    });
  },
);

if (!process.env.TEST_DATABASE_URL) {
  console.log('NOTE: TEST_DATABASE_URL is not set, so the --db postgres end-to-end run did not run.');
}

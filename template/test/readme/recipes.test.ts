import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStep, recipeSteps } from './recipes';

// README.md's recipes, applied as written to a copy of this project: a graph added by one new file
// and one line in src/graphs.ts gets its routes, OpenAPI entries, background runs and typed client.

const project = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
/** The node_modules this project resolves from (its own, or a workspace's above it). */
const nodeModules = dirname(dirname(require.resolve('typescript/package.json')));
const skipped = new Set(['node_modules', 'data', 'dist', 'public', '.env', 'test-results', 'coverage']);

let copy: string;
let testApp: {
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> };
  token: (sub: string, roles?: string[]) => Promise<string>;
  runWorker: { start(): Promise<void> };
  close(): Promise<void>;
};

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'switchyard-recipes-'));
  cpSync(project, copy, {
    recursive: true,
    filter: (source) => !skipped.has(relative(project, source).split(sep)[0] ?? ''),
  });
  symlinkSync(nodeModules, join(copy, 'node_modules'), 'dir');
  for (const step of recipeSteps(readFileSync(join(project, 'README.md'), 'utf8'))) applyStep(copy, step);
  const helpers = await import(join(copy, 'test/helpers/test-app.ts'));
  testApp = await helpers.createTestApp();
  await testApp.runWorker.start();
}, 60_000);
afterAll(async () => {
  await testApp?.close();
  rmSync(copy, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: unknown, sub = 'alice') => {
  const response = await testApp.app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${await testApp.token(sub)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

describe('the README recipes, applied to a copy of the project', () => {
  it('finds every recipe step', () => {
    const steps = recipeSteps(readFileSync(join(project, 'README.md'), 'utf8'));
    expect(steps.map((step) => step.file)).toEqual([
      'src/counter/graph.ts',
      'src/graphs.ts',
      'src/counter/example.ts',
      'src/counter/graph.ts',
      'src/counter/graph.ts',
      'src/routes/hello.ts',
      'src/routes/index.ts',
    ]);
  });

  it('typechecks, the typed client entry included', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '--noEmit', '-p', copy], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);

  it('gives the new graph its routes, and its actions run as the recipes say', async () => {
    const created = await call('POST', '/api/v1/counter/apps', {});
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ graph: 'counter', state: { count: 0 }, next: 'add' });
    const id = created.body.app_id;
    const added = await call('POST', `/api/v1/counter/apps/${id}/actions/add`, { by: 12 });
    expect(added.body).toMatchObject({ sequence_id: 1, state: { count: 12 }, next: 'reset' });
    const reset = await call('POST', `/api/v1/counter/apps/${id}/actions/reset`, {});
    expect(reset.body).toMatchObject({ sequence_id: 2, state: { count: 0 }, next: 'add' });
    const bad = await call('POST', `/api/v1/counter/apps/${id}/actions/add`, { by: 'two' });
    expect(bad.status).toBe(422);
    expect((await call('GET', `/api/v1/counter/apps/${id}`, undefined, 'bob')).status).toBe(404);
  });

  it('documents the new graph and the new route in /openapi.json', async () => {
    const document = await (await testApp.app.request('/openapi.json')).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/counter/apps',
        '/api/v1/counter/apps/{app_id}/actions/add',
        '/api/v1/counter/apps/{app_id}/actions/reset/stream',
        '/api/v1/counter/apps/{app_id}/runs',
        '/api/v1/hello',
      ]),
    );
    expect(document.components.schemas.CounterApp).toBeDefined();
  });

  it('runs the new graph in the background', async () => {
    const { body: app } = await call('POST', '/api/v1/counter/apps', {});
    const queued = await call('POST', `/api/v1/counter/apps/${app.app_id}/runs`, {
      action: 'add',
      inputs: { by: 4 },
    });
    expect(queued.status).toBe(202);
    let run = queued.body;
    for (let tries = 0; tries < 100 && run.status !== 'succeeded'; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = (await call('GET', `/api/v1/runs/${queued.body.run_id}`)).body;
    }
    expect(run.status).toBe('succeeded');
    expect((await call('GET', `/api/v1/runs/${queued.body.run_id}/result`)).body.state).toEqual({ count: 4 });
  });

  it("serves the plain route with the caller's name, and refuses what it should", async () => {
    expect(await call('GET', '/api/v1/hello?name=Ada')).toEqual({
      status: 200,
      body: { message: 'Hello, Ada!' },
    });
    expect((await call('GET', '/api/v1/hello')).body).toEqual({ message: 'Hello, alice!' });
    expect((await call('GET', '/api/v1/hello?name=')).status).toBe(422);
    expect((await testApp.app.request('/api/v1/hello')).status).toBe(401);
  });

  it("runs the typed client's example against the served copy", async () => {
    const { serveOnLoopback } = await import(join(copy, 'test/helpers/test-app.ts'));
    const server = await serveOnLoopback({ app: testApp.app });
    try {
      const { addTwice } = await import(join(copy, 'src/counter/example.ts'));
      expect(await addTwice(`http://127.0.0.1:${server.port}`, await testApp.token('carol'))).toBe(5);
    } finally {
      await server.shutdown();
    }
  });
});

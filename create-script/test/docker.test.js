// No Docker engine runs here, so the Docker files are checked by reading them: the compose file
// parsed as YAML, the Dockerfile split into stages and instructions, the health check run for real.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { read, repoRoot, scaffold, tempDir } from './helpers.js';

const docker = join(repoRoot, 'docker');
const compose = parse(read(docker, 'compose.yaml'));
const { services } = compose;

/** The Dockerfile as stages of { instruction, args }, continuation lines joined, comments dropped. */
function dockerfileStages(text) {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [instruction, ...rest] = line.split(/\s+/);
      return { instruction: instruction.toUpperCase(), args: rest.join(' ') };
    });
  const stages = [];
  for (const entry of instructions) {
    if (entry.instruction === 'FROM') stages.push({ from: entry.args, steps: [] });
    else stages.at(-1)?.steps.push(entry);
  }
  return stages;
}

const stages = dockerfileStages(read(docker, 'Dockerfile'));
const runtime = stages.at(-1);
const runtimeArgs = (instruction) =>
  runtime.steps.filter((s) => s.instruction === instruction).map((s) => s.args);

describe('Dockerfile', () => {
  it('builds in stages on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:20-bookworm-slim AS \w+$/);
  });

  it('compiles native modules in the build stage, with production dependencies only', () => {
    const build = stages[0].steps.map((s) => s.args).join('\n');
    expect(build).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(build).toMatch(/npm ci --omit=dev/);
    expect(build).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/);
    const buildName = stages[0].from.split(' AS ')[1];
    expect(runtimeArgs('COPY')).toContain(`--from=${buildName} /app/node_modules ./node_modules`);
    expect(runtimeArgs('RUN').join('\n')).not.toMatch(/npm (ci|install)|apt-get/);
  });

  it('runs as a non-root user, listening on all interfaces', () => {
    const users = runtimeArgs('USER');
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    // USER comes before CMD, so the app never runs as root.
    const order = runtime.steps.map((s) => s.instruction);
    expect(order.indexOf('USER')).toBeLessThan(order.indexOf('CMD'));
    expect(runtimeArgs('ENV').join(' ')).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtimeArgs('ENV').join(' ')).toMatch(/NODE_ENV=production/);
  });

  it('builds with the dev dependencies in a build stage and ships dist/ with production dependencies only', () => {
    const build = stages.find((stage) => / AS build$/.test(stage.from));
    expect(build).toBeDefined();
    expect(build.steps.map((s) => s.args)).toContain('npm run build');
    expect(runtimeArgs('COPY')).toEqual(
      expect.arrayContaining([
        '--from=build /app/dist ./dist',
        '--from=build /app/public ./public',
        'drizzle ./drizzle',
      ]),
    );
    // The runtime gets no sources and no dev dependencies: its node_modules is the deps stage's.
    expect(runtimeArgs('COPY')).not.toContain('. .');
    const [cmd] = runtimeArgs('CMD');
    expect(JSON.parse(cmd)).toEqual(['node', '--enable-source-maps', 'dist/index.js']);
    const template = JSON.parse(read(repoRoot, 'template', 'package.json'));
    for (const devOnly of ['tsx', 'esbuild', 'pino-pretty']) {
      expect(Object.keys(template.dependencies)).not.toContain(devOnly);
      expect(Object.keys(template.devDependencies)).toContain(devOnly);
    }
  });

  describe('HEALTHCHECK', () => {
    const [healthcheck] = runtimeArgs('HEALTHCHECK');
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim());
    let status = 200;
    let requested = '';
    const server = createServer((request, response) => {
      requested = request.url;
      response.writeHead(status).end('{}');
    });
    let port;
    beforeAll(async () => {
      await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
      port = server.address().port;
    });
    afterAll(() => server.close());

    /** Runs the check as Docker would: exec form, with the image's PORT. */
    function check() {
      const [program, ...args] = command;
      expect(program).toBe('node');
      return new Promise((done) => {
        const child = spawn(process.execPath, args, {
          env: { ...process.env, PORT: String(port) },
          stdio: 'ignore',
        });
        child.on('close', done);
      });
    }

    it('asks /healthz on PORT and passes on 200', async () => {
      status = 200;
      expect(await check()).toBe(0);
      expect(requested).toBe('/healthz');
    });

    it('fails on 503 and when nothing listens', async () => {
      status = 503;
      expect(await check()).toBe(1);
      await new Promise((closed) => server.close(closed));
      expect(await check()).toBe(1);
    });
  });

  it('keeps secrets, local data and installs out of the image', () => {
    const ignored = read(docker, '.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', '.env', '.env.*', '!.env.example', 'data', '.git']),
    );
    // What the app needs at run time is not ignored.
    for (const needed of [
      'src',
      'drizzle',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'scripts',
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});

describe('compose.yaml', () => {
  const postgresEnv = services.postgres.environment;

  it('gives the app longer to stop than its own shutdown deadline', () => {
    const seconds = Number(/^(\d+)s$/.exec(services.app.stop_grace_period)?.[1]);
    const deadlineMs = Number(/:-(\d+)\}$/.exec(services.app.environment.SHUTDOWN_TIMEOUT_MS)?.[1]);
    expect(deadlineMs).toBeGreaterThan(0);
    expect(seconds * 1000).toBeGreaterThan(deadlineMs);
  });

  it('runs at least two app replicas built from the Dockerfile', () => {
    expect(services.app.build).toBe('.');
    expect(services.app.deploy.replicas).toBeGreaterThanOrEqual(2);
    // Replicas cannot share a published port: only the load balancer publishes one.
    expect(services.app.ports).toBeUndefined();
  });

  it('points the app at the Postgres and Redis services, with JWT_SECRET from the environment', () => {
    const env = services.app.environment;
    const database = new URL(env.DATABASE_URL);
    expect(database.protocol).toBe('postgres:');
    expect(database.hostname).toBe('postgres');
    expect(database.username).toBe(postgresEnv.POSTGRES_USER);
    expect(database.password).toBe(postgresEnv.POSTGRES_PASSWORD);
    expect(database.pathname).toBe(`/${postgresEnv.POSTGRES_DB}`);
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');
    expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
    expect(services.app.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('runs Postgres 16 and Redis 7 with volumes and health checks', () => {
    expect(services.postgres.image).toMatch(/^postgres:16\b/);
    expect(postgresEnv).toEqual({
      POSTGRES_USER: 'switchyard',
      POSTGRES_PASSWORD: 'switchyard',
      POSTGRES_DB: 'switchyard',
    });
    expect(services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(services.redis.image).toMatch(/^redis:7\b/);
    expect(services.redis.healthcheck.test.join(' ')).toContain('redis-cli ping');
    for (const name of ['postgres', 'redis']) {
      const [volume] = services[name].volumes;
      expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
    }
  });

  it('balances over the app replicas with a config file that ships beside it', () => {
    const lb = services.lb;
    const [mount] = lb.volumes;
    const [file] = mount.split(':');
    const config = read(docker, file);
    const listen = /^:(\d+)\s*\{/m.exec(config)[1];
    expect(lb.ports[0]).toMatch(new RegExp(`:${listen}$`));
    expect(config).toMatch(/name app\n\s*port 3000/);
    expect(read(docker, 'Dockerfile')).toMatch(/PORT=3000/);
    expect(lb.depends_on.app.condition).toBe('service_healthy');
  });

  it('publishes Postgres where the .env of `--db postgres` looks for it', () => {
    const dir = tempDir();
    expect(scaffold(['pg-app', '--db', 'postgres', '--no-install', '--no-git'], { cwd: dir }).status).toBe(0);
    const url = new URL(/^DATABASE_URL=(.*)$/m.exec(read(dir, 'pg-app', '.env'))[1]);
    expect(url.hostname).toBe('localhost');
    expect(url.port).not.toBe('5432');
    expect(services.postgres.ports).toContain(`127.0.0.1:\${POSTGRES_HOST_PORT:-${url.port}}:5432`);
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([
      postgresEnv.POSTGRES_USER,
      postgresEnv.POSTGRES_PASSWORD,
      postgresEnv.POSTGRES_DB,
    ]);
  });
});

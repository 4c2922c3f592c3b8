import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

const secret = 'x'.repeat(32);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ JWT_SECRET: secret });
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATABASE_URL: 'file:./data/app.db',
      LLM_PROVIDER: 'scripted',
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
      BODY_LIMIT: 1024 * 1024,
      RATE_LIMIT_PER_MIN: 600,
      AUTH_DEV_LOGIN: false,
    });
  });

  it('parses lists, sizes and flags as written in .env', () => {
    const config = loadConfig({
      JWT_SECRET: secret,
      CORS_ORIGINS: 'https://a.example, https://b.example',
      BODY_LIMIT: '512kb',
      AUTH_DEV_LOGIN: 'true',
      REDIS_URL: '',
    });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.BODY_LIMIT).toBe(512 * 1024);
    expect(config.AUTH_DEV_LOGIN).toBe(true);
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('names every bad variable and why, at once', () => {
    const problems = problemsOf({
      JWT_SECRET: secret,
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db',
      REDIS_URL: 'http://cache',
      BODY_LIMIT: 'huge',
      LLM_PROVIDER: 'magic',
    });
    expect(problems.map((line) => line.split(':')[0])).toEqual([
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'LLM_PROVIDER',
      'BODY_LIMIT',
    ]);
    expect(problems.find((line) => line.startsWith('DATABASE_URL'))).toMatch(/file: \(SQLite\) or postgres/);
  });

  it('requires a signing key of at least 32 bytes', () => {
    expect(problemsOf({})).toEqual(['JWT_SECRET: set JWT_SECRET (or JWT_JWKS_URL)']);
    expect(problemsOf({ JWT_SECRET: 'short' })[0]).toMatch(/^JWT_SECRET: must be at least 32 bytes/);
    expect(
      loadConfig({
        JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json',
        JWT_ISSUER: 'https://id.example/',
        JWT_AUDIENCE: 'https://api.example',
      }).JWT_SECRET,
    ).toBeUndefined();
  });

  it('requires the issuer and audience with a JWKS, naming both', () => {
    const jwks = { JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json' };
    expect(problemsOf(jwks)).toEqual([
      'JWT_ISSUER: is required when JWT_JWKS_URL is set',
      'JWT_AUDIENCE: is required when JWT_JWKS_URL is set',
    ]);
    expect(problemsOf({ ...jwks, JWT_ISSUER: 'https://id.example/' })).toEqual([
      'JWT_AUDIENCE: is required when JWT_JWKS_URL is set',
    ]);
    expect(problemsOf({ ...jwks, JWT_AUDIENCE: 'https://api.example', JWT_ISSUER: '' })).toEqual([
      'JWT_ISSUER: is required when JWT_JWKS_URL is set',
    ]);
  });

  it('refuses the dev login in production', () => {
    expect(problemsOf({ JWT_SECRET: secret, NODE_ENV: 'production', AUTH_DEV_LOGIN: 'true' })).toEqual([
      'AUTH_DEV_LOGIN: must be off when NODE_ENV=production',
    ]);
  });

  it('needs a base URL and model for the openai provider', () => {
    expect(problemsOf({ JWT_SECRET: secret, LLM_PROVIDER: 'openai' })).toEqual([
      'OPENAI_BASE_URL: is required when LLM_PROVIDER=openai',
      'LLM_MODEL: is required when LLM_PROVIDER=openai',
    ]);
  });

  it('keeps every step unless STEP_KEEP_LAST is a whole number of at least 1', () => {
    expect(loadConfig({ JWT_SECRET: secret }).STEP_KEEP_LAST).toBeUndefined();
    expect(loadConfig({ JWT_SECRET: secret, STEP_KEEP_LAST: '50' }).STEP_KEEP_LAST).toBe(50);
    for (const bad of ['0', '2.5', 'all'])
      expect(problemsOf({ JWT_SECRET: secret, STEP_KEEP_LAST: bad })).toEqual([
        expect.stringMatching(/^STEP_KEEP_LAST: /),
      ]);
  });
});

describe('npm start with a bad configuration', () => {
  it('exits 1 before listening, naming every bad variable on stderr', () => {
    const started = spawnSync(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        JWT_SECRET: 'too-short',
        DATABASE_URL: 'mysql://db',
        PORT: 'x',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(started.status).toBe(1);
    expect(started.stderr).toContain('Invalid configuration:');
    for (const variable of ['JWT_SECRET', 'DATABASE_URL', 'PORT']) expect(started.stderr).toContain(variable);
    expect(started.stdout).not.toContain('listening');
  });
});

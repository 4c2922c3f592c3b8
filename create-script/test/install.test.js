// The install and migrate steps, run against a stand-in package manager on PATH that records
// its arguments (the real install is the end-to-end suite's job: it needs the registry).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { expect, it } from 'vitest';
import { scaffold, tempDir } from './helpers.js';

const work = tempDir();
const bin = join(work, 'bin');
mkdirSync(bin);
writeFileSync(
  join(bin, 'pnpm'),
  '#!/bin/sh\necho "$PWD|$*" >> "$FAKE_PM_LOG"\nif [ -n "$FAKE_PM_FAIL" ]; then echo "ERR boom from pnpm" >&2; exit 3; fi\n',
);
chmodSync(join(bin, 'pnpm'), 0o755);

function withFakePm(args, extraEnv = {}) {
  const log = join(work, `log-${Math.random().toString(36).slice(2)}`);
  writeFileSync(log, '');
  const env = { PATH: `${bin}${delimiter}${process.env.PATH}`, FAKE_PM_LOG: log, ...extraEnv };
  const result = scaffold([...args, '--pm', 'pnpm', '--no-git'], { cwd: work, env });
  const calls = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  return { ...result, calls };
}

it('installs with the chosen package manager, then applies the SQLite migrations', () => {
  const result = withFakePm(['sqlite-app']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const project = join(work, 'sqlite-app');
  expect(result.calls).toEqual([`${project}|install`, `${project}|run db:migrate`]);
  expect(result.stdout).toContain('Installing dependencies with pnpm...');
  expect(result.stdout).toContain('Applying database migrations...');
  // Installed already, so the next steps do not repeat it.
  expect(result.stdout).not.toContain('pnpm install');
});

it('with --db postgres, installs but leaves the migrations to the first start', () => {
  const result = withFakePm(['pg-app', '--db', 'postgres']);
  expect(result.status).toBe(0);
  expect(result.calls).toEqual([`${join(work, 'pg-app')}|install`]);
  expect(result.stdout).toContain('Migrations run on first start');
});

it('--no-install runs no package manager at all', () => {
  const result = withFakePm(['lazy-app', '--no-install']);
  expect(result.status).toBe(0);
  expect(result.calls).toEqual([]);
  expect(result.stdout).toContain('pnpm install');
});

it('a failed install shows the package manager output, then one line, and exits 1', () => {
  const result = withFakePm(['broken-app'], { FAKE_PM_FAIL: '1' });
  expect(result.status).toBe(1);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toEqual(['ERR boom from pnpm', 'create-switchyard: `pnpm install` exited with code 3']);
});

it('a package manager that is not installed is named in the error', () => {
  const result = scaffold(['nopm-app', '--pm', 'bun', '--no-git'], {
    cwd: work,
    env: { PATH: bin }, // holds only the fake pnpm: no bun here
  });
  expect(result.status).toBe(1);
  expect(result.stderr.trim()).toBe('create-switchyard: bun could not be started (ENOENT)');
});

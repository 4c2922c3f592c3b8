// The first commit: made unless --no-git, with a fixed author only when git has none configured.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { scaffold, tempDir } from './helpers.js';

const work = tempDir();

/** git with only the given global config, so the machine's own settings do not leak in. */
function gitEnv(globalConfig) {
  const file = join(work, `gitconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, globalConfig);
  return { GIT_CONFIG_GLOBAL: file, GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: work };
}

function git(args, cwd, env) {
  return spawnSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' }).stdout.trim();
}

it('commits every file with a fixed author when none is configured', () => {
  const env = gitEnv('');
  const result = scaffold(['fresh', '--no-install'], { cwd: work, env });
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('Made the first git commit.');
  const project = join(work, 'fresh');
  expect(git(['log', '--format=%an <%ae>|%s'], project, env)).toBe(
    'create-switchyard <create-switchyard@users.noreply.github.com>|Initial commit from create-switchyard',
  );
  expect(git(['status', '--porcelain'], project, env)).toBe('');
  const tracked = git(['ls-files'], project, env).split('\n');
  expect(tracked).toEqual(
    expect.arrayContaining(['package.json', '.gitignore', 'src/index.ts', 'Dockerfile']),
  );
  // .env holds the secret: the template's .gitignore keeps it out of the commit.
  expect(tracked).not.toContain('.env');
});

it('commits as the configured user when there is one', () => {
  const env = gitEnv('[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n');
  expect(scaffold(['configured', '--no-install'], { cwd: work, env }).status).toBe(0);
  expect(git(['log', '--format=%an <%ae>'], join(work, 'configured'), env)).toBe(
    'Ada Lovelace <ada@example.com>',
  );
});

it('makes no nested repository inside an existing one', () => {
  const env = gitEnv('');
  const outer = join(work, 'outer');
  mkdirSync(outer);
  git(['init', '--quiet'], outer, env);
  const result = scaffold(['inner', '--no-install'], { cwd: outer, env });
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('No git commit: the folder is already inside a git repository.');
  expect(existsSync(join(outer, 'inner', '.git'))).toBe(false);
});

it('--no-git makes no repository', () => {
  const env = gitEnv('');
  expect(scaffold(['nogit', '--no-install', '--no-git'], { cwd: work, env }).status).toBe(0);
  expect(existsSync(join(work, 'nogit', '.git'))).toBe(false);
});

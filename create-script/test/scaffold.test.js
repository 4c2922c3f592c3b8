// What a scaffolded project holds, and what each flag changes. No installs: --no-install everywhere.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { read, repoRoot, scaffold, tempDir } from './helpers.js';

const work = tempDir();
const fast = ['--no-install', '--no-git'];

describe('a project with the defaults', () => {
  const project = join(work, 'my-app');
  let result;
  beforeAll(() => {
    result = scaffold(['my-app', ...fast], { cwd: work });
  });

  it('exits 0 and says what to run next', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Created my-app');
    const next = result.stdout.slice(result.stdout.indexOf('Done. Next:'));
    const commands = next
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual([
      'cd my-app',
      'npm install',
      'npm start',
      'npm run token -- --sub alice',
      'npm test',
    ]);
  });

  it('names the package after the directory and keeps the rest of package.json', () => {
    const pkg = JSON.parse(read(project, 'package.json'));
    const template = JSON.parse(read(repoRoot, 'template', 'package.json'));
    expect(pkg.name).toBe('my-app');
    expect({ ...pkg, name: template.name }).toEqual(template);
  });

  it('renames _gitignore to .gitignore', () => {
    expect(existsSync(join(project, '_gitignore'))).toBe(false);
    expect(read(project, '.gitignore')).toBe(read(repoRoot, 'template', '_gitignore'));
  });

  it('renames _biome.json to biome.json, so `npm run lint` has its own root config', () => {
    expect(existsSync(join(project, '_biome.json'))).toBe(false);
    expect(JSON.parse(read(project, 'biome.json'))).toEqual(
      JSON.parse(read(repoRoot, 'template', '_biome.json')),
    );
    expect(JSON.parse(read(project, 'package.json')).scripts.lint).toBe('biome check .');
  });

  it('writes .env from .env.example with a fresh JWT_SECRET and the dev login on', () => {
    const env = read(project, '.env');
    expect(env).toMatch(/^JWT_SECRET=[A-Za-z0-9_-]{43}$/m);
    expect(env).toMatch(/^AUTH_DEV_LOGIN=true$/m);
    expect(env).toMatch(/^DATABASE_URL=file:\.\/data\/app\.db$/m);
    // Every other line is the example's, so the comments that explain the variables are kept.
    const example = read(project, '.env.example').split('\n');
    const written = env.split('\n');
    expect(written).toHaveLength(example.length);
    expect(written.filter((line, i) => line !== example[i]).map((line) => line.split('=')[0])).toEqual([
      'JWT_SECRET',
    ]);
  });

  it('copies the template source but none of its local state', () => {
    for (const file of [
      'src/index.ts',
      'src/app.ts',
      'scripts/ensure-env.mjs',
      'tsconfig.json',
      '.env.example',
    ]) {
      expect(read(project, file)).toBe(read(repoRoot, 'template', file));
    }
    for (const junk of ['node_modules', 'data', 'dist', 'coverage', 'test-results', 'public/assets']) {
      expect(existsSync(join(project, junk)), junk).toBe(false);
    }
  });

  it('copies the guides into docs/, where the README and comments point', () => {
    for (const guide of readdirSync(join(repoRoot, 'docs')).filter((file) => file.endsWith('.md'))) {
      expect(read(project, 'docs', guide)).toBe(read(repoRoot, 'docs', guide));
    }
  });

  it('adds the Docker files by default', () => {
    for (const file of ['Dockerfile', '.dockerignore', 'compose.yaml', 'Caddyfile']) {
      expect(read(project, file)).toBe(read(repoRoot, 'docker', file));
    }
  });

  it('makes no git repository with --no-git', () => {
    expect(existsSync(join(project, '.git'))).toBe(false);
  });
});

it('gives every project its own JWT_SECRET', () => {
  expect(scaffold(['one', ...fast], { cwd: work }).status).toBe(0);
  expect(scaffold(['two', ...fast], { cwd: work }).status).toBe(0);
  const secret = (dir) => /^JWT_SECRET=(.*)$/m.exec(read(work, dir, '.env'))[1];
  expect(secret('one')).not.toBe(secret('two'));
});

it('--db postgres points DATABASE_URL at the compose file Postgres and says migrations wait for it', () => {
  const result = scaffold(['pg-app', '--db', 'postgres', ...fast], { cwd: work });
  expect(result.status).toBe(0);
  expect(read(work, 'pg-app', '.env')).toMatch(
    /^DATABASE_URL=postgres:\/\/switchyard:switchyard@localhost:55432\/switchyard$/m,
  );
  expect(result.stdout).toContain('docker compose up -d postgres');
});

it('--no-docker leaves the Docker files out; --docker adds them', () => {
  expect(scaffold(['plain', '--no-docker', ...fast], { cwd: work }).status).toBe(0);
  expect(scaffold(['boxed', '--docker', ...fast], { cwd: work }).status).toBe(0);
  for (const file of ['Dockerfile', '.dockerignore', 'compose.yaml', 'Caddyfile']) {
    expect(existsSync(join(work, 'plain', file)), file).toBe(false);
    expect(existsSync(join(work, 'boxed', file)), file).toBe(true);
  }
  expect(existsSync(join(work, 'plain', 'src', 'index.ts'))).toBe(true);
});

it('--pm yarn prints yarn commands', () => {
  const result = scaffold(['yarn-app', '--pm', 'yarn', ...fast], { cwd: work });
  expect(result.status).toBe(0);
  for (const command of ['  yarn\n', 'yarn start', 'yarn run token --sub alice', 'yarn test']) {
    expect(result.stdout).toContain(command);
  }
  expect(result.stdout).not.toContain('npm ');
});

it('--pm bun uses `bun run test`, since `bun test` is bun’s own test runner', () => {
  const result = scaffold(['bun-app', '--pm', 'bun', ...fast], { cwd: work });
  expect(result.stdout).toContain('bun run test');
  expect(result.stdout).toContain('bun install');
});

it('without --pm, uses the package manager that ran it (npm_config_user_agent)', () => {
  const result = scaffold(['pnpm-app', ...fast], {
    cwd: work,
    env: { npm_config_user_agent: 'pnpm/9.12.0 npm/? node/v20.20.0 linux x64' },
  });
  expect(result.stdout).toContain('pnpm start');
  expect(result.stdout).toContain('pnpm run token --sub alice');
});

it('--yes without a directory creates switchyard-app', () => {
  const dir = tempDir();
  expect(scaffold(['--yes', ...fast], { cwd: dir }).status).toBe(0);
  expect(JSON.parse(read(dir, 'switchyard-app', 'package.json')).name).toBe('switchyard-app');
});

it('scaffolds into the current directory with "." when it is empty', () => {
  const empty = join(tempDir(), 'dot-app');
  mkdirSync(empty);
  const result = scaffold(['.', ...fast], { cwd: empty });
  expect(result.status).toBe(0);
  expect(JSON.parse(read(empty, 'package.json')).name).toBe('dot-app');
  expect(result.stdout).not.toContain('cd ');
});

it('--force writes into a non-empty directory and keeps an existing .env', () => {
  const dir = tempDir();
  const first = scaffold(['kept', ...fast], { cwd: dir });
  expect(first.status).toBe(0);
  const env = read(dir, 'kept', '.env');
  const again = scaffold(['kept', '--force', ...fast], { cwd: dir });
  expect(again.status).toBe(0);
  expect(read(dir, 'kept', '.env')).toBe(env);
});

it('--version prints the package version; --help the usage', () => {
  const pkg = JSON.parse(read(repoRoot, 'create-script', 'package.json'));
  const version = scaffold(['--version'], { cwd: work });
  expect(version.status).toBe(0);
  expect(version.stdout.trim()).toBe(pkg.version);
  const help = scaffold(['--help'], { cwd: work });
  expect(help.status).toBe(0);
  for (const flag of [
    '--yes',
    '--db',
    '--docker',
    '--no-docker',
    '--no-install',
    '--no-git',
    '--pm',
    '--force',
  ]) {
    expect(help.stdout).toContain(flag);
  }
  expect(readdirSync(work)).not.toContain('--help');
});

// The published package carries its own template/ and docker/ (npm pack runs the prepack
// script), without the template's local state, and the CLI run from it uses that copy.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { read, repoRoot, scaffold, tempDir } from './helpers.js';

const work = tempDir();
const checkout = join(work, 'checkout');
let packed = [];
let tarball = '';

beforeAll(() => {
  // A checkout of our own: the CLI, the docker files, and the template plus the local state a
  // developer's template has (installs, a database, secrets, reports), which must stay out.
  for (const part of ['index.js', 'package.json', 'src', 'scripts']) {
    cpSync(join(repoRoot, 'create-script', part), join(checkout, 'create-script', part), { recursive: true });
  }
  cpSync(join(repoRoot, 'docker'), join(checkout, 'docker'), { recursive: true });
  cpSync(join(repoRoot, 'docs'), join(checkout, 'docs'), { recursive: true });
  cpSync(join(repoRoot, 'template'), join(checkout, 'template'), {
    recursive: true,
    filter: (source) => !/node_modules|test-results/.test(source),
  });
  const junk = {
    'node_modules/left-pad/index.js': '',
    'src/node_modules/x.js': '',
    'data/app.db': 'db',
    '.env': 'JWT_SECRET=the-developers-own',
    '.env.local': 'X=1',
    'dist/index.js': '',
    'public/assets/chat.js': '',
    'coverage/index.html': '',
    'test-results/report.json': '{}',
    'server.log': '',
    'MARKER.md': 'from the packed template',
  };
  for (const [file, content] of Object.entries(junk)) {
    mkdirSync(join(checkout, 'template', file, '..'), { recursive: true });
    writeFileSync(join(checkout, 'template', file), content);
  }
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: join(checkout, 'create-script'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [report] = JSON.parse(output);
  packed = report.files.map((file) => file.path);
  tarball = join(work, report.filename);
}, 60_000);

it('packs the CLI, the template and the docker files', () => {
  for (const file of [
    'index.js',
    'src/copy.js',
    'template/package.json',
    'template/_gitignore',
    'template/.env.example',
    'template/src/index.ts',
    'template/scripts/ensure-env.mjs',
    'template/drizzle/sqlite/meta/_journal.json',
    'template/MARKER.md',
    'docker/Dockerfile',
    'docker/.dockerignore',
    'docker/compose.yaml',
    'docker/Caddyfile',
    'docs/getting-started.md',
  ]) {
    expect(packed).toContain(file);
  }
});

it('packs none of the template local state, nor the tests of the CLI', () => {
  const leaked = packed.filter((file) =>
    /(^|\/)node_modules\/|^template\/(data|dist|coverage|test-results|public\/assets)\/|^template\/\.env(\.local)?$|\.log$|^test\/|^scripts\//.test(
      file,
    ),
  );
  expect(leaked).toEqual([]);
});

it('removes its copies after packing, so the checkout reads ../template again', () => {
  expect(existsSync(join(checkout, 'create-script', 'template'))).toBe(false);
  expect(existsSync(join(checkout, 'create-script', 'docker'))).toBe(false);
});

it('scaffolds from the installed package, using the template it carries', () => {
  const installed = join(work, 'installed');
  mkdirSync(installed);
  execFileSync('tar', ['-xzf', tarball, '-C', installed]);
  // The dependencies as npm would install them beside the package.
  symlinkSync(join(repoRoot, 'node_modules'), join(installed, 'package', 'node_modules'));
  const result = scaffold(['from-npm', '--no-install', '--no-git'], {
    cwd: work,
    script: join(installed, 'package', 'index.js'),
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(read(work, 'from-npm', 'MARKER.md')).toBe('from the packed template');
  expect(read(work, 'from-npm', '.env')).not.toContain('the-developers-own');
  expect(existsSync(join(work, 'from-npm', 'Dockerfile'))).toBe(true);
  expect(existsSync(join(work, 'from-npm', '.gitignore'))).toBe(true);
});

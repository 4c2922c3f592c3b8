// Every refusal: exit code 1, one line on stderr that says what to do, and nothing written.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { scaffold, tempDir } from './helpers.js';

const work = tempDir();

function expectRefusal(result, pattern) {
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^create-switchyard: /);
  expect(lines[0]).toMatch(pattern);
}

it('refuses a non-empty directory and leaves it as it was', () => {
  const dir = join(work, 'taken');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  expectRefusal(
    scaffold(['taken', '--no-install', '--no-git'], { cwd: work }),
    /taken is not empty.*--force/,
  );
  expect(readdirSync(dir)).toEqual(['notes.txt']);
  expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
});

it('refuses a path that is a file', () => {
  writeFileSync(join(work, 'afile'), 'x');
  expectRefusal(
    scaffold(['afile', '--no-install', '--no-git'], { cwd: work }),
    /afile exists and is not a directory/,
  );
});

it.each([
  ['My App', /"My App" is not a valid package name/],
  ['.hidden', /"\.hidden" is not a valid package name.*period/],
  ['node_modules', /"node_modules" is not a valid package name/],
  ['http', /"http" is not a valid package name.*core module/],
])('refuses a directory whose name is no valid package name: %s', (dir, pattern) => {
  expectRefusal(scaffold([dir, '--no-install', '--no-git'], { cwd: work }), pattern);
});

it.each([
  [['app', '--frobnicate'], /unknown option --frobnicate \(see --help\)/],
  [['app', '-x'], /unknown option -x \(see --help\)/],
  [['app', '--db', 'mysql'], /--db must be sqlite or postgres, not "mysql"/],
  [['app', '--db'], /--db needs a value/],
  [['app', '--pm', '--no-docker'], /--pm needs a value/],
  [['app', '--yes=please'], /--yes takes no value/],
  [['app', '--pm', 'npx'], /--pm must be one of npm, pnpm, yarn, bun, not "npx"/],
  [['app', '--docker', '--no-docker'], /either --docker or --no-docker/],
  [['one', 'two'], /expected one directory, got one two/],
])('refuses bad flags: %j', (args, pattern) => {
  expectRefusal(scaffold(['--no-install', '--no-git', ...args], { cwd: work }), pattern);
});

it('wrote nothing while refusing', () => {
  expect(readdirSync(work).sort()).toEqual(['afile', 'taken']);
});

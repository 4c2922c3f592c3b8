// Runs the real CLI as a user would, in a temp directory that is removed after the suite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const cli = fileURLToPath(new URL('../index.js', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A temp directory for this test file, removed when its tests are done. */
export function tempDir(prefix = 'create-switchyard-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `node index.js ...args` in `cwd` without a terminal (so without prompts). The user agent is
 * cleared so the package manager is npm unless a test says otherwise.
 */
export function scaffold(args, { cwd, env = {}, script = cli } = {}) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd,
    env: { ...process.env, npm_config_user_agent: '', ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function read(...parts) {
  return readFileSync(join(...parts), 'utf8');
}

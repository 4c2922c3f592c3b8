// `npm run bench:create`: how long a new user waits from `create-switchyard --yes` to the first
// /healthz answer, next to a plain `npm install` of the same package.json in the same run, on the
// same npm cache (goal: at most 1.3× the plain install). Prints Markdown tables.
//
// Cache state: one warm-up install of the template's package.json fills the npm cache first, so
// the create run and the plain install that follow both install from the same warm cache.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newUserEnv } from './lib/new-user-env.mjs';
import { startProject } from './lib/start-project.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cli = join(repo, 'create-script', 'index.js');
const templatePackage = join(repo, 'template', 'package.json');
const env = newUserEnv();

/**
 * Runs `command args` in `cwd` and resolves with its duration, its output and the time (ms from
 * the start) at which each line of its stdout appeared. Rejects with the output if it fails.
 */
function timed(command, args, cwd) {
  const started = performance.now();
  const lines = [];
  let output = '';
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => {
      const at = performance.now() - started;
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push({ line, at });
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, lines, output });
      else reject(new Error(`\`${[command, ...args].join(' ')}\` exited with ${code}:\n${output}`));
    });
  });
}

/** A folder holding only the template's package.json, as a plain project would. */
function plainProject(folder) {
  mkdirSync(folder);
  copyFileSync(templatePackage, join(folder, 'package.json'));
  return folder;
}

/** Scaffolds with install, then `npm start` until /healthz answers; the phases come from the CLI's progress lines. */
async function createToHealthz(folder) {
  const project = join(folder, 'app');
  const created = await timed('node', [cli, project, '--yes', '--no-git'], folder);
  const startedAt = performance.now();
  const server = await startProject(project, env);
  const startMs = performance.now() - startedAt;
  await server.stop();
  const at = (prefix) => created.lines.find(({ line }) => line.startsWith(prefix))?.at;
  const installing = at('Installing dependencies');
  const migrating = at('Applying database migrations');
  return {
    copy: installing,
    install: installing !== undefined && migrating !== undefined ? migrating - installing : undefined,
    migrate: migrating !== undefined ? created.ms - migrating : undefined,
    create: created.ms,
    start: startMs,
    total: created.ms + startMs,
  };
}

const seconds = (ms) => (ms === undefined ? '—' : (ms / 1000).toFixed(1));

const workdir = mkdtempSync(join(tmpdir(), 'switchyard-bench-create-'));
try {
  console.error('warm-up: npm install of the template package.json (fills the npm cache)...');
  const warmUp = await timed('npm', ['install'], plainProject(join(workdir, 'warm-up')));
  console.error('create --yes --no-git, then npm start until /healthz...');
  const create = await createToHealthz(workdir);
  console.error('plain npm install of the same package.json...');
  const plain = await timed('npm', ['install'], plainProject(join(workdir, 'plain')));
  const npmVersion = (await timed('npm', ['--version'], workdir)).output.trim();

  console.log(`
Node ${process.version}, npm ${npmVersion}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${new Date().toISOString().slice(0, 10)}.
The npm cache was warmed by one install of the same package.json (${seconds(warmUp.ms)} s) before both runs.

| create --yes to /healthz                   | seconds |
| ------------------------------------------ | ------- |
| copy the template, write .env              | ${seconds(create.copy)} |
| npm install (run by the scaffolder)        | ${seconds(create.install)} |
| database migrations                        | ${seconds(create.migrate)} |
| npm start until GET /healthz answers       | ${seconds(create.start)} |
| **create --yes --no-git to /healthz**      | **${seconds(create.total)}** |

| same run                                   | seconds | ratio |
| ------------------------------------------ | ------- | ----- |
| plain npm install of template/package.json | ${seconds(plain.ms)} | 1.00 |
| create --yes --no-git to /healthz          | ${seconds(create.total)} | ${(create.total / plain.ms).toFixed(2)} (goal ≤ 1.30) |
`);
} finally {
  rmSync(workdir, { recursive: true, force: true });
}

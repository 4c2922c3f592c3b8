#!/usr/bin/env node
// create-switchyard: copies the Switchyard template into a new folder, then installs, migrates
// and commits. Every question has a flag, so CI can run it without a terminal.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { intro, log, outro } from '@clack/prompts';
import {
  copyProjectFiles,
  isEmptyDir,
  renameBiomeConfig,
  renameGitignore,
  setPackageName,
  sourceDir,
} from './src/copy.js';
import { initialCommit, reasonToSkipGit } from './src/git.js';
import { nameProblem } from './src/name.js';
import { detectPackageManager, display, packageManagers, runArgs } from './src/package-manager.js';
import { ask } from './src/prompts.js';
import { run, step } from './src/run.js';

const usage = `Usage: create-switchyard [dir] [flags]

Creates a Switchyard app (Hono, a graph engine, JWT auth, SQLite or Postgres) in dir.

Flags:
  -y, --yes             ask nothing; use the flags and defaults (implied without a terminal)
      --db <name>       sqlite (default) or postgres
      --docker          add Dockerfile and compose.yaml (default)
      --no-docker       leave them out
      --no-install      do not install dependencies (nor apply migrations)
      --no-git          do not make a first git commit
      --pm <name>       npm, pnpm, yarn or bun (default: the one running this command)
      --force           write into a non-empty dir (files of the template are overwritten)
  -h, --help            show this help
  -v, --version         show the version

Example: npm create switchyard@latest my-app -- --db postgres --no-git`;

const options = {
  yes: { type: 'boolean', short: 'y' },
  db: { type: 'string' },
  docker: { type: 'boolean' },
  'no-docker': { type: 'boolean' },
  'no-install': { type: 'boolean' },
  'no-git': { type: 'boolean' },
  pm: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

const databaseUrls = {
  // Matches the postgres service of compose.yaml, published on the host's port 55432 (not 5432,
  // where a Postgres of the developer's own may already listen).
  postgres: 'postgres://switchyard:switchyard@localhost:55432/switchyard',
};

/** A problem the user can fix: printed as one line, exit code 1. */
class UsageError extends Error {}

let interactive = false;
/** A progress line: in clack's frame on a terminal, plain in logs. */
function say(message) {
  if (interactive) log.info(message);
  else console.log(message);
}

function parse(argv) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true });
  } catch (error) {
    // node's messages run to several sentences; one short line names the flag and the fix.
    const flag = /--[\w-]+/.exec(error.message)?.[0] ?? /'(-[^']*)'/.exec(error.message)?.[1] ?? 'an option';
    if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(`unknown option ${flag} (see --help)`);
    if (/does not take/.test(error.message)) throw new UsageError(`${flag} takes no value (see --help)`);
    throw new UsageError(`${flag} needs a value (see --help)`);
  }
}

function checkFlags(values, positionals) {
  if (positionals.length > 1) throw new UsageError(`expected one directory, got ${positionals.join(' ')}`);
  if (values.db !== undefined && !['sqlite', 'postgres'].includes(values.db)) {
    throw new UsageError(`--db must be sqlite or postgres, not "${values.db}"`);
  }
  if (values.pm !== undefined && !packageManagers.includes(values.pm)) {
    throw new UsageError(`--pm must be one of ${packageManagers.join(', ')}, not "${values.pm}"`);
  }
  if (values.docker && values['no-docker']) throw new UsageError('choose either --docker or --no-docker');
}

function checkTarget(projectDir, dir, force) {
  const problem = nameProblem(basename(projectDir));
  if (problem) throw new UsageError(problem);
  if (existsSync(projectDir) && !statSync(projectDir).isDirectory()) {
    throw new UsageError(`${dir} exists and is not a directory`);
  }
  if (!force && !isEmptyDir(projectDir)) {
    throw new UsageError(`${dir} is not empty; choose a new directory, or pass --force to write into it`);
  }
}

/** Copies the template (the guides into docs/, and the docker files), names the package and writes .env. */
async function writeProject(projectDir, { name, db, docker }) {
  // Every source is found before anything is written, so a broken install writes nothing.
  const sources = [
    [sourceDir('template'), projectDir],
    [sourceDir('docs'), join(projectDir, 'docs')],
    ...(docker ? [[sourceDir('docker'), projectDir]] : []),
  ];
  for (const [source, target] of sources) copyProjectFiles(source, target);
  renameGitignore(projectDir);
  renameBiomeConfig(projectDir);
  setPackageName(projectDir, name);
  // The project's own script writes .env, so `npm start` and the scaffolder agree on its contents.
  const { ensureEnv } = await import(pathToFileURL(join(projectDir, 'scripts', 'ensure-env.mjs')).href);
  ensureEnv(projectDir, {
    AUTH_DEV_LOGIN: 'true',
    ...(databaseUrls[db] ? { DATABASE_URL: databaseUrls[db] } : {}),
  });
}

function nextSteps({ projectDir, pm, db, docker, installed }) {
  const fromHere = relative(process.cwd(), projectDir);
  const cdPath = fromHere.startsWith('..') ? projectDir : fromHere;
  const lines = [];
  if (cdPath) lines.push(`cd ${/\s/.test(cdPath) ? `"${cdPath}"` : cdPath}`);
  if (!installed) lines.push(display(pm, 'install'));
  if (db === 'postgres') {
    lines.push(
      docker
        ? 'docker compose up -d postgres   # the DATABASE_URL in .env points at it'
        : '# point DATABASE_URL in .env at your Postgres',
    );
  }
  lines.push(`${display(pm, 'start')}   # http://127.0.0.1:3000 and /docs`);
  lines.push(`${display(pm, 'token', ['--sub', 'alice'])}   # in another terminal: a JWT for curl`);
  lines.push(display(pm, 'test'));
  return lines.map((line) => `  ${line}`).join('\n');
}

async function main(argv) {
  const { values, positionals } = parse(argv);
  if (values.help) return console.log(usage);
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
    return console.log(pkg.version);
  }
  checkFlags(values, positionals);

  interactive = !values.yes && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (interactive) intro('create-switchyard');
  const answers = interactive ? await ask({ dir: positionals[0], db: values.db }) : {};
  const dir = answers.dir ?? positionals[0] ?? 'switchyard-app';
  const db = answers.db ?? values.db ?? 'sqlite';
  const pm = values.pm ?? detectPackageManager();
  const docker = !values['no-docker'];
  const projectDir = resolve(dir);
  const name = basename(projectDir);

  checkTarget(projectDir, dir, values.force);
  await writeProject(projectDir, { name, db, docker });
  say(`Created ${name} in ${projectDir} (${db}${docker ? ', with Docker files' : ''}).`);

  const installed = !values['no-install'];
  if (installed) {
    await step(
      { start: `Installing dependencies with ${pm}`, done: 'Dependencies installed' },
      interactive,
      () => run(pm, ['install'], projectDir),
    );
    if (db === 'sqlite') {
      await step(
        { start: 'Applying database migrations', done: 'Database ready (data/app.db)' },
        interactive,
        () => run(pm, runArgs(pm, 'db:migrate'), projectDir),
      );
    } else {
      say('Migrations run on first start, once Postgres answers.');
    }
  }
  if (!values['no-git']) {
    // The project is written by now: a git problem is reported, not fatal.
    try {
      const skip = reasonToSkipGit(projectDir);
      if (skip) say(`No git commit: ${skip}.`);
      else {
        initialCommit(projectDir);
        say('Made the first git commit.');
      }
    } catch (error) {
      console.error(`No git commit: ${error.message}`);
    }
  }

  const message = `Done. Next:\n\n${nextSteps({ projectDir, pm, db, docker, installed })}\n`;
  if (interactive) outro(message);
  else console.log(`\n${message}`);
}

main(process.argv.slice(2)).catch((error) => {
  // Only the first line: a stack trace would hide what to do.
  console.error(`create-switchyard: ${String(error.message).split('\n')[0]}`);
  process.exit(1);
});

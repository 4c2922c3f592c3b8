// docs/getting-started.md, run as a new user would: every ```sh and ```ts block in order, in a
// temp folder, on this checkout instead of the published package. A block added to the guide is
// run as it stands; one that cannot run here must be excused below, with the reason, or this fails.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newUserEnv } from '../scripts/lib/new-user-env.mjs';
import { startProject } from '../scripts/lib/start-project.mjs';
import {
  type Block,
  type Command,
  containsPair,
  eventsIn,
  fencedBlocks,
  inOrder,
  jsonIn,
  promisedOutput,
  shellCommands,
} from './helpers/doc-snippets';

const repo = resolve('.');
const guide = 'docs/getting-started.md';
const blocks = fencedBlocks(readFileSync(join(repo, guide), 'utf8'));

/** Blocks not run on this machine, named by their first command (or first line), and why. */
const notRunHere: Record<string, string> = {
  'docker compose up -d postgres':
    'needs a Docker engine, which this machine lacks; test/scaffold.e2e.test.ts runs --db postgres against a local Postgres instead',
  'docker compose up --build':
    'needs a Docker engine, which this machine lacks; create-script/test/docker.test.js checks compose.yaml and the Dockerfile',
};

type Treatment =
  | { skip: string }
  | { folder: 'scratch' | 'checkout'; append: string; why: string }
  | { server: string };

/**
 * Commands run otherwise than as written, and why. The guide shows three ways to scaffold; one
 * install takes about a minute, so only the --yes form installs, and the rest of the guide runs in
 * the project it makes. The other two run without installing, each in a folder of its own.
 */
const treatments: Record<string, Treatment> = {
  'npm create switchyard@latest my-app': {
    folder: 'scratch',
    append: '--no-install',
    why: 'the prompting form (without a terminal it asks nothing); the --yes form after it installs',
  },
  'npm install': {
    skip: 'installs the repository this test runs from, which is installed already',
  },
  'npx ./create-script my-app --yes': {
    folder: 'checkout',
    append: '--no-install',
    why: 'the checkout form; the --yes form before it installs',
  },
  'npm test': {
    skip: "runs the project's own suite (about a minute), which test/scaffold.e2e.test.ts runs on the same --yes scaffold",
  },
  'npm start': {
    server:
      'runs in the background on a free port (the guide uses a second terminal); localhost:3000 in later blocks is rewritten to it',
  },
};

/**
 * `npm create switchyard@latest …` runs the published package, which cannot be fetched here: it
 * runs the checkout's CLI instead, with the arguments npm would pass (npm drops the first `--`).
 */
function fromCheckout(command: string) {
  const prefix = 'npm create switchyard@latest';
  if (command !== prefix && !command.startsWith(`${prefix} `)) return command;
  const args = command.slice(prefix.length).trim().split(/\s+/).filter(Boolean);
  const dashes = args.indexOf('--');
  if (dashes !== -1) args.splice(dashes, 1);
  return ['node', `'${join(repo, 'create-script/index.js')}'`, ...args].join(' ');
}

const workdir = mkdtempSync(join(tmpdir(), 'switchyard-guide-'));
const home = join(workdir, 'home');
const checkout = join(workdir, 'checkout');
const state = join(workdir, 'shell-state');
for (const folder of [home, checkout, state]) mkdirSync(folder);
// `npx ./create-script` as from a clone: the CLI finds template/ and docker/ beside its real path.
symlinkSync(join(repo, 'create-script'), join(checkout, 'create-script'));

const env = newUserEnv();
let cwd = home;
let server: Awaited<ReturnType<typeof startProject>> | undefined;
const written: { file: string; block: Block }[] = [];
const ran: string[] = [];

afterAll(async () => {
  await server?.stop();
  rmSync(workdir, { recursive: true, force: true });
});

/** What the guide's port becomes once the server runs on its free port. */
function onServerPort(text: string) {
  return server ? text.replace(/\b(localhost|127\.0\.0\.1):3000\b/g, `$1:${server.port}`) : text;
}

// Variables the guide sets (TOKEN=…) carry over to later commands, as in one terminal.
const variables = [
  ...new Set(
    blocks
      .filter((block) => block.lang === 'sh')
      .flatMap((block) =>
        [...block.text.matchAll(/^(?:export\s+)?([A-Za-z_]\w*)=/gm)].map(([, name]) => name),
      ),
  ),
];

/** Runs `command` in bash in `folder`; with `keep`, its cwd and variables carry over to the next. */
function bash(command: string, folder: string, keep: boolean) {
  const script = [
    'set -e',
    `[ -f '${state}/vars.sh' ] && source '${state}/vars.sh'`,
    command,
    ...(keep ? [`pwd > '${state}/cwd'`] : []),
    ...(keep && variables.length
      ? [`declare -p ${variables.join(' ')} > '${state}/vars.sh' 2>/dev/null || true`]
      : []),
  ].join('\n');
  return new Promise<{ status: number | null; output: string; errors: string }>((done, fail) => {
    const child = spawn('bash', ['-c', script], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    child.on('error', fail);
    child.on('close', (status) => done({ status, output, errors }));
  });
}

/** Checks the output of a command against what its comments promise (values and shape, not text). */
function checkPromises(command: Command, output: string) {
  const { pairs, events } = promisedOutput(command.comments);
  const values = jsonIn(output.trim());
  for (const pair of pairs) {
    expect(
      containsPair(values, pair),
      `${command.key}: the guide promises "${pair.key}": ${JSON.stringify(pair.value)}${pair.prefix ? '...' : ''}; it printed:\n${output}`,
    ).toBe(true);
  }
  if (events.length) {
    expect(
      inOrder(eventsIn(output), events),
      `${command.key}: the guide promises the events ${events.join(', ')}; it printed:\n${output}`,
    ).toBe(true);
  }
}

async function runCommand(command: Command) {
  const treatment = treatments[command.key];
  ran.push(command.key);
  if (treatment && 'skip' in treatment) {
    console.log(`NOTE: \`${command.key}\` not run: it ${treatment.skip}.`);
    return;
  }
  if (treatment && 'server' in treatment) {
    server = await startProject(cwd, env);
    return;
  }
  if (treatment) console.log(`NOTE: \`${command.key}\` runs with ${treatment.append}: ${treatment.why}.`);
  const folder = !treatment
    ? cwd
    : treatment.folder === 'checkout'
      ? checkout
      : mkdtempSync(join(workdir, 'scratch-'));
  const text = onServerPort(fromCheckout(command.text)) + (treatment ? ` ${treatment.append}` : '');
  const { status, output, errors } = await bash(text, folder, !treatment);
  expect(status, `\`${command.key}\` exited with ${status}:\n${output}\n${errors}`).toBe(0);
  if (!treatment) cwd = readFileSync(join(state, 'cwd'), 'utf8').trim();
  checkPromises(command, output);
}

/** A TypeScript block names its file on its first line (`// hello.ts`); a later command runs it. */
function writeTypeScript(block: Block) {
  const file = /^\/\/ ([\w.-]+\.ts)$/.exec(block.text.split('\n')[0])?.[1];
  expect(file, `the ts block on line ${block.line} must start with // <file>.ts`).toBeDefined();
  writeFileSync(join(cwd, file as string), onServerPort(block.text));
  written.push({ file: file as string, block });
}

/** How notRunHere names a block: its first command, or the first line of a block that is not shell. */
function blockName(block: Block) {
  return block.lang === 'sh' ? (shellCommands(block)[0]?.key ?? '') : block.text.split('\n')[0].trim();
}

describe(`${guide}, as a new user`, () => {
  for (const block of blocks) {
    const excuse = notRunHere[blockName(block)];
    if (excuse) {
      console.log(`NOTE: ${guide}:${block.line} (${blockName(block)}) not run: it ${excuse}.`);
      continue;
    }
    it(`runs the ${block.lang || 'unlabelled'} block on line ${block.line}`, async () => {
      if (block.lang === 'ts') return writeTypeScript(block);
      expect(block.lang, `run it (sh, ts) or add it to notRunHere with the reason`).toBe('sh');
      for (const command of shellCommands(block)) await runCommand(command);
    });
  }

  it('ran every TypeScript block it wrote', () => {
    for (const { file, block } of written) {
      expect(
        ran.some((command) => command.includes(file)),
        `no command of the guide runs ${file} (the ts block on line ${block.line})`,
      ).toBe(true);
    }
  });

  it('names only commands and blocks the guide has', () => {
    const names = blocks.map(blockName);
    for (const name of Object.keys(notRunHere)) expect(names, 'notRunHere is stale').toContain(name);
    for (const name of Object.keys(treatments)) {
      expect(
        ran.filter((key) => key === name),
        `treatments["${name}"] must match exactly one command run`,
      ).toHaveLength(1);
    }
  });
});

// Runs a scaffolded project's `npm start` on a free port until /healthz answers, and stops it
// again: shared by the end-to-end tests and the create benchmark.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `npm start` in `dir` with `env` plus PORT and resolves once GET /healthz answers 200,
 * with { base, port, stop, output }. Rejects with what the server printed if it exits first or
 * takes longer than `timeoutMs`.
 */
export async function startProject(dir, env, { timeoutMs = 120_000 } = {}) {
  const port = await freePort();
  // Its own process group: npm starts sh, tsx and node, and stop() must end all of them, not
  // just npm (killing npm alone leaves the server running).
  const server = spawn('npm', ['start'], {
    cwd: dir,
    env: { ...env, PORT: String(port) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout.on('data', (chunk) => {
    output += chunk;
  });
  server.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const project = {
    base: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    stop: () => stopGroup(server),
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await fetch(`${project.base}/healthz`).catch(() => undefined);
    if (answer?.ok) return project;
    if (server.exitCode !== null || server.signalCode !== null) break;
    await sleep(100);
  }
  await project.stop();
  throw new Error(`npm start in ${dir} did not answer /healthz:\n${output}`);
}

/** SIGTERM to the whole group (the app shuts down gracefully); SIGKILL to whatever is left after 10 s. */
async function stopGroup(server) {
  const signal = (name) => {
    try {
      process.kill(-server.pid, name);
      return true;
    } catch (error) {
      if (error.code === 'ESRCH') return false;
      throw error;
    }
  };
  signal('SIGTERM');
  // npm may exit before the server does, so wait for the group, not for npm.
  for (let waited = 0; waited < 10_000 && signal(0); waited += 100) await sleep(100);
  signal('SIGKILL');
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

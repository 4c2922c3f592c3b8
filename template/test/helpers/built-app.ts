import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_SECRET } from './app-process';

const project = join(import.meta.dirname, '../..');

/** The production entry as `npm run build` writes it and `npm start` runs it. */
export const builtEntry = join(project, 'dist/index.js');

export interface BuiltApp {
  base: string;
  child: ChildProcess;
  /** Sends the process the signal (nothing if it has exited) and removes the folder it ran in. */
  stop: (signal: NodeJS.Signals) => void;
}

/**
 * Runs `npm run build`, then starts dist/index.js from a fresh temp folder (so nothing is found
 * relative to the working directory) with a SQLite file there, no environment but PATH, the
 * production defaults and `env`, and resolves once it logs the port it listens on.
 */
export async function startBuiltApp(env: Record<string, string> = {}): Promise<BuiltApp> {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: project, stdio: 'pipe' });
  const folder = mkdtempSync(join(tmpdir(), 'switchyard-dist-'));
  const child = spawn(process.execPath, [builtEntry], {
    cwd: folder,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_SECRET,
      PORT: '0',
      DATABASE_URL: `file:${join(folder, 'app.db')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = (signal: NodeJS.Signals) => {
    child.kill(signal);
    rmSync(folder, { recursive: true, force: true });
  };
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const listening = /"port":(\d+)[^\n]*"msg":"listening"/.exec(output);
      if (listening) resolve(Number(listening[1]));
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', () => reject(new Error(`dist/index.js exited:\n${output}`)));
  }).catch((error: unknown) => {
    stop('SIGKILL');
    throw error;
  });
  return { base: `http://127.0.0.1:${port}`, child, stop };
}

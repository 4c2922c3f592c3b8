import { type ChildProcess, spawn } from 'node:child_process';
import { signDevToken } from '../../src/auth/sign-token';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long';

export interface AppProcess {
  base: string;
  child: ChildProcess;
  output: () => string;
  token: (sub: string) => Promise<string>;
  /** Ends the process: SIGTERM (graceful) or SIGKILL (a crash). */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `src/index.ts` as its own process (as `npm start` does) and waits for /healthz. */
export async function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const port = 21_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      JWT_SECRET: TEST_SECRET,
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok) break;
    if (child.exitCode !== null || attempt > 150) throw new Error(`the app did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    child,
    output: () => output,
    token: (sub) => signDevToken(TEST_SECRET, { sub }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

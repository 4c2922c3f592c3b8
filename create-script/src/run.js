// Running the package manager and git in the new project, with a spinner or a progress line.
import { spawn } from 'node:child_process';
import { spinner } from '@clack/prompts';

/**
 * Runs `command args` in `cwd` with its output captured. Resolves with the output; rejects with
 * an Error whose `output` holds what the command printed, so the caller can show it.
 */
export function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => {
      reject(
        Object.assign(new Error(`${command} could not be started (${error.code ?? error.message})`), {
          output,
        }),
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          Object.assign(new Error(`\`${[command, ...args].join(' ')}\` exited with code ${code}`), {
            output,
          }),
        );
    });
  });
}

/**
 * Runs a long step: a spinner on a terminal, one progress line otherwise (CI logs). On failure
 * the command's output is printed before the error travels up.
 */
export async function step({ start, done }, interactive, task) {
  const progress = interactive ? spinner() : undefined;
  if (progress) progress.start(start);
  else console.log(`${start}...`);
  try {
    const result = await task();
    progress?.stop(done);
    return result;
  } catch (error) {
    progress?.error(`${start}: failed`);
    if (error.output) process.stderr.write(`${error.output.trimEnd()}\n`);
    throw error;
  }
}

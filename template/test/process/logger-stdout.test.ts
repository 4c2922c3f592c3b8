import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const loggerModule = fileURLToPath(new URL('../../src/lib/logger.ts', import.meta.url));

// The logger writes stdout asynchronously (src/lib/logger.ts), so lines wait in memory while the
// reader is slow. This holds what that must not cost: every line arrives, in order, also when the
// process exits right after logging them, and also when the reader starts late.
describe('createLogger on a piped stdout', () => {
  it('delivers every line in order, including those logged just before process.exit', async () => {
    const script = `
      const { createLogger } = await import(${JSON.stringify(loggerModule)});
      const logger = createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'production' });
      for (let n = 0; n < 20000; n++) logger.info({ n }, 'line');
      process.exit(0);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Read only after a while, so the pipe is full and lines must wait in the process.
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const numbers = text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { n: number }).n);
    expect(numbers).toHaveLength(20000);
    expect(numbers.every((n, index) => n === index)).toBe(true);
  });
});

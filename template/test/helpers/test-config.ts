import { type Config, loadConfig } from '../../src/config';

/** A valid config for tests: quiet logs, a fixed secret, scripted LLM without delay. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'test-secret-that-is-at-least-32-bytes-long',
    SCRIPTED_DELAY_MS: '0',
    ...overrides,
  });
}

import type { Config } from '../../config';
import type { LlmProvider } from './provider';
import { scriptedProvider } from './scripted';

export type { LlmProvider } from './provider';

/** The provider LLM_PROVIDER names. */
export function createLlmProvider(config: Config): LlmProvider {
  switch (config.LLM_PROVIDER) {
    case 'scripted':
      return scriptedProvider({ delayMs: config.SCRIPTED_DELAY_MS });
    case 'openai':
      throw new Error('LLM_PROVIDER=openai is not wired yet');
  }
}

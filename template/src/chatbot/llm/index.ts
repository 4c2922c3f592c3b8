import type { Config } from '../../config';
import { openAiCompatibleProvider } from './openai-compatible';
import type { LlmProvider } from './provider';
import { scriptedProvider } from './scripted';

export type { LlmProvider } from './provider';

/** The provider LLM_PROVIDER names. */
export function createLlmProvider(config: Config): LlmProvider {
  switch (config.LLM_PROVIDER) {
    case 'scripted':
      return scriptedProvider({ delayMs: config.SCRIPTED_DELAY_MS });
    case 'openai':
      return openAiCompatibleProvider({
        // config.ts requires both when LLM_PROVIDER=openai.
        baseUrl: config.OPENAI_BASE_URL as string,
        model: config.LLM_MODEL as string,
        apiKey: config.OPENAI_API_KEY,
        timeoutMs: config.LLM_TIMEOUT_MS,
      });
  }
}

import type { ChatMapping } from '../chat/mapping';
import type { ChatStateValues } from './state';

/**
 * The chatbot speaks chat (src/graphs.ts pairs it with its graph): a user message runs `prompt`,
 * and `chat_history` is the conversation. useChat and OpenAI's chat completions are derived from this.
 */
export const chatbotChat: ChatMapping<ChatStateValues> = {
  action: 'prompt',
  input: (text) => ({ prompt: text }),
  messages: (state) => state.chat_history.map(({ role, content }) => ({ role, content })),
  seed: (history) => ({
    chat_history: history.map(({ role, content }) => ({ role, content, type: 'text' as const })),
  }),
};

import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatMessage, LlmProvider, Mode } from './provider';

/**
 * The offline demo provider: a keyword rule classifies, and each mode answers with a fixed,
 * clearly labelled text streamed word by word. It lets the template run with no model and no
 * network; it is not a model and says so in every answer.
 */
export function scriptedProvider(options: { delayMs: number }): LlmProvider {
  return {
    name: 'scripted',
    async classify(prompt) {
      return classifyByKeywords(prompt);
    },
    async *streamText(messages, { signal, mode }) {
      const words = scriptedAnswer(mode, lastUserMessage(messages)).split(/(?<= )/);
      for (const word of words) {
        signal.throwIfAborted();
        if (options.delayMs > 0) await sleep(options.delayMs, undefined, { signal });
        yield word;
      }
    },
  };
}

export function classifyByKeywords(prompt: string): Mode {
  const text = prompt.toLowerCase();
  if (/\b(code|function|program|script|typescript|javascript|python|sql|bug)\b/.test(text))
    return 'generate_code';
  if (/\b(poem|poetry|verse|haiku|sonnet|rhyme)\b/.test(text)) return 'generate_poem';
  if (text.includes('?') || /^(what|why|how|who|when|where|which|is|are|can|does|do)\b/.test(text))
    return 'answer_question';
  return 'prompt_for_more';
}

const lastUserMessage = (messages: ChatMessage[]) =>
  [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';

function scriptedAnswer(mode: Mode, prompt: string): string {
  const quoted = prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt;
  switch (mode) {
    case 'generate_code':
      return `[scripted demo] Here is code for "${quoted}":\n\n\`\`\`ts\nexport function answer(): string {\n  return 'Set LLM_PROVIDER=openai for real code.';\n}\n\`\`\``;
    case 'answer_question':
      return `[scripted demo] You asked: "${quoted}". A real model would answer here; set LLM_PROVIDER=openai to use one.`;
    case 'generate_poem':
      return `[scripted demo] A poem on "${quoted}":\nWords arrive one by one,\nstreamed until the turn is done.`;
    case 'prompt_for_more':
      return `[scripted demo] Tell me more about "${quoted}": ask a question, or ask for code or a poem.`;
  }
}

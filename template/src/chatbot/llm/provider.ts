/** The modes the chatbot answers in (besides `unsafe`, decided by a plain rule before any model call). */
export const MODES = ['generate_code', 'answer_question', 'generate_poem', 'prompt_for_more'] as const;
export type Mode = (typeof MODES)[number];

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A language model as the chatbot uses it. LLM_PROVIDER picks the implementation. */
export interface LlmProvider {
  readonly name: string;
  /** Picks the mode a prompt should be answered in. */
  classify(prompt: string, options: { signal: AbortSignal }): Promise<Mode>;
  /** Streams the answer as text pieces; stops (throws) when the signal fires. */
  streamText(messages: ChatMessage[], options: { signal: AbortSignal; mode: Mode }): AsyncIterable<string>;
}

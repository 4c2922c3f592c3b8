import { once } from 'node:events';
import type { LlmProvider } from '../../src/chatbot/llm/provider';
import { scriptedProvider } from '../../src/chatbot/llm/scripted';

/**
 * The scripted provider, except that the answer to a prompt with "(held)" in it waits until the
 * test calls `release()`, and one with "(until cancelled)" until its run is cancelled: the run stays
 * in its answering action for as long as the test looks at it.
 */
export function heldAnswers() {
  const scripted = scriptedProvider({ delayMs: 5 });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const llm: LlmProvider = {
    ...scripted,
    async *streamText(messages, options) {
      const prompt = messages.findLast((message) => message.role === 'user')?.content ?? '';
      if (prompt.includes('(held)')) await released;
      if (prompt.includes('(until cancelled)')) await once(options.signal, 'abort');
      yield* scripted.streamText(messages, options);
    },
  };
  return { llm, release: () => release() };
}

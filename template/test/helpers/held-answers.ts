import { once } from 'node:events';
import type { LlmProvider } from '../../src/chatbot/llm/provider';
import { scriptedProvider } from '../../src/chatbot/llm/scripted';

/**
 * The scripted provider, except that the answer to a prompt with "(held)" in it waits until the
 * test calls `release()`, one with "(held:NAME)" until `release('NAME')`, and one with
 * "(until cancelled)" until its run is cancelled: the run stays in its answering action for as long
 * as the test looks at it.
 */
export function heldAnswers() {
  const scripted = scriptedProvider({ delayMs: 5 });
  const holds = new Map<string, { released: Promise<void>; release: () => void }>();
  const hold = (name: string) => {
    let found = holds.get(name);
    if (!found) {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      found = { released, release };
      holds.set(name, found);
    }
    return found;
  };
  const llm: LlmProvider = {
    ...scripted,
    async *streamText(messages, options) {
      const prompt = messages.findLast((message) => message.role === 'user')?.content ?? '';
      const name = prompt.includes('(held)') ? '' : /\(held:(\w+)\)/.exec(prompt)?.[1];
      if (name !== undefined) await hold(name).released;
      if (prompt.includes('(until cancelled)')) await once(options.signal, 'abort');
      yield* scripted.streamText(messages, options);
    },
  };
  /** Lets the answers held under `name` (no name: "(held)") go on, and any held under it later. */
  const release = (name = '') => hold(name).release();
  /** Lets every held answer go on (a test's cleanup). */
  const releaseAll = () => {
    for (const { release } of holds.values()) release();
  };
  return { llm, release, releaseAll };
}

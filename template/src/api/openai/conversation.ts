import type { ChatMapping, ChatTurn } from '../../chat/mapping';
import type { AnyRunner, StoredApp } from '../../engine';
import { problems } from '../../lib/errors';
import { type ChatCompletionRequest, contentText } from './schemas';

// OpenAI's stateless call as a stateful graph: each call is a new app seeded with the earlier
// messages (the mapping's `seed`), whose chat action then answers the last one. Decided before
// anything is written, so a refused call leaves no app behind.

export interface PlannedCall {
  history: ChatTurn[];
  inputs: unknown;
}

/** The seeded history and the chat action's inputs; 400 for what a chat graph cannot hold. */
export function planCall(
  runner: AnyRunner,
  mapping: ChatMapping<unknown>,
  body: ChatCompletionRequest,
): PlannedCall {
  const turns = body.messages.map((message, index): ChatTurn => {
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw problems.badRequest(
        `messages[${index}]: the role "${message.role}" is not supported; a chat graph keeps its own system prompt and has no tools.`,
      );
    }
    const content = contentText(message.content);
    if (content === null) throw problems.badRequest(`messages[${index}]: only text content is supported.`);
    return { role: message.role, content };
  });
  const last = turns.at(-1);
  if (last?.role !== 'user') throw problems.badRequest('The last message must be the user’s.');
  const inputs = mapping.input(last.content);
  const parsed = runner.graph.actions.get(mapping.action)?.input?.safeParse(inputs);
  if (parsed && !parsed.success) {
    throw problems.badRequest(`The last message is not a valid input: ${parsed.error.issues[0]?.message}`);
  }
  return { history: turns.slice(0, -1), inputs };
}

/** The answer the run appended: the last message, when it is the assistant's. */
export function answerOf(mapping: ChatMapping<unknown>, app: StoredApp): string {
  const last = mapping.messages(app.state).at(-1);
  return last?.role === 'assistant' ? last.content : '';
}

/** OpenAI's usage, counted as docs/flavors.md says: an estimate for the prompt, pieces for the answer. */
export function usageOf(body: ChatCompletionRequest, pieces: number) {
  const characters = body.messages.reduce(
    (sum, message) => sum + (contentText(message.content)?.length ?? 0),
    0,
  );
  const prompt = Math.ceil(characters / 4);
  return { prompt_tokens: prompt, completion_tokens: pieces, total_tokens: prompt + pieces };
}

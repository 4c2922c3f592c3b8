import { z } from '@hono/zod-openapi';
import { idSchema } from '../../lib/ids';

// The body DefaultChatTransport (the AI SDK's useChat and Chat) posts. Only the id, the trigger and
// the last user message's text are used: the history the client sends is not trusted, the server
// keeps its own.

const UIMessagePart = z
  .looseObject({ type: z.string().describe('text, file, data-…; only text parts are read') })
  .openapi('UIMessagePart');

const UIMessage = z
  .looseObject({
    id: z.string().describe('The message id the client gave it'),
    role: z.enum(['system', 'user', 'assistant']).describe('Who wrote it'),
    parts: z
      .array(UIMessagePart)
      .describe('Its parts; the text parts of the last user message are the prompt'),
  })
  .openapi('UIMessage');

export const ChatRequestBody = z
  .looseObject({
    id: idSchema().describe('The chat id: the app id, created for the caller on first use'),
    messages: z.array(UIMessage).max(10_000).describe('The conversation as the client has it'),
    trigger: z
      .enum(['submit-message', 'regenerate-message'])
      .default('submit-message')
      .describe(
        'submit-message answers the last user message; regenerate-message answers it again on a fork',
      ),
    messageId: z.string().optional().describe('The message the trigger is about (not used)'),
  })
  .openapi('ChatRequest');

export const ChatIdParams = z.object({
  id: idSchema().openapi({ param: { name: 'id', in: 'path' }, description: 'The chat id' }),
});

/** The text of the last user message, or null when the last message is not a user's with text. */
export function lastUserText(messages: z.infer<typeof UIMessage>[]): string | null {
  const last = messages.at(-1);
  if (last?.role !== 'user') return null;
  const text = last.parts
    .flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : []))
    .join('');
  return text.trim() ? text : null;
}

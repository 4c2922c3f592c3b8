import { DefaultChatTransport, readUIMessageStream, type UIMessageChunk } from 'ai';
import type { ChatUIMessage } from '../../src/api/chat/ui-chunks';

// The AI SDK's own client pieces, as a browser's useChat uses them: DefaultChatTransport posts the
// turn and reconnects to it, readUIMessageStream builds the assistant message from the chunks.

export type { ChatUIMessage };

export const userMessage = (text: string, id = `u-${Math.random()}`): ChatUIMessage => ({
  id,
  role: 'user',
  parts: [{ type: 'text', text }],
});

export function transportFor(baseUrl: string, token: string | null, graph = 'chatbot') {
  return new DefaultChatTransport<ChatUIMessage>({
    api: `${baseUrl}/api/v1/${graph}/chat`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** The assistant message a chunk stream builds, as useChat would show it. */
export async function messageOf(stream: ReadableStream<UIMessageChunk>) {
  let last: ChatUIMessage | undefined;
  for await (const message of readUIMessageStream<ChatUIMessage>({ stream, terminateOnError: true })) {
    last = message;
  }
  if (!last) throw new Error('the stream built no message');
  return last;
}

export const textOf = (message: ChatUIMessage) =>
  message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');

/** Every chunk of a stream, for tests that look at the protocol itself. */
export async function chunksOf(stream: ReadableStream<UIMessageChunk>) {
  const chunks: UIMessageChunk[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<UIMessageChunk>) chunks.push(chunk);
  return chunks;
}

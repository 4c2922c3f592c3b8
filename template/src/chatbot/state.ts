import { z } from 'zod';

export const ChatMessageSchema = z.object({
  role: z.enum(['user', 'assistant']).describe('Who wrote the message'),
  content: z.string().describe('The text'),
  type: z.enum(['text', 'code', 'error']).describe('How to show it'),
});

/** The chatbot's state: the last prompt, the mode it was answered in, the answer, and the history. */
export const ChatState = z.object({
  prompt: z.string().describe('The last prompt'),
  mode: z.string().describe('How the last prompt is answered (generate_code, answer_question, …, unsafe)'),
  response: z.string().describe('The last answer'),
  chat_history: z.array(ChatMessageSchema).describe('Every message, oldest first'),
});

export type ChatStateValues = z.infer<typeof ChatState>;

import { z } from '@hono/zod-openapi';

// OpenAI's chat completions request and answers, as far as a chat graph can honour them. Sampling
// parameters (temperature, top_p, max_tokens …) are accepted and have no effect: the graph decides
// how it calls its model. What would change the answer's shape (tools, n > 1, logprobs, JSON
// formats, audio) is refused with a 400 rather than ignored.

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

const Message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']).describe('Who wrote it'),
  content: z
    .union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()])
    .optional()
    .describe('The text, or text parts'),
});

/** A parameter that would change the answer's shape: absent (or null), else refused with `reason`. */
const refused = (reason: string) => z.null(reason).optional();

export const ChatCompletionRequest = z
  .looseObject({
    model: z.string().min(1).describe('The chat graph to answer with (GET /v1/models lists them)'),
    messages: z
      .array(Message)
      .min(1)
      .max(10_000)
      .describe('The conversation; the last message is the user’s'),
    stream: z.boolean().nullish().describe('Answer with chat.completion.chunk events and data: [DONE]'),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    n: z.number().int().min(1).max(1, 'n > 1 is not supported: a graph gives one answer').nullish(),
    tools: refused('tools are not supported by a chat graph'),
    tool_choice: refused('tool_choice is not supported by a chat graph'),
    functions: refused('functions are not supported by a chat graph'),
    function_call: refused('function_call is not supported by a chat graph'),
    logprobs: z.literal(false, 'logprobs are not supported').nullish(),
    top_logprobs: refused('top_logprobs are not supported'),
    audio: refused('audio output is not supported'),
    response_format: z
      .object({ type: z.literal('text', 'only the text response_format is supported') })
      .nullish(),
  })
  .openapi('ChatCompletionRequest');

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

const Usage = z
  .object({
    prompt_tokens: z.number().int().describe('Estimated: the characters of the messages / 4'),
    completion_tokens: z.number().int().describe('The pieces the graph streamed (its model’s chunks)'),
    total_tokens: z.number().int(),
  })
  .openapi('CompletionUsage');

export const ChatCompletion = z
  .object({
    id: z.string().describe('The id of the app that holds this call: GET /api/v1/{model}/apps/{id}'),
    object: z.literal('chat.completion'),
    created: z.number().int().describe('Unix seconds'),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
        finish_reason: z.enum(['stop', 'length']),
        logprobs: z.null(),
      }),
    ),
    usage: Usage,
  })
  .openapi('ChatCompletion');

export const ModelList = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        id: z.string().describe('The chat graph’s name'),
        object: z.literal('model'),
        created: z.number().int(),
        owned_by: z.string(),
      }),
    ),
  })
  .openapi('ModelList');

/** The text of a message's content (string or text parts); null when a part is not text. */
export function contentText(content: z.infer<typeof Message>['content']): string | null {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  const texts = content.map((part) => TextPart.safeParse(part));
  return texts.every((part) => part.success) ? texts.map((part) => part.data.text).join('') : null;
}

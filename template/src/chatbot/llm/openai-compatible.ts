import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import { type LlmProvider, MODES, type Mode } from './provider';

export interface OpenAiCompatibleOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Longest a whole call may take (the connection and every token). */
  timeoutMs?: number;
  /** Retries on 429 and 5xx, with exponential backoff, before the first token arrives. */
  maxRetries?: number;
}

/**
 * Any OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio …) through the AI SDK
 * (`ai` + `@ai-sdk/openai-compatible`): it speaks the chat completions protocol, streams, retries
 * 429/5xx with backoff before a response starts, and aborts the HTTP request with the signal.
 */
export function openAiCompatibleProvider(options: OpenAiCompatibleOptions): LlmProvider {
  const provider = createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
  });
  const model = provider.chatModel(options.model);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const settings = (signal: AbortSignal, deadline: AbortSignal, functionId: string) => ({
    model,
    // The AI SDK's spans (ai.generateText, ai.streamText and their doGenerate/doStream calls), as
    // children of whatever span is current: the step's. Through the OpenTelemetry API, so no-ops
    // without an SDK. Prompts and answers stay out of traces, which often leave the building.
    experimental_telemetry: { isEnabled: true, functionId, recordInputs: false, recordOutputs: false },
    maxRetries: options.maxRetries ?? 2,
    abortSignal: AbortSignal.any([signal, deadline]),
  });

  return {
    name: 'openai',
    async classify(prompt, { signal }) {
      const deadline = startDeadline(timeoutMs);
      // A failure says the upstream status (the failed step's error and its log line carry it).
      const { text } = await generateText({
        ...settings(signal, deadline.signal, 'chatbot.classify'),
        system: `Classify the user's request. Answer with exactly one of: ${MODES.join(', ')}.`,
        prompt,
      })
        .catch((error: unknown) => {
          throw signal.aborted ? error : describe(error);
        })
        .finally(deadline.clear);
      return MODES.find((mode) => text.includes(mode)) ?? ('prompt_for_more' satisfies Mode);
    },
    async *streamText(messages, { signal }) {
      const deadline = startDeadline(timeoutMs);
      // onError: errors are rethrown below, not printed by the SDK.
      const result = streamText({
        ...settings(signal, deadline.signal, 'chatbot.answer'),
        messages,
        onError: () => {},
      });
      try {
        // fullStream carries errors as parts (textStream would end quietly): surface them to the action.
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') yield part.text;
          else if (part.type === 'error') throw part.error;
          else if (part.type === 'abort')
            throw signal.reason ?? deadline.signal.reason ?? new Error('The model call was aborted.');
        }
      } catch (error) {
        throw signal.aborted ? error : describe(error);
      } finally {
        deadline.clear();
      }
    },
  };
}

/**
 * The deadline of one model call, as a timer this call holds and clears. Not
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: on Node 20 the timeout signal inside `any`
 * is only weakly held and a garbage collection before it fires drops it, so the call never times
 * out (nodejs/node#57736; test/chatbot/llm-providers.test.ts forces that collection).
 */
function startDeadline(ms: number) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`The model call took longer than ${ms} ms.`, 'TimeoutError')),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** A short error for logs and the failed step, without request headers (and so no API key). */
function describe(error: unknown): Error {
  // After its retries the AI SDK throws a RetryError whose last error carries the HTTP status.
  const cause = (error as { lastError?: unknown }).lastError ?? error;
  const status = (cause as { statusCode?: number }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`The model call failed${status ? ` (HTTP ${status})` : ''}: ${message.slice(0, 300)}`);
}

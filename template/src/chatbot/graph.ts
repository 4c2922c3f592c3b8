import { z } from 'zod';
import { actionsFor, graph, type State, when } from '../engine';
import { type ChatMessage, type LlmProvider, MODES, type Mode } from './llm/provider';
import { ChatState } from './state';

const { action } = actionsFor(ChatState);

const SYSTEM_PROMPTS: Record<Mode, string> = {
  generate_code: 'You write code. Answer with one short explanation and one code block.',
  answer_question: 'You answer questions clearly and briefly.',
  generate_poem: 'You write short poems.',
  prompt_for_more: 'The request is unclear. Ask the user, kindly, for more detail.',
};

/** The history as model messages, with the mode's system prompt first. */
function messagesFor(state: State<z.infer<typeof ChatState>>, mode: Mode): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM_PROMPTS[mode] },
    ...state.get('chat_history').map(({ role, content }) => ({ role, content })),
  ];
}

/** A streaming action answering in one mode: yields text pieces, then appends the assistant message. */
function respond(llm: LlmProvider, mode: Mode) {
  return action({
    name: mode,
    reads: ['chat_history'],
    writes: ['response', 'chat_history'],
    run: async function* (state, _inputs, ctx) {
      let response = '';
      for await (const piece of llm.streamText(messagesFor(state, mode), { signal: ctx.signal, mode })) {
        response += piece;
        yield piece;
      }
      const type = mode === 'generate_code' ? 'code' : 'text';
      return {
        result: { response },
        state: state
          .update({ response })
          .append('chat_history', { role: 'assistant', content: response, type }),
      };
    },
  });
}

/** Appends what the user says to the history, as a step of its own. */
const prompt = action({
  name: 'prompt',
  reads: [],
  writes: ['prompt', 'chat_history'],
  input: z.object({
    // The pattern says in the document what trim().min(1) checks: some text besides white space.
    prompt: z
      .string()
      .regex(/\S/, 'must hold some text besides white space')
      .trim()
      .min(1)
      .max(10_000)
      .describe('What the user says'),
  }),
  run: async (state, { prompt }) => ({
    result: { prompt },
    state: state.update({ prompt }).append('chat_history', { role: 'user', content: prompt, type: 'text' }),
  }),
});

/** Picks how to answer: `unsafe` by a keyword, else the model's classification of the prompt. */
function decideMode(llm: LlmProvider) {
  return action({
    name: 'decide_mode',
    reads: ['prompt'],
    writes: ['mode'],
    run: async (state, _inputs, ctx) => {
      const text = state.get('prompt');
      const mode = text.toLowerCase().includes('unsafe')
        ? 'unsafe'
        : await llm.classify(text, { signal: ctx.signal });
      return { result: { mode }, state: state.update({ mode }) };
    },
  });
}

/** The refusal, streamed word by word like a model's answer. */
const unsafeResponse = action({
  name: 'unsafe_response',
  reads: [],
  writes: ['response', 'chat_history'],
  run: async function* (state) {
    const response = "I'm sorry, I can't respond to that.";
    for (const word of response.split(/(?<= )/)) yield word;
    return {
      result: { response },
      state: state
        .update({ response })
        .append('chat_history', { role: 'assistant', content: response, type: 'error' }),
    };
  },
});

/**
 * The sample graph: prompt → decide_mode → one answering action → halt; `prompt` is next again.
 * `prompt` commits the user's message before any model call, so a failed answer loses nothing typed.
 */
export function chatbotGraph(llm: LlmProvider) {
  return graph({
    name: 'chatbot',
    state: ChatState,
    initial: { prompt: '', mode: '', response: '', chat_history: [] },
    actions: [prompt, decideMode(llm), unsafeResponse, ...MODES.map((mode) => respond(llm, mode))],
    transitions: [
      ['prompt', 'decide_mode'],
      ['decide_mode', 'unsafe_response', when('mode is unsafe', (state) => state.mode === 'unsafe')],
      ...MODES.map(
        (mode) =>
          [
            'decide_mode',
            mode,
            when(`mode is ${mode}`, (state: { mode: string }) => state.mode === mode),
          ] as const,
      ),
      ['decide_mode', 'prompt_for_more', 'default'],
      ['unsafe_response', 'prompt'],
      ...MODES.map((mode) => [mode, 'prompt'] as const),
    ],
    haltAfter: ['unsafe_response', ...MODES],
  });
}

export type ChatbotGraph = ReturnType<typeof chatbotGraph>;

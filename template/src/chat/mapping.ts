import type { AnyGraph } from '../engine';

// How a graph opts in to chat: the flavors (the AI SDK's UI message stream under
// /api/v1/{graph}/chat, OpenAI's chat completions under /v1) are derived from this mapping alone,
// outside the engine. A graph without one gets neither.

/** One chat message, as both flavors show it. */
export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** What a graph names to speak chat; `State` is its state's values. */
export interface ChatMapping<State> {
  /** The action that takes the user's message (it must accept the inputs `input` builds). */
  action: string;
  /** The inputs of `action` for one user message. */
  input: (text: string) => unknown;
  /** The conversation held in the state, oldest first. */
  messages: (state: State) => ChatTurn[];
  /** State keys that seed an app with an earlier conversation (OpenAI's stateless `messages`). */
  seed: (history: ChatTurn[]) => Partial<State>;
}

/** A graph that speaks chat: what an entry of src/graphs.ts carries when it opts in. */
export interface ChatGraph<G extends AnyGraph = AnyGraph> {
  graph: G;
  // biome-ignore lint/suspicious/noExplicitAny: the mapping is checked against G where withChat is called
  chat: ChatMapping<any>;
}

/** An entry of src/graphs.ts: a graph, or a graph with its chat mapping. */
export type GraphEntry = AnyGraph | ChatGraph;

type StateOf<G> = G extends { initial: infer State } ? State : never;

/** Pairs a graph with its chat mapping, typed by the graph's state. */
export function withChat<G extends AnyGraph>(graph: G, chat: ChatMapping<StateOf<G>>): ChatGraph<G> {
  if (!graph.actions.has(chat.action))
    throw new Error(`The chat of graph "${graph.name}" names "${chat.action}", which it does not have`);
  return { graph, chat };
}

/** The graph of an entry. */
export type GraphOf<E> = E extends ChatGraph<infer G> ? G : E;

/** The graph and (when it opted in) the chat mapping of an entry. */
export function entryParts(entry: GraphEntry): ChatGraph | { graph: AnyGraph; chat?: undefined } {
  return 'graph' in entry && 'chat' in entry ? entry : { graph: entry as AnyGraph };
}

import { type GraphOf, withChat } from './chat/mapping';
import { chatbotChat } from './chatbot/chat';
import { chatbotGraph } from './chatbot/graph';
import type { LlmProvider } from './chatbot/llm/provider';

/** What graph definitions may use; createApp passes it (tests pass the same things on other settings). */
export interface GraphDeps {
  llm: LlmProvider;
}

/**
 * THE list of mounted graphs. One entry here gives a graph its routes under /api/v1/{name}
 * (derived from its schemas, in /openapi.json and /docs), its background runs and its entry in the
 * typed client (`createClient(url).{name}`). An entry made with `withChat(graph, mapping)` also
 * speaks chat: the AI SDK's useChat at /api/v1/{name}/chat and OpenAI's /v1/chat/completions
 * (docs/flavors.md). Add yours below the chatbot; README.md has the recipe.
 */
export const graphs = (deps: GraphDeps) => [withChat(chatbotGraph(deps.llm), chatbotChat)] as const;

/** The mounted graphs' types, for the typed client (src/client). */
export type MountedGraph = GraphOf<ReturnType<typeof graphs>[number]>;

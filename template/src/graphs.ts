import { chatbotGraph } from './chatbot/graph';
import type { LlmProvider } from './chatbot/llm/provider';

/** What graph definitions may use; createApp passes it (tests pass the same things on other settings). */
export interface GraphDeps {
  llm: LlmProvider;
}

/**
 * THE list of mounted graphs. One line here gives a graph its routes under /api/v1/{name}
 * (derived from its schemas, in /openapi.json and /docs), its background runs and its entry in the
 * typed client (`createClient(url).{name}`). Add yours below the chatbot; README.md has the recipe.
 */
export const graphs = (deps: GraphDeps) => [chatbotGraph(deps.llm)] as const;

/** The mounted graphs' types, for the typed client (src/client). */
export type MountedGraph = ReturnType<typeof graphs>[number];

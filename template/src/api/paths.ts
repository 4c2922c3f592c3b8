// Where things are mounted, in one place: the server's mounting and the typed client both read it,
// so a graph mounted under another name moves its routes, its runs and its client together.

/** Every authenticated route lives below this prefix. */
export const API_PREFIX = '/api/v1';

/** The root of one graph's routes: `/api/v1/{graph}`. */
export const graphPath = (graph: string) => `${API_PREFIX}/${graph}`;

/** Where OpenAI's API lives: an `openai` client takes `${origin}/v1` as its baseURL. */
export const OPENAI_PREFIX = '/v1';

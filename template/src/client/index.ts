import type { z } from 'zod';
import { API_PREFIX, graphPath } from '../api/paths';
import type {
  AccessSchema,
  AppRunsSchema,
  AppStreamsSchema,
  AppSummarySchema,
  GrantSchema,
  RunCreatedSchema,
  RunSchema,
  StepSchema,
  StepStateSchema,
} from '../api/views';
import type { ActionInput, ActionName, StateOf } from '../engine/graph';
import type { MountedGraph } from '../graphs';
import { type StreamEvent, streamEvents } from './sse';

export { type StreamEvent, streamEvents } from './sse';

// The response types are the server's own schemas (type-only imports: nothing of the server ends up in
// a browser bundle), so a field added to a route's schema reaches the client without being copied.

/** The AppView as the client sees it, its state typed by the graph. */
export type AppView<S> = z.infer<typeof AppSummarySchema> & { state: S };

/** One tracked step with its writes; its state (typed by the graph) only when asked with include=state. */
export type Step<S> = Omit<z.infer<typeof StepSchema>, 'state'> & { state?: S | null };

/** The whole state before and after one committed step. */
export type StepState<S> = Omit<z.infer<typeof StepStateSchema>, 'before' | 'after'> & {
  before: S;
  after: S;
};

/** The query of a steps page: `cursor` (a previous page's next_cursor) or `after` (a sequence id). */
export interface StepsQuery {
  after?: number;
  cursor?: string;
  limit?: number;
  include?: 'state';
}

export type Grant = z.infer<typeof GrantSchema>;
export type RunView = z.infer<typeof RunSchema>;
/** A streamed action working on an app now: the action it works on and the step it will commit. */
export type LiveStreamView = z.infer<typeof AppStreamsSchema>['items'][number];
/** The caller's access to one app and what it allows (fork, act, run, manage_grants). */
export type AppAccess = z.infer<typeof AccessSchema>;

/** An error answer of the API (problem+json), thrown by every client call. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: {
      title?: string;
      detail?: string;
      next?: string | null;
      errors?: { path: string; message: string }[];
    },
  ) {
    super(`${status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim());
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  token?: string;
  fetch?: typeof fetch;
}

/** What a call sends besides its method and path. */
interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Calls the API under `root` with the client's token, a body as JSON; an answer that is not 2xx
 * throws its problem as an ApiError.
 */
function apiCaller(root: string, options: ClientOptions) {
  const doFetch = options.fetch ?? fetch;
  return async (method: string, path: string, call: CallOptions = {}): Promise<Response> => {
    const response = await doFetch(`${root}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: call.signal,
    });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
    return response;
  };
}

/**
 * A typed client for one graph's routes: action names, their inputs and the state come from the
 * graph's own types, so a renamed action or field fails to compile where it is called.
 *
 *     const chat = createGraphClient<ChatbotGraph>('http://127.0.0.1:3000', 'chatbot', { token });
 *     const app = await chat.create();
 *     for await (const event of chat.stream(app.app_id, 'prompt', { prompt: 'hi' })) console.log(event);
 */
export function createGraphClient<G>(baseUrl: string, graph: string, options: ClientOptions = {}) {
  type S = StateOf<G>;
  const call = apiCaller(`${baseUrl.replace(/\/$/, '')}${graphPath(graph)}`, options);
  const json = async <T>(method: string, path: string, body?: unknown) =>
    (await call(method, path, { body })).json() as Promise<T>;
  const app = (appId: string) => `/apps/${encodeURIComponent(appId)}`;

  return {
    create: (body: { app_id?: string; partition_key?: string } = {}) =>
      json<AppView<S>>('POST', '/apps', body),
    get: (appId: string) => json<AppView<S>>('GET', app(appId)),
    async exists(appId: string) {
      return call('HEAD', app(appId)).then(
        () => true,
        (error) => (error instanceof ApiError && error.status === 404 ? false : Promise.reject(error)),
      );
    },
    list: (query: { partition_key?: string; limit?: number; cursor?: string } = {}) =>
      json<{ items: Omit<AppView<S>, 'state'>[]; next_cursor: string | null }>(
        'GET',
        `/apps?${params(query)}`,
      ),
    /** Runs an action and the steps after it; resolves with the app where the run halted. */
    act: <N extends ActionName<G>>(appId: string, action: N, inputs: ActionInput<G, N>) =>
      json<AppView<S>>('POST', `${app(appId)}/actions/${action}`, inputs),
    /** The same run as Server-Sent Events: state, action, delta, step, then done or error. */
    async *stream<N extends ActionName<G>>(
      appId: string,
      action: N,
      inputs: ActionInput<G, N>,
      signal?: AbortSignal,
    ): AsyncGenerator<StreamEvent> {
      yield* streamEvents(
        await call('POST', `${app(appId)}/actions/${action}/stream`, { body: inputs, signal }),
      );
    },
    fork: (appId: string, body: { app_id?: string; sequence_id?: number; state?: Partial<S> } = {}) =>
      json<AppView<S>>('POST', `${app(appId)}/fork`, body),
    /** A page of the app's steps, oldest first; pass `next_cursor` back as `cursor` for the next. */
    steps: (appId: string, query: StepsQuery = {}) =>
      json<{ items: Step<S>[]; next_cursor: string | null }>(
        'GET',
        `${app(appId)}/steps?${params({ ...query })}`,
      ),
    /** The whole state before and after the committed step `sequenceId`. */
    stepState: (appId: string, sequenceId: number) =>
      json<StepState<S>>('GET', `${app(appId)}/steps/${sequenceId}/state`),
    /**
     * Queues `action` on the app as a background run, typed like act(); resolves at once with the
     * run id (follow it with `client.runs.events` or `.wait`).
     */
    startRun: <N extends ActionName<G>>(appId: string, action: N, inputs: ActionInput<G, N>) =>
      json<z.infer<typeof RunCreatedSchema>>('POST', `${app(appId)}/runs`, { action, inputs }),
    /** The app's newest background runs; `status: 'active'` those queued or running. */
    runs: (appId: string, query: { status?: RunView['status'] | 'active'; limit?: number } = {}) =>
      json<z.infer<typeof AppRunsSchema>>('GET', `${app(appId)}/runs?${params(query)}`),
    /** The streamed actions working on the app now (on any instance), the oldest first. */
    streams: (appId: string, query: { limit?: number } = {}) =>
      json<z.infer<typeof AppStreamsSchema>>('GET', `${app(appId)}/streams?${params(query)}`),
    /** What the caller may do with the app, by the rules the routes check. */
    access: (appId: string) => json<AppAccess>('GET', `${app(appId)}/access`),
    grants: {
      /** A page of the grants by subject; pass `next_cursor` back as `cursor` for the next. */
      list: (appId: string, query: { limit?: number; cursor?: string } = {}) =>
        json<{ items: Grant[]; next_cursor: string | null }>('GET', `${app(appId)}/grants?${params(query)}`),
      put: (appId: string, subject: string, permission: 'read' | 'write') =>
        json<Grant>('PUT', `${app(appId)}/grants/${encodeURIComponent(subject)}`, { permission }),
      delete: (appId: string, subject: string) =>
        call('DELETE', `${app(appId)}/grants/${encodeURIComponent(subject)}`),
    },
  };
}

/** Background runs: start one, follow it, wait for it, cancel it. */
export function createRunsClient(baseUrl: string, options: ClientOptions = {}) {
  const call = apiCaller(`${baseUrl.replace(/\/$/, '')}${API_PREFIX}`, options);
  const run = (runId: string) => `/runs/${encodeURIComponent(runId)}`;
  const client = {
    /** Queues `action` on an app; resolves at once with the run id. */
    create: async (graph: string, appId: string, action: string, inputs: Record<string, unknown> = {}) =>
      (
        await call('POST', `/${graph}/apps/${encodeURIComponent(appId)}/runs`, { body: { action, inputs } })
      ).json() as Promise<z.infer<typeof RunCreatedSchema>>,
    get: async (runId: string) => (await call('GET', run(runId))).json() as Promise<RunView>,
    /** The AppView the run ended with; throws the run's problem when it failed (409 while unfinished). */
    result: async <S = Record<string, unknown>>(runId: string) =>
      (await call('GET', `${run(runId)}/result`)).json() as Promise<AppView<S>>,
    cancel: async (runId: string) => (await call('POST', `${run(runId)}/cancel`)).json() as Promise<RunView>,
    /** The run's events, replayed from the start (or after `lastEventId`) and then live, until done or error. */
    async *events(runId: string, lastEventId?: number): AsyncGenerator<StreamEvent> {
      const headers: Record<string, string> =
        lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) };
      yield* streamEvents(await call('GET', `${run(runId)}/events`, { headers }));
    },
    /** Follows the run's events until it ends, then returns its final status. */
    async wait(runId: string): Promise<RunView> {
      for await (const _ of client.events(runId)) {
        // Each event is stored before it is sent; the last one (done or error) ends the stream.
      }
      return client.get(runId);
    },
  };
  return client;
}

export type GraphClient<G> = ReturnType<typeof createGraphClient<G>>;

/** One typed client per graph of src/graphs.ts, by the graph's name, and the runs client. */
export type Client = { [G in MountedGraph as G['name']]: GraphClient<G> } & {
  runs: ReturnType<typeof createRunsClient>;
};

/**
 * The client of this project's API: `client.chatbot` (and every other graph listed in
 * src/graphs.ts, typed from its definition) and `client.runs`. The graph clients are made on first
 * use from the name, so the client needs no list of its own (and no server code at run time).
 */
export function createClient(baseUrl: string, options: ClientOptions = {}): Client {
  const made = new Map<string, unknown>([['runs', createRunsClient(baseUrl, options)]]);
  return new Proxy({} as Client, {
    get(_target, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      if (!made.has(name)) made.set(name, createGraphClient(baseUrl, name, options));
      return made.get(name);
    },
  });
}

const params = (query: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(query).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])),
  ).toString();

import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { z } from 'zod';
import type { AnyAction } from './action';
import {
  ActionNotAllowedError,
  AppExistsError,
  AppNotFoundError,
  RunAbortedError,
  StateValidationError,
  StepLimitError,
  UnknownStepError,
} from './errors';
import type { Graph } from './graph';
import type { Persister, StepPageRequest, StoredApp } from './persister';
import type { StateValues } from './state';
import { StateSchema } from './state-schema';
import { runStep, type StepDeps } from './step';
import { noopTracker, type Tracker } from './tracker';

/** An app and the action that may run on it now (computed once, where the app was loaded). */
export interface AppAt {
  app: StoredApp;
  next: string | null;
}

/** What a step emits while it runs. */
export type StepEvent =
  | { event: 'action'; data: { action: string; sequence_id: number } }
  | { event: 'delta'; data: { action: string; delta: unknown } }
  | { event: 'step'; data: { action: string; sequence_id: number } };

/**
 * The whole event sequence of a run: `state` (the app before it) first, then each step's events,
 * then `done` (the app where it halted) or `error` (what stopped it, with the app's `next`) last.
 */
export type RunEvent =
  | { event: 'state'; data: AppAt }
  | StepEvent
  | { event: 'done'; data: AppAt }
  | { event: 'error'; data: { error: unknown; next: string | null } };

export interface RunOptions {
  /** The action to run first; it must be the app's `next`. */
  action: string;
  /** Inputs of that action, validated by its `input` schema. */
  inputs?: unknown;
  signal?: AbortSignal;
  /** Added to the graph's own halt rules for this run. */
  haltAfter?: readonly string[];
  haltBefore?: readonly string[];
}

export interface ForkOptions {
  /** The source's step to start from; its latest by default. */
  fromSequence?: number;
  /** Keys replaced in the forked state (validated by the schema). */
  stateOverrides?: StateValues;
  appId?: string;
  partitionKey: string;
}

export interface RunnerOptions {
  persister: Persister;
  tracker?: Tracker;
  logger?: Logger;
  /** Steps one request may take before it stops with a StepLimitError (guards a cycle with no halt). */
  maxStepsPerRun?: number;
}

const DEFAULT_MAX_STEPS_PER_RUN = 100;

/**
 * Drives the apps of one graph: creates, steps, streams and forks them, committing every step.
 * (Burr calls one running app an Application; this is what runs all the apps of a graph.)
 */
export class GraphRunner<Schema extends z.ZodObject> {
  readonly #persister: Persister;
  readonly #step: StepDeps;
  readonly #maxStepsPerRun: number;

  constructor(
    readonly graph: Graph<Schema>,
    options: RunnerOptions,
  ) {
    this.#persister = options.persister;
    this.#step = {
      persister: options.persister,
      tracker: options.tracker ?? noopTracker,
      logger: options.logger ?? pino({ level: 'silent' }),
      schema: new StateSchema(graph.state),
    };
    this.#maxStepsPerRun = options.maxStepsPerRun ?? DEFAULT_MAX_STEPS_PER_RUN;
    if (!Number.isInteger(this.#maxStepsPerRun) || this.#maxStepsPerRun < 1)
      throw new RangeError(`maxStepsPerRun must be a positive integer, not ${options.maxStepsPerRun}`);
  }

  /**
   * Get or create an app in a partition, starting from the graph's initial state with `state` keys
   * overridden (validated by the schema), at the entry action.
   */
  async create(options: { appId?: string; partitionKey: string; state?: StateValues }) {
    const state = options.state
      ? this.#step.schema.parse({ ...this.graph.initial, ...options.state }, 'The initial state')
      : this.graph.initial;
    return this.#persister.createApp({
      graph: this.graph.name,
      appId: options.appId ?? randomUUID(),
      partitionKey: options.partitionKey,
      position: null,
      state,
      parent: null,
    });
  }

  load(appId: string): Promise<StoredApp | null> {
    return this.#persister.loadApp({ graph: this.graph.name, appId });
  }

  /** Tracked steps of an app after a sequence id or cursor, committed and failed, in log order. */
  steps(appId: string, page: StepPageRequest) {
    return this.#persister.listSteps({ graph: this.graph.name, appId }, page);
  }

  /** The state and position right after step `sequenceId` (0: as created), or null when out of range. */
  stateAt(appId: string, sequenceId: number) {
    return this.#persister.stateAt({ graph: this.graph.name, appId }, sequenceId);
  }

  /** The action that may run now, or null. */
  next(app: StoredApp): string | null {
    return this.graph.nextAction(app.position, app.state as z.infer<Schema>);
  }

  /** Runs exactly one action (the app's next) and returns the app after it. */
  async step(appId: string, options: Omit<RunOptions, 'haltAfter' | 'haltBefore'>): Promise<StoredApp> {
    return this.run(appId, { ...options, haltAfter: [...this.graph.actions.keys()] });
  }

  /** Runs like `stream` and returns the app where the run halted; throws what stopped it. */
  async run(app: string | StoredApp, options: RunOptions): Promise<StoredApp> {
    for await (const item of this.stream(app, options)) {
      if (item.event === 'done') return item.data.app;
      if (item.event === 'error') throw item.data.error;
    }
    throw new Error('A run ended without done or error');
  }

  /**
   * Runs the named action, then keeps stepping through actions that need no input until a halt
   * rule stops it, and yields the run's whole event sequence (RunEvent). What makes the run
   * impossible (unknown app, an action that is not `next`, bad inputs) throws before the first
   * event, so a caller can answer it as a plain error; anything after `state` ends the sequence
   * with `error`: RunAbortedError once the signal fires, StepLimitError after `maxStepsPerRun`
   * steps, an ActionFailedError (each step before it stays committed).
   *
   * `from` is the app's id, or the app as the caller has just loaded it (an HTTP route loads it to
   * check access), which is then not loaded again: its first commit still fails with
   * SequenceConflictError if another step moved the app since.
   */
  async *stream(from: string | StoredApp, options: RunOptions): AsyncGenerator<RunEvent, void, void> {
    const appId = typeof from === 'string' ? from : from.appId;
    const app = typeof from === 'string' ? await this.load(from) : from;
    if (!app) throw new AppNotFoundError(appId);
    const next = this.next(app);
    if (options.action !== next) throw new ActionNotAllowedError(options.action, next);
    const first = this.graph.actions.get(options.action) as AnyAction<z.infer<Schema>>;
    const inputs = this.#parseInputs(first, options.inputs ?? {});
    if (!inputs.success)
      throw new StateValidationError(`Inputs of "${first.name}" do not match its schema`, inputs.error);

    yield { event: 'state', data: { app, next } };
    try {
      const halted = yield* this.#steps(app, first, inputs.data, options);
      yield { event: 'done', data: { app: halted, next: this.next(halted) } };
    } catch (error) {
      yield { event: 'error', data: { error, next: await this.#nextAfterFailure(appId) } };
    }
  }

  /** Steps from `first` until a halt rule (or an action needing inputs) stops the run. */
  async *#steps(
    start: StoredApp,
    first: AnyAction<z.infer<Schema>>,
    firstInputs: unknown,
    options: RunOptions,
  ): AsyncGenerator<StepEvent, StoredApp, void> {
    const haltAfter = new Set([...this.graph.haltAfter, ...(options.haltAfter ?? [])]);
    const haltBefore = new Set([...this.graph.haltBefore, ...(options.haltBefore ?? [])]);
    const signal = options.signal ?? new AbortController().signal;
    let app = start;
    let action = first;
    let inputs = firstInputs;
    for (let steps = 0; ; steps++) {
      // Checked between steps too: a plain action only sees the signal if it passes it on.
      if (signal.aborted) throw new RunAbortedError(action.name, false, signal.reason);
      if (steps === this.#maxStepsPerRun) throw new StepLimitError(steps, action.name);
      app = yield* runStep(this.#step, app, action as AnyAction<StateValues>, inputs, signal);
      if (haltAfter.has(action.name)) return app;
      const name = this.next(app);
      if (!name || haltBefore.has(name)) return app;
      action = this.graph.actions.get(name) as AnyAction<z.infer<Schema>>;
      const parsed = this.#parseInputs(action, {});
      if (!parsed.success) return app; // The next action needs inputs this request did not bring.
      inputs = parsed.data;
    }
  }

  #parseInputs(action: AnyAction<z.infer<Schema>>, inputs: unknown) {
    return action.input ? action.input.safeParse(inputs) : { success: true as const, data: {} };
  }

  /** The app's `next` after a failed run, for the `error` event; null when it cannot be loaded. */
  async #nextAfterFailure(appId: string): Promise<string | null> {
    const app = await this.load(appId).catch(() => null);
    return app ? this.next(app) : null;
  }

  /** A new app (sequence 0) with the source's state at a step, keys overridden, parent set. */
  async fork(appId: string, options: ForkOptions): Promise<StoredApp> {
    const source = await this.load(appId);
    if (!source) throw new AppNotFoundError(appId);
    const sequenceId = options.fromSequence ?? source.sequenceId;
    const at = await this.#persister.stateAt({ graph: this.graph.name, appId }, sequenceId);
    if (!at) throw new UnknownStepError(appId, sequenceId, source.sequenceId);
    // The caller's overrides are input: what is stored is zod's output for them, never the object sent.
    const state = this.#step.schema.parse({ ...at.state, ...options.stateOverrides }, 'The forked state');
    const { app, created } = await this.#persister.createApp({
      graph: this.graph.name,
      appId: options.appId ?? randomUUID(),
      partitionKey: options.partitionKey,
      position: at.position,
      state,
      parent: { appId, sequenceId },
    });
    // The id was taken, perhaps a moment ago by a concurrent request: the stored app is not this fork.
    if (!created) throw new AppExistsError(app);
    return app;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: runners of different graphs live in one map.
export type AnyRunner = GraphRunner<any>;

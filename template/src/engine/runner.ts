import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { z } from 'zod';
import { type ActionOutput, type AnyAction, isStreaming } from './action';
import {
  ActionFailedError,
  ActionNotAllowedError,
  AppExistsError,
  AppNotFoundError,
  RunAbortedError,
  StateValidationError,
  StepLimitError,
  UnknownStepError,
} from './errors';
import type { Graph } from './graph';
import type { AppKey, FailedStep, Persister, StoredApp } from './persister';
import { State, type StateValues } from './state';
import { noopTracker, type StepInfo, type Tracker } from './tracker';
import { droppedKeysError } from './unknown-keys';
import { diffWrites } from './writes';

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
 * (Burr calls one running app an GraphRunner; this is what runs all the apps of a graph.)
 */
export class GraphRunner<Schema extends z.ZodObject> {
  readonly #persister: Persister;
  readonly #tracker: Tracker;
  readonly #logger: Logger;
  readonly #maxStepsPerRun: number;
  /** The schema with unknown keys refused, so a stored state never carries keys the graph lacks. */
  readonly #strictState: z.ZodObject;

  constructor(
    readonly graph: Graph<Schema>,
    options: RunnerOptions,
  ) {
    this.#persister = options.persister;
    this.#tracker = options.tracker ?? noopTracker;
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#maxStepsPerRun = options.maxStepsPerRun ?? DEFAULT_MAX_STEPS_PER_RUN;
    if (!Number.isInteger(this.#maxStepsPerRun) || this.#maxStepsPerRun < 1)
      throw new RangeError(`maxStepsPerRun must be a positive integer, not ${options.maxStepsPerRun}`);
    this.#strictState = graph.state.strict();
  }

  /** Get or create an app in a partition, starting from the graph's initial state. */
  create(options: { appId?: string; partitionKey: string }) {
    return this.#persister.createApp({
      graph: this.graph.name,
      appId: options.appId ?? randomUUID(),
      partitionKey: options.partitionKey,
      position: null,
      state: this.graph.initial,
      parent: null,
    });
  }

  load(appId: string): Promise<StoredApp | null> {
    return this.#persister.loadApp({ graph: this.graph.name, appId });
  }

  /** Tracked steps of an app (sequence id > after), committed and failed, in order. */
  steps(appId: string, page: { after: number; limit: number }) {
    return this.#persister.listSteps({ graph: this.graph.name, appId }, page);
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
  async run(appId: string, options: RunOptions): Promise<StoredApp> {
    for await (const item of this.stream(appId, options)) {
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
   */
  async *stream(appId: string, options: RunOptions): AsyncGenerator<RunEvent, void, void> {
    const app = await this.load(appId);
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
      app = yield* this.#runAction(app, action, inputs, signal);
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
    const state = this.#parse({ ...at.state, ...options.stateOverrides }, 'The forked state');
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

  async *#runAction(
    app: StoredApp,
    action: AnyAction<z.infer<Schema>>,
    inputs: unknown,
    signal: AbortSignal,
  ): AsyncGenerator<StepEvent, StoredApp, void> {
    const key = { graph: this.graph.name, appId: app.appId };
    const info: StepInfo = { ...key, action: action.name, sequenceId: app.sequenceId + 1 };
    const startedAt = new Date();
    this.#tracker.stepStarted({ ...info, startedAt });
    yield { event: 'action', data: { action: action.name, sequence_id: info.sequenceId } };

    let output: ActionOutput<z.infer<Schema>>;
    let state: StateValues;
    try {
      output = yield* this.#execute(app.state, action, inputs, info, signal);
      state = this.#checkWrites(action, app.state, output.state.toJSON());
    } catch (error) {
      const endedAt = new Date();
      const message = error instanceof Error ? error.message : String(error);
      await this.#recordFailedStep(key, { ...info, inputs, error: message, startedAt, endedAt });
      this.#tracker.stepFailed({ ...info, startedAt, durationMs: since(startedAt, endedAt), error: message });
      if (isAbort(error, signal)) throw new RunAbortedError(action.name, true, error);
      throw error instanceof ActionFailedError ? error : new ActionFailedError(action.name, error);
    }

    const endedAt = new Date();
    const step = { action: action.name, inputs, result: output.result, writes: diffWrites(app.state, state) };
    const committed = await this.#persister.commitStep(
      key,
      app.sequenceId,
      { ...step, startedAt, endedAt },
      { state, position: action.name },
    );
    this.#tracker.stepCommitted({ ...info, startedAt, durationMs: since(startedAt, endedAt) });
    yield { event: 'step', data: { action: action.name, sequence_id: committed.sequenceId } };
    return committed;
  }

  /** Calls the action; a streaming one yields its deltas, checking the signal between them. */
  async *#execute(
    state: StateValues,
    action: AnyAction<z.infer<Schema>>,
    inputs: unknown,
    info: StepInfo,
    signal: AbortSignal,
  ): AsyncGenerator<StepEvent, ActionOutput<z.infer<Schema>>, void> {
    const ctx = {
      signal,
      appId: info.appId,
      logger: this.#logger.child({ appId: info.appId, action: info.action }),
    };
    const output = this.#scoped(info, () => action.run(new State(state as z.infer<Schema>), inputs, ctx));
    if (!isStreaming(output)) return await output;
    try {
      for (;;) {
        signal.throwIfAborted();
        const item = await this.#scoped(info, () => output.next());
        if (item.done) {
          signal.throwIfAborted();
          return item.value;
        }
        this.#tracker.delta(info, item.value);
        yield { event: 'delta', data: { action: action.name, delta: item.value } };
      }
    } finally {
      // Stopped early (aborted, or whoever reads the stream left): run the action's own `finally`
      // blocks. After the action returned or threw, this does nothing.
      await this.#close(output, info);
    }
  }

  /** Runs a piece of the action's code inside the tracker's scope for the step (tracker.ts). */
  #scoped<T>(info: StepInfo, work: () => T): T {
    return this.#tracker.scope ? this.#tracker.scope(info, work) : work();
  }

  /** Ends a streaming action; a failure in its `finally` is logged, not raised over what stopped it. */
  async #close(generator: AsyncGenerator<unknown, unknown, void>, info: StepInfo) {
    try {
      await generator.return(undefined);
    } catch (error) {
      this.#logger.warn(
        { err: error, app_id: info.appId, action: info.action },
        'a streaming action failed while closing',
      );
    }
  }

  /** Records the failed step; a persister failure is logged so that it does not hide the action's error. */
  async #recordFailedStep(key: AppKey, step: FailedStep) {
    try {
      await this.#persister.recordFailedStep(key, step);
    } catch (error) {
      this.#logger.error(
        { err: error, app_id: key.appId, action: step.action, sequence_id: step.sequenceId },
        'could not record a failed step',
      );
    }
  }

  /** Fails the step when the action changed a key outside `writes` or broke the schema. */
  #checkWrites(action: AnyAction<z.infer<Schema>>, before: StateValues, after: StateValues): StateValues {
    const allowed = new Set<string>(action.writes);
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (before[key] !== after[key] && !allowed.has(key)) {
        throw new ActionFailedError(action.name, `it wrote "${key}", which is not in its writes`);
      }
    }
    return this.#validate(after, `The state written by "${action.name}"`);
  }

  /** Checks a state against the schema, refusing keys it lacks at any depth; returns zod's output. */
  #parse(state: StateValues, what: string): StateValues {
    const parsed = this.#strictState.safeParse(state);
    const error = parsed.success ? droppedKeysError(state, parsed.data) : parsed.error;
    if (error) throw new StateValidationError(`${what} does not match the state schema`, error);
    return parsed.data as StateValues;
  }

  /**
   * Checks a state an action wrote like #parse, but returns the action's own object: unchanged
   * values must stay the same references, which is how diffWrites tells what a step changed. With
   * unknown keys refused at every depth, it holds what zod's output would.
   */
  #validate(state: StateValues, what: string): StateValues {
    this.#parse(state, what);
    return state;
  }
}

/** True when the step failed because the signal fired, not for a cause of its own. */
function isAbort(error: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted && (error === signal.reason || (error instanceof Error && error.name === 'AbortError'))
  );
}

const since = (startedAt: Date, endedAt: Date) => endedAt.getTime() - startedAt.getTime();

// biome-ignore lint/suspicious/noExplicitAny: runners of different graphs live in one map.
export type AnyRunner = GraphRunner<any>;

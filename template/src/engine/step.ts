import type { Logger } from 'pino';
import { type ActionOutput, type AnyAction, isStreaming } from './action';
import { ActionFailedError, RunAbortedError } from './errors';
import type { AppKey, FailedStep, Persister, StateWrite, StoredApp } from './persister';
import type { StepEvent } from './runner';
import { State, type StateValues } from './state';
import type { StateSchema } from './state-schema';
import type { StepInfo, Tracker } from './tracker';
import { diffWrites } from './writes';

/** What one step needs of the runner. */
export interface StepDeps {
  persister: Persister;
  tracker: Tracker;
  logger: Logger;
  schema: StateSchema;
}

/**
 * One step: runs `action` on the app, streaming its deltas, checks what it wrote, and commits it
 * as the app's next sequence id (or records it as failed and throws why). The runner decides
 * which action runs and when a run halts; this is what happens inside one of its steps.
 */
export async function* runStep(
  deps: StepDeps,
  app: StoredApp,
  action: AnyAction<StateValues>,
  inputs: unknown,
  signal: AbortSignal,
): AsyncGenerator<StepEvent, StoredApp, void> {
  const key = { graph: app.graph, appId: app.appId };
  const info: StepInfo = { ...key, action: action.name, sequenceId: app.sequenceId + 1 };
  const startedAt = new Date();
  deps.tracker.stepStarted({ ...info, startedAt });
  yield { event: 'action', data: { action: action.name, sequence_id: info.sequenceId } };

  let output: ActionOutput<StateValues>;
  let state: StateValues;
  let writes: StateWrite[];
  try {
    output = yield* execute(deps, app.state, action, inputs, info, signal);
    state = checkWrites(action, app.state, output.state.toJSON());
    writes = diffWrites(app.state, state);
    deps.schema.checkStep(app.state, state, writes, `The state written by "${action.name}"`);
  } catch (error) {
    const endedAt = new Date();
    const message = error instanceof Error ? error.message : String(error);
    await recordFailedStep(deps, key, { ...info, inputs, error: message, startedAt, endedAt });
    deps.tracker.stepFailed({ ...info, startedAt, durationMs: since(startedAt, endedAt), error: message });
    if (isAbort(error, signal)) throw new RunAbortedError(action.name, true, error);
    throw error instanceof ActionFailedError ? error : new ActionFailedError(action.name, error);
  }

  const endedAt = new Date();
  const step = { action: action.name, inputs, result: output.result, writes };
  let committed: StoredApp;
  try {
    committed = await deps.persister.commitStep(
      key,
      app.sequenceId,
      { ...step, startedAt, endedAt },
      { state, position: action.name },
    );
  } catch (error) {
    // Lost to a concurrent step (SequenceConflictError) or a database failure: the step's work is
    // not stored, so the tracker hears it failed (a trace span or a metric must not stay open).
    const message = error instanceof Error ? error.message : String(error);
    deps.tracker.stepFailed({ ...info, startedAt, durationMs: since(startedAt, new Date()), error: message });
    throw error;
  }
  deps.tracker.stepCommitted({ ...info, startedAt, durationMs: since(startedAt, endedAt) });
  yield { event: 'step', data: { action: action.name, sequence_id: committed.sequenceId } };
  return committed;
}

/** Calls the action; a streaming one yields its deltas, checking the signal between them. */
async function* execute(
  deps: StepDeps,
  state: StateValues,
  action: AnyAction<StateValues>,
  inputs: unknown,
  info: StepInfo,
  signal: AbortSignal,
): AsyncGenerator<StepEvent, ActionOutput<StateValues>, void> {
  const logger = deps.logger.child({ appId: info.appId, action: info.action });
  const output = scoped(deps.tracker, info, () =>
    action.run(new State(state), inputs, { signal, appId: info.appId, logger }),
  );
  if (!isStreaming(output)) return await output;
  try {
    for (;;) {
      signal.throwIfAborted();
      const item = await scoped(deps.tracker, info, () => output.next());
      if (item.done) {
        signal.throwIfAborted();
        return item.value;
      }
      deps.tracker.delta(info, item.value);
      yield { event: 'delta', data: { action: action.name, delta: item.value } };
    }
  } finally {
    // Stopped early (aborted, or whoever reads the stream left): run the action's own `finally`
    // blocks. After the action returned or threw, this does nothing.
    await close(deps.logger, output, info);
  }
}

/** Runs a piece of the action's code inside the tracker's scope for the step (tracker.ts). */
function scoped<T>(tracker: Tracker, info: StepInfo, work: () => T): T {
  return tracker.scope ? tracker.scope(info, work) : work();
}

/** Ends a streaming action; a failure in its `finally` is logged, not raised over what stopped it. */
async function close(logger: Logger, generator: AsyncGenerator<unknown, unknown, void>, info: StepInfo) {
  try {
    await generator.return(undefined);
  } catch (error) {
    logger.warn(
      { err: error, app_id: info.appId, action: info.action },
      'a streaming action failed while closing',
    );
  }
}

/** Records the failed step; a persister failure is logged so that it does not hide the action's error. */
async function recordFailedStep(deps: StepDeps, key: AppKey, step: FailedStep) {
  try {
    await deps.persister.recordFailedStep(key, step);
  } catch (error) {
    deps.logger.error(
      { err: error, app_id: key.appId, action: step.action, sequence_id: step.sequenceId },
      'could not record a failed step',
    );
  }
}

/** Fails the step when the action changed a key outside its `writes`. */
function checkWrites(action: AnyAction<StateValues>, before: StateValues, after: StateValues): StateValues {
  const allowed = new Set<string>(action.writes);
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[key] !== after[key] && !allowed.has(key)) {
      throw new ActionFailedError(action.name, `it wrote "${key}", which is not in its writes`);
    }
  }
  return after;
}

/** True when the step failed because the signal fired, not for a cause of its own. */
function isAbort(error: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted && (error === signal.reason || (error instanceof Error && error.name === 'AbortError'))
  );
}

const since = (startedAt: Date, endedAt: Date) => endedAt.getTime() - startedAt.getTime();

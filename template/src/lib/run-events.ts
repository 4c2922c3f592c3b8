import {
  ActionFailedError,
  ActionNotAllowedError,
  AppNotFoundError,
  RunAbortedError,
  type RunEvent,
  SequenceConflictError,
  StateValidationError,
  type StepEvent,
  type StoredApp,
} from '../engine';
import { type Problem, ProblemError, problem, zodProblem } from './errors';

// A run's events as clients see them, in one place: the streamed action routes send them as
// Server-Sent Events, the worker stores them as run_events rows (replayed over SSE and WebSocket).

/** The AppView of DESIGN.md: where an app stands and what may run next, in the API's snake_case. */
export function toAppView(app: StoredApp, next: string | null) {
  return {
    app_id: app.appId,
    partition_key: app.partitionKey,
    graph: app.graph,
    sequence_id: app.sequenceId,
    position: app.position,
    next,
    state: app.state,
    parent: app.parent ? { app_id: app.parent.appId, sequence_id: app.parent.sequenceId } : null,
    created_at: app.createdAt.toISOString(),
    updated_at: app.updatedAt.toISOString(),
  };
}

export type AppView = ReturnType<typeof toAppView>;

export type WireEvent =
  | { event: 'state' | 'done'; data: AppView }
  | StepEvent
  | { event: 'error'; data: Problem };

/** The event as it goes on the wire: apps become AppViews, errors problems (with `next`). */
export function toWireEvent(event: RunEvent): WireEvent {
  switch (event.event) {
    case 'state':
    case 'done':
      return { event: event.event, data: toAppView(event.data.app, event.data.next) };
    case 'error':
      return { event: 'error', data: runProblem(event.data.error, event.data.next) };
    default:
      return event;
  }
}

/** The problem a run's error answers with, carrying the app's `next`; a 500 for the unexpected. */
export function runProblem(error: unknown, next: string | null): Problem {
  return { ...(engineProblem(error, next) ?? problem(500, 'Something went wrong on our side.')), next };
}

/**
 * The problem an engine error answers with, or undefined for an unexpected error (a 500).
 * `next` is the app's next action, for the 409s.
 */
export function engineProblem(error: unknown, next: string | null): Problem | undefined {
  if (error instanceof ProblemError) return error.problem;
  if (error instanceof AppNotFoundError) return problem(404, 'Not found.');
  if (error instanceof ActionNotAllowedError) return problem(409, error.message, { next: error.next });
  if (error instanceof StateValidationError) return zodProblem(error.zodError, error.message);
  if (error instanceof SequenceConflictError)
    return problem(409, 'Another step committed first; reload the app and try again.', { next });
  if (error instanceof RunAbortedError) {
    // A request's run is aborted when its client leaves (499, nginx's status for it: no one reads
    // the answer, but the request's log line and metrics should not count it as our failure) or
    // when its deadline passes, whose own 504 the deadline middleware has already answered.
    if (error.cause instanceof ProblemError) return error.cause.problem;
    return problem(499, `The client left before action "${error.action}" finished; committed steps stay.`);
  }
  if (error instanceof ActionFailedError) {
    // The cause may hold internals (a provider's message): it goes to the log, not to the client.
    return problem(500, `Action "${error.action}" failed; the state stays at the last committed step.`);
  }
  return undefined;
}

import {
  ActionFailedError,
  ActionNotAllowedError,
  AppNotFoundError,
  StateValidationError,
} from '../engine/errors';
import { SequenceConflictError } from '../engine/persister';
import { type Problem, ProblemError, problem, zodProblem } from '../lib/errors';

/**
 * The problem an engine error answers with, or undefined for an unexpected error (a 500).
 * `next` is the app's next action, for the 409s.
 */
export function engineProblem(
  error: unknown,
  next: () => Promise<string | null>,
): Promise<Problem | undefined> | Problem | undefined {
  if (error instanceof ProblemError) return error.problem;
  if (error instanceof AppNotFoundError) return problem(404, 'Not found.');
  if (error instanceof ActionNotAllowedError) return problem(409, error.message, { next: error.next });
  if (error instanceof StateValidationError) return zodProblem(error.zodError, error.message);
  if (error instanceof SequenceConflictError) {
    return next().then((action) =>
      problem(409, 'Another step committed first; reload the app and try again.', { next: action }),
    );
  }
  if (error instanceof ActionFailedError) {
    // The cause may hold internals (a provider's message): it goes to the log, not to the client.
    return problem(500, `Action "${error.action}" failed; the state stays at the last committed step.`);
  }
  return undefined;
}

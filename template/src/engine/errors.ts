import type { ZodError } from 'zod';

import type { StoredApp } from './persister';

export { SequenceConflictError } from './persister';

/** The app does not exist (the API answers 404). */
export class AppNotFoundError extends Error {
  constructor(readonly appId: string) {
    super(`App ${appId} does not exist`);
    this.name = 'AppNotFoundError';
  }
}

/** A fork asked for a step the source app does not have (the API answers 422 on `sequence_id`). */
export class UnknownStepError extends Error {
  constructor(
    readonly appId: string,
    readonly sequenceId: number,
    readonly latest: number,
  ) {
    super(`App ${appId} has no step ${sequenceId} (latest is ${latest})`);
    this.name = 'UnknownStepError';
  }
}

/** A fork asked for an app id that is taken (by an app the caller may or may not see). */
export class AppExistsError extends Error {
  constructor(readonly app: StoredApp) {
    super(`An app with id ${app.appId} exists already`);
    this.name = 'AppExistsError';
  }
}

/** The named action is not the app's next one (the API answers 409 with `next`). */
export class ActionNotAllowedError extends Error {
  constructor(
    readonly action: string,
    readonly next: string | null,
  ) {
    super(
      next
        ? `Action "${action}" may not run now; "${next}" is next`
        : `Action "${action}" may not run now; the app is done`,
    );
    this.name = 'ActionNotAllowedError';
  }
}

/** Inputs or a state change did not match a schema (the API answers 422). */
export class StateValidationError extends Error {
  constructor(
    message: string,
    readonly zodError: ZodError,
  ) {
    super(message);
    this.name = 'StateValidationError';
  }
}

/** An action threw, or wrote what it may not; the state stays at the last commit. */
export class ActionFailedError extends Error {
  constructor(
    readonly action: string,
    cause: unknown,
  ) {
    super(`Action "${action}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ActionFailedError';
  }
}

/**
 * The run was aborted (client gone or cancelled): during an action, of which nothing was committed,
 * or between two steps, before `action` started.
 */
export class RunAbortedError extends Error {
  constructor(
    readonly action: string,
    readonly during: boolean,
    cause?: unknown,
  ) {
    super(during ? `Action "${action}" was aborted` : `The run was aborted before action "${action}"`, {
      cause,
    });
    this.name = 'RunAbortedError';
  }
}

/** A run took `limit` steps without halting, most likely a cycle of actions that need no input. */
export class StepLimitError extends Error {
  constructor(
    readonly limit: number,
    readonly action: string,
  ) {
    super(
      `The run stopped before "${action}" after ${limit} steps without a halt: add a haltAfter or haltBefore rule to the cycle, or raise maxStepsPerRun`,
    );
    this.name = 'StepLimitError';
  }
}

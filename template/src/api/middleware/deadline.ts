import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ProblemError, problem } from '../../lib/errors';

/** A request's deadline, as handlers see it (`c.var.deadline`). */
export interface RequestDeadline {
  /** Fires when the deadline passes; made on first use, since most requests never ask for it. */
  readonly signal: AbortSignal;
  /**
   * Aborts `controller` too when the deadline passes (at once if it has), with the same reason: one
   * controller for the deadline and another cause, where `AbortSignal.any` would make two more.
   */
  alsoAbort(controller: AbortController): void;
}

export type DeadlineVariables = { deadline: RequestDeadline };

/**
 * Answers 504 problem+json when a request takes longer than `ms`, and at that moment fires
 * `c.var.deadline.signal` so the handler's work stops too. (hono/timeout answers 504 but lets the
 * handler run on: a slow action would then commit a step after the client was told it failed.)
 *
 *     app.use(deadline(30_000, { skip: (c) => c.req.path.endsWith('/stream') }));
 *     // in a handler: runner.run(id, { signal: requestSignal(c) }) (src/api/problems.ts)
 *
 * No timer and no AbortController per request: every request waits the same `ms`, so they expire
 * in the order they came, and one timer for the oldest still running is enough (InFlight).
 * Per request the two cost about 18 µs of CPU over HTTP (docs/benchmarks.md, "The hot path,
 * third pass").
 */
export function deadline(ms: number, options: { skip?: (c: Context) => boolean } = {}) {
  const inFlight = new InFlight(ms);
  return createMiddleware<{ Variables: DeadlineVariables }>(async (c, next) => {
    if (options.skip?.(c)) return next();
    const requestDeadline = new LazyDeadline();
    c.set('deadline', requestDeadline);
    let answerLate!: (late: ProblemError) => void;
    const tooLate = new Promise<never>((_, reject) => {
      answerLate = reject;
    });
    const entry = inFlight.add((late) => {
      requestDeadline.expire(late);
      answerLate(late);
    });
    try {
      await Promise.race([next(), tooLate]);
    } finally {
      inFlight.delete(entry);
    }
  });
}

class LazyDeadline implements RequestDeadline {
  #controller: AbortController | undefined;
  #late: ProblemError | undefined;
  #alsoAborted: AbortController[] | undefined;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#late) this.#controller.abort(this.#late);
    }
    return this.#controller.signal;
  }

  alsoAbort(controller: AbortController) {
    if (this.#late) {
      controller.abort(this.#late);
      return;
    }
    this.#alsoAborted ??= [];
    this.#alsoAborted.push(controller);
  }

  expire(late: ProblemError) {
    this.#late = late;
    this.#controller?.abort(late);
    for (const controller of this.#alsoAborted ?? []) controller.abort(late);
  }
}

interface Entry {
  readonly expiresAt: number;
  readonly expire: (late: ProblemError) => void;
}

/** The requests running under one deadline, oldest first (a Set iterates in insertion order). */
class InFlight {
  readonly #entries = new Set<Entry>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly ms: number) {}

  add(expire: Entry['expire']): Entry {
    const entry = { expiresAt: performance.now() + this.ms, expire };
    this.#entries.add(entry);
    this.#timer ??= this.#wakeAt(entry.expiresAt);
    return entry;
  }

  delete(entry: Entry) {
    this.#entries.delete(entry);
    // Nothing left to watch: no timer may keep an idle process (or one shutting down) alive.
    if (this.#entries.size === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #wakeAt(at: number) {
    return setTimeout(() => this.#expireDue(), Math.max(1, at - performance.now()));
  }

  /** Expires every request whose time is up, then sleeps until the oldest one left is due. */
  #expireDue() {
    this.#timer = undefined;
    const now = performance.now();
    for (const entry of this.#entries) {
      if (entry.expiresAt > now) {
        this.#timer = this.#wakeAt(entry.expiresAt);
        return;
      }
      this.#entries.delete(entry);
      entry.expire(new ProblemError(problem(504, 'The request took too long.')));
    }
  }
}

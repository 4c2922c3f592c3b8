import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { User } from '../../auth/user';
import { ProblemError, problem } from '../../lib/errors';
import type { Services } from '../../lib/services';

// Open streams (a streamed action, a run's events over SSE or WebSocket) hold a socket, a follower
// and its page of events for as long as the client stays. Each user may hold STREAMS_PER_USER at
// once on an instance; one more answers 429, before anything runs or is read.

/** What a client is told to wait before trying again; a stream's end cannot be foreseen. */
const RETRY_AFTER_SECONDS = 5;

/** The open streams of each user on this instance. */
export class StreamSlots {
  readonly #open = new Map<string, number>();

  constructor(readonly perUser: number) {}

  /** Takes a slot for `sub`: the function that gives it back (once), or null when none is free. */
  take(sub: string): (() => void) | null {
    const open = this.#open.get(sub) ?? 0;
    if (open >= this.perUser) return null;
    this.#open.set(sub, open + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.#open.get(sub) ?? 1) - 1;
      if (left > 0) this.#open.set(sub, left);
      else this.#open.delete(sub);
    };
  }

  /** How many streams `sub` holds open. */
  openFor(sub: string): number {
    return this.#open.get(sub) ?? 0;
  }
}

/** A taken slot; the stream that answers the request keeps it and gives it back when it ends. */
export interface StreamSlot {
  release: () => void;
  kept: boolean;
}

type SlotEnv = { Variables: { user: User; services: Services; streamSlot: StreamSlot } };

/**
 * Declared on a streaming route (`middleware: [requires(…), openStream()]`): 429 with Retry-After
 * when the caller holds STREAMS_PER_USER streams already. A handler that answers with a stream
 * calls `keepStreamSlot(c)` and releases the slot when the stream ends; any other answer (an
 * error, a 409) gives it back at once.
 */
export function openStream() {
  return createMiddleware<SlotEnv>(async (c, next) => {
    const { streams } = c.var.services;
    const release = streams.take(c.var.user.sub);
    if (!release) {
      throw new ProblemError(
        problem(429, `You have ${streams.perUser} streams open already; close one and retry.`),
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      );
    }
    const slot: StreamSlot = { release, kept: false };
    c.set('streamSlot', slot);
    try {
      await next();
    } finally {
      if (!slot.kept) release();
    }
  });
}

/** Claims the request's slot for the stream being opened; call the result when the stream ends. */
export function keepStreamSlot(c: Context): () => void {
  const slot = c.get('streamSlot' as never) as StreamSlot | undefined;
  if (!slot) return () => {};
  slot.kept = true;
  return slot.release;
}

import { EventEmitter } from 'node:events';
import type { RunEvent } from '../db/runs-repository';

// The events of the runs this process executes, handed to this process's followers the moment the
// worker emits them, before (and while) they are batched into run_events. A follower on the
// instance that runs the turn (the common case: the one that took the POST) then reads nothing
// back from the database but what was stored before it came; other instances, and resumes after
// the run, follow the stored log (follow-run.ts). Ids are the ones the events are stored with: the
// worker is a run's only writer while it runs, and its store checks that the ids came out so.

/**
 * How many events may be emitted for a live follower while it takes none. A reader that falls
 * further behind is let go of and reads the stored log from where it was instead, so a stalled
 * client holds this many events and those not stored when it came (at most a batch of the
 * worker's), not the run's whole answer.
 */
export const LIVE_QUEUE_LIMIT = 256;

/** What a live follower takes next: the events queued for it, or `gone` (let go of, or the run closed: read the store). */
export type LiveItem = RunEvent[] | 'gone';

/** One follower's view of a live run: events from `firstId` on, in order. */
export interface LiveFeed {
  /** The id of the first event this feed gives; every event before it is stored. */
  readonly firstId: number;
  /** The events queued since the last call, once there is one; `gone` when the feed ended first. */
  next(): Promise<LiveItem>;
  /** Stops the feed (the follower left, or has what it wanted). */
  stop(): void;
}

interface Listener {
  push(event: RunEvent): void;
  /** Ends the feed once its queue is read; `drop` ends it now (a follower too far behind). */
  close(drop?: boolean): void;
}

/** The writer's side of one live run (the worker). */
export interface LiveRun {
  /** Gives the event its id (the next one) and hands it to every follower. */
  emit(event: string, data: unknown): RunEvent;
  /** Every event up to `id` is stored: a new follower reads those from the database. */
  stored(id: number): void;
  /** The events after `id` were not stored (a failed write): the next event gets `id + 1`. */
  rewind(id: number): void;
  /** The run has ended here: its followers read the rest (if any) from the store. */
  close(): void;
}

/** The events that end a run's stream. */
const isEnding = (event: string) => event === 'done' || event === 'error';

class OpenRun implements LiveRun {
  /** Emitted events not yet known to be stored, oldest first (the ending is held apart). */
  #unstored: RunEvent[] = [];
  /**
   * The run's last event, held back until the worker has recorded how the run ended (close): a
   * client that has the end may at once read the run's result, or send the chat's next message.
   */
  #ending: RunEvent | null = null;
  readonly listeners = new Set<Listener>();

  constructor(
    private readonly runId: string,
    private nextId: number,
    private readonly closed: () => void,
  ) {}

  emit(event: string, data: unknown): RunEvent {
    const emitted: RunEvent = { runId: this.runId, id: this.nextId++, event, data, createdAt: new Date() };
    if (isEnding(event)) {
      this.#ending = emitted;
      return emitted;
    }
    this.#unstored.push(emitted);
    for (const listener of this.listeners) listener.push(emitted);
    return emitted;
  }

  stored(id: number) {
    const keep = this.#unstored.findIndex((event) => event.id > id);
    this.#unstored = keep === -1 ? [] : this.#unstored.slice(keep);
  }

  rewind(id: number) {
    this.#unstored = [];
    this.#ending = null;
    this.nextId = id + 1;
  }

  close() {
    this.closed();
    const ending = this.#ending;
    for (const listener of this.listeners) {
      if (ending) listener.push(ending);
      listener.close();
    }
    this.listeners.clear();
  }

  /** A feed of the events not yet stored, then of each new one. */
  feed(): LiveFeed {
    const queue = [...this.#unstored];
    // Before the held ending, if there is one: the follower takes it from here, not from the store.
    const firstId = queue[0]?.id ?? this.#ending?.id ?? this.nextId;
    let gone = false;
    let wake: (() => void) | null = null;
    // Counted from the follower's last take, not from the queue's length: a feed starts with every
    // unstored event, which may be more than the limit, and one that counted those would be let go
    // of at the next event, and again each time it came back, until the worker's write is done.
    let untaken = 0;
    const listener: Listener = {
      push: (event) => {
        queue.push(event);
        if (++untaken > LIVE_QUEUE_LIMIT) listener.close(true);
        wake?.();
      },
      close: (drop = false) => {
        gone = true;
        if (drop) queue.length = 0;
        this.listeners.delete(listener);
        wake?.();
      },
    };
    this.listeners.add(listener);
    return {
      firstId,
      next: async () => {
        while (queue.length === 0 && !gone) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        untaken = 0;
        return queue.length > 0 ? queue.splice(0) : 'gone';
      },
      stop: () => listener.close(true),
    };
  }
}

/** The runs executing in this process, by id. */
export class LiveRuns {
  readonly #runs = new Map<string, OpenRun>();
  readonly #opened = new EventEmitter().setMaxListeners(0);

  /** Opens a run about to execute here; its first event gets `afterId + 1`. */
  open(runId: string, afterId: number): LiveRun {
    const run = new OpenRun(runId, afterId + 1, () => {
      if (this.#runs.get(runId) === run) this.#runs.delete(runId);
    });
    this.#runs.set(runId, run);
    this.#opened.emit(runId);
    return run;
  }

  /** A feed of the run when it executes here, else null (follow the stored log). */
  follow(runId: string): LiveFeed | null {
    return this.#runs.get(runId)?.feed() ?? null;
  }

  /** Whether the run executes here now. */
  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /** Calls `listener` when the run starts executing here; returns what stops listening. */
  onOpen(runId: string, listener: () => void): () => void {
    this.#opened.on(runId, listener);
    return () => this.#opened.off(runId, listener);
  }
}

/** One event of a run, before it is stored. */
export interface PendingEvent {
  event: string;
  data: unknown;
}

/**
 * Events queued while a write is in flight are stored together, up to this many in one write; the
 * worker waits when this many are queued. A commit is most of a write's cost once deltas share rows
 * (event-rows.ts): 2,048 took about 13% less of a chat turn's CPU than 512 did, for a worker that
 * may hold 2,048 unstored events of a model that outpaces the database.
 */
const MAX_BATCH = 2048;

/**
 * Stores a run's events in order, joining those that arrive before the next write (one turn of the
 * event loop, or while a write is in flight) into one transaction, so a model streaming tokens
 * costs one commit per batch instead of one per token, and an idle run still stores each event
 * at once. `add` waits only
 * when the queue is full (backpressure) or for `wait` events (those that end a step or the run).
 */
export function eventBatcher<E extends PendingEvent>(store: (events: E[]) => Promise<void>) {
  let queued: E[] = [];
  let flushing: Promise<void> | null = null;
  // A failed write is kept until clear(): events after a lost one must not be stored as if in order.
  let failure: { error: unknown } | null = null;

  async function flush() {
    try {
      while (queued.length > 0) {
        const batch = queued.splice(0, MAX_BATCH);
        await store(batch);
      }
    } catch (error) {
      failure = { error };
      queued = [];
    } finally {
      flushing = null;
    }
  }
  const settled = async () => {
    await flushing;
    if (failure) throw failure.error;
  };

  return {
    /**
     * Queues the event. Returns what to wait for: its storing (`wait`), room in a full queue, or an
     * earlier write's failure; otherwise nothing, so a streamed delta costs its caller no await.
     */
    add(event: E, { wait = false } = {}): Promise<void> | undefined {
      if (failure) return Promise.reject(failure.error);
      queued.push(event);
      // Deferred to the next turn of the event loop: SQLite writes synchronously, so a flush that
      // started at once would store every event alone; deferred, it takes all that came meanwhile.
      flushing ??= new Promise((resolve) => setImmediate(resolve)).then(flush);
      return wait || queued.length >= MAX_BATCH ? settled() : undefined;
    },
    /** Resolves once everything added so far is stored; rejects when a write failed. */
    drained: settled,
    /** Drops what is not stored yet and forgets a failure, so the run can still store its error. */
    clear() {
      queued = [];
      failure = null;
    },
  };
}

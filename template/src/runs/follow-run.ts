import { finishedStatuses, type Run, type RunEvent, type RunsRepository } from '../db/runs-repository';
import type { Problem } from '../lib/errors';
import type { RunBus } from './run-bus';

export interface FollowRunOptions {
  runs: RunsRepository;
  bus: RunBus;
  /**
   * How long a follower sleeps when the bus says nothing (RUN_FOLLOW_POLL_MS). The bus wakes it at
   * once; this bounds what a missed signal costs, and is how a follower on another instance learns
   * of new events when there is no Redis.
   */
  pollMs: number;
  /** The `error` to end with when a run finished without storing one (its process died). */
  endingOf: (run: Run) => Promise<Problem>;
}

/** The events that end a run's stream. */
const isLast = (event: RunEvent) => event.event === 'done' || event.event === 'error';

/**
 * How many events a follower reads at once. It asks for the next page only once the reader has
 * taken the last one (the generator waits at each yield), so a client that stops reading stops the
 * reads, and a follower holds one page, not the run's whole log. Small, because what a stalled
 * follower holds is a page: 25 deltas of 10 kB are 250 kB.
 */
export const EVENT_PAGE_SIZE = 25;

/** The stored events after `after`, a page at a time, oldest first. */
async function* storedAfter(runs: RunsRepository, runId: string, after: number): AsyncGenerator<RunEvent> {
  for (let last = after; ; ) {
    const page = await runs.listEvents(runId, { after: last, limit: EVENT_PAGE_SIZE });
    for (const event of page) {
      last = event.id;
      yield event;
    }
    if (page.length < EVENT_PAGE_SIZE) return;
  }
}

/**
 * Every event of a run after `afterId`: first what is stored, then each new one as the worker
 * appends it (woken by the bus), until `done` or `error`. Subscribes before reading so nothing
 * written in between is missed.
 */
export async function* followRun(
  options: FollowRunOptions,
  runId: string,
  afterId: number,
  signal: AbortSignal,
): AsyncGenerator<RunEvent> {
  const { runs, bus } = options;
  let wake: () => void = () => {};
  let pending = true;
  const unsubscribe = await bus.subscribe(runId, () => {
    pending = true;
    wake();
  });
  const stop = () => wake();
  signal.addEventListener('abort', stop);
  try {
    let last = afterId;
    while (!signal.aborted) {
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs);
          timer.unref();
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      pending = false;
      for await (const event of storedAfter(runs, runId, last)) {
        last = event.id;
        yield event;
        if (isLast(event)) return;
      }
      const run = await runs.get(runId);
      if (!run) return;
      if (finishedStatuses.includes(run.status)) {
        // Finished: what was stored after the read above, then the last event. A run interrupted
        // by a crash (or cancelled while queued) may not have stored one yet: say why it ended.
        for await (const event of storedAfter(runs, runId, last)) {
          last = event.id;
          yield event;
          if (isLast(event)) return;
        }
        const data = await options.endingOf(run);
        yield { runId, id: last + 1, event: 'error', data, createdAt: new Date() };
        return;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    unsubscribe();
  }
}

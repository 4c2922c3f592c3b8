import { finishedStatuses, type Run, type RunEvent, type RunsRepository } from '../db/runs-repository';
import type { Problem } from '../lib/errors';
import type { LiveFeed, LiveRuns } from './live-runs';
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
  /**
   * The runs this process executes: a run found there is followed from its worker's events as they
   * are emitted, and the database gives only what was stored before the follower came.
   */
  live?: LiveRuns;
}

/** The events that end a run's stream. */
const isLast = (event: RunEvent) => event.event === 'done' || event.event === 'error';

/**
 * How many stored rows a follower reads at once. It asks for the next page only once the reader has
 * taken the last event (the generator waits at each yield), so a client that stops reading stops the
 * reads, and a follower holds one page, not the run's whole log. Small, because what a stalled
 * follower holds is a page: a row is one event (25 deltas of 10 kB are 250 kB) or a run of deltas
 * of at most 16 kB (src/db/event-rows.ts).
 */
export const EVENT_PAGE_SIZE = 25;

/** The stored events after `after`, a page at a time (never empty), oldest first. */
async function* storedAfter(runs: RunsRepository, runId: string, after: number): AsyncGenerator<RunEvent[]> {
  for (let last = after; ; ) {
    const page = await runs.listEvents(runId, { after: last, rows: EVENT_PAGE_SIZE });
    const lastOfPage = page.at(-1);
    if (lastOfPage) {
      last = lastOfPage.id;
      yield page;
    }
    // A row holds at least one event: fewer events than rows asked for means the log ended.
    if (page.length < EVENT_PAGE_SIZE) return;
  }
}

/** A non-empty page up to its first ending (`done` or `error`), the id it ends at, and whether it ended. */
function throughEnding(page: RunEvent[]) {
  const end = page.findIndex(isLast);
  const events = end === -1 ? page : page.slice(0, end + 1);
  return { events, last: (events.at(-1) as RunEvent).id, ended: end !== -1 };
}

/**
 * Every event of a run after `afterId`, one at a time: followRunPages' events. For a consumer that
 * writes each event on its own (the SSE and WebSocket routes).
 */
export async function* followRun(
  options: FollowRunOptions,
  runId: string,
  afterId: number,
  signal: AbortSignal,
): AsyncGenerator<RunEvent> {
  for await (const page of followRunPages(options, runId, afterId, signal)) yield* page;
}

/**
 * Every event of a run after `afterId`, in pages of those at hand (never empty): first what is
 * stored, then the new ones as the worker emits them (live, when the run executes in this process)
 * or appends them (woken by the bus), until `done` or `error`. Subscribes before reading so
 * nothing written in between is missed. A page is what one read or one wake-up gave: a consumer
 * that takes a page at a time pays one hand-over per page, not per event.
 */
export async function* followRunPages(
  options: FollowRunOptions,
  runId: string,
  afterId: number,
  signal: AbortSignal,
): AsyncGenerator<RunEvent[]> {
  const { runs, bus, live } = options;
  let wake: () => void = () => {};
  let pending = true;
  const signalled = () => {
    pending = true;
    wake();
  };
  const unsubscribe = await bus.subscribe(runId, signalled);
  // A run claimed by this process's worker after the follower came: take it live from then on.
  const stopWaitingLive = live?.onOpen(runId, signalled) ?? (() => {});
  const stop = () => wake();
  signal.addEventListener('abort', stop);
  try {
    let last = afterId;
    while (!signal.aborted) {
      const feed = live?.follow(runId);
      if (feed) {
        const followed = yield* followLive(runs, feed, runId, last, signal);
        if (followed.ended) return;
        last = followed.last;
        // Let go of for falling behind while the run goes on here: what it missed is in the next
        // feed, or stored before that feed's first event (followLive reads it).
        if (live?.has(runId)) continue;
      } else if (!pending) {
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
      for await (const page of storedAfter(runs, runId, last)) {
        const given = throughEnding(page);
        last = given.last;
        yield given.events;
        if (given.ended) return;
      }
      const run = await runs.get(runId);
      if (!run) return;
      if (finishedStatuses.includes(run.status)) {
        // Finished: what was stored after the read above, then the last event. A run interrupted
        // by a crash (or cancelled while queued) may not have stored one yet: say why it ended.
        for await (const page of storedAfter(runs, runId, last)) {
          const given = throughEnding(page);
          last = given.last;
          yield given.events;
          if (given.ended) return;
        }
        // A client resuming after the end (the last event, or the ending made up below, whose id is
        // one past the stored ones) has the whole run: end without inventing another failure.
        if (await hasEnd(runs, runId, last)) return;
        const data = await options.endingOf(run);
        yield [{ runId, id: last + 1, event: 'error', data, createdAt: new Date() }];
        return;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    stopWaitingLive();
    unsubscribe();
  }
}

/**
 * A run executing in this process, after `afterId`: the stored events before the feed's first,
 * then the feed's. Returns whether the run's last event was given, and the id of the last one
 * given; when the feed is gone first (the run closed, or this follower fell too far behind), the
 * caller reads on from the store.
 */
async function* followLive(
  runs: RunsRepository,
  feed: LiveFeed,
  runId: string,
  afterId: number,
  signal: AbortSignal,
): AsyncGenerator<RunEvent[], { ended: boolean; last: number }> {
  let last = afterId;
  const stop = () => feed.stop();
  signal.addEventListener('abort', stop);
  try {
    if (last + 1 < feed.firstId) {
      for await (const page of storedAfter(runs, runId, last)) {
        const before = page.filter((event) => event.id < feed.firstId);
        if (before.length === 0) break;
        const given = throughEnding(before);
        last = given.last;
        yield given.events;
        if (given.ended) return { ended: true, last };
        if (before.length < page.length) break;
      }
    }
    while (!signal.aborted) {
      const batch = await feed.next();
      if (batch === 'gone') break;
      const given: RunEvent[] = [];
      for (const event of batch) {
        // Already given, or an ending whose id went back (the write of the events before it failed,
        // so the store has it at a smaller id): the ending goes out with the next id, as one made
        // up for a crashed run does, and a resume from there finds the run ended.
        if (event.id <= last && !isLast(event)) continue;
        const next = event.id <= last ? { ...event, id: last + 1 } : event;
        given.push(next);
        last = next.id;
        if (isLast(next)) break;
      }
      if (given.length > 0) yield given;
      if (given.length > 0 && isLast(given.at(-1) as RunEvent)) return { ended: true, last };
    }
    return { ended: signal.aborted, last };
  } finally {
    signal.removeEventListener('abort', stop);
    feed.stop();
  }
}

/**
 * Whether a client that has seen a finished run's events up to `afterId` already has its end: the
 * event at `afterId` was `done` or `error`, or `afterId` is past every stored event (an ending
 * made up for a crashed run has the id after the last stored one; a larger id ends empty too).
 */
async function hasEnd(runs: RunsRepository, runId: string, afterId: number): Promise<boolean> {
  if (afterId === 0) return false;
  const [seen] = await runs.listEvents(runId, { after: afterId - 1, rows: 1 });
  return seen?.id !== afterId || isLast(seen);
}

/**
 * Whether following `run` after `afterId` would send nothing: it has finished and the client has
 * its end. The SSE route answers 204 then, the status that tells an EventSource to stop reconnecting.
 */
export async function followedToEnd(runs: RunsRepository, run: Run, afterId: number): Promise<boolean> {
  // hasEnd first: a client that has seen nothing (afterId 0) costs no query here.
  if (!finishedStatuses.includes(run.status) || !(await hasEnd(runs, run.runId, afterId))) return false;
  const [after] = await runs.listEvents(run.runId, { after: afterId, rows: 1 });
  return after === undefined;
}

import type { Run, RunsRepository } from '../db/runs-repository';
import type { AnyRunner } from '../engine';
import { problem } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { engineProblem, toWireEvent } from '../lib/run-events';
import { tracedRun } from '../tracing/run-spans';
import { contextFromTraceParent } from '../tracing/traceparent';
import { eventBatcher, type PendingEvent } from './event-batcher';
import type { LiveRun, LiveRuns } from './live-runs';
import type { RunBus } from './run-bus';
import { interruptedProblem, withNext } from './run-problem';

export interface RunWorkerOptions {
  runs: RunsRepository;
  bus: RunBus;
  /** Where this process's followers take a run's events as they are emitted (live-runs.ts). */
  live: LiveRuns;
  runners: ReadonlyMap<string, AnyRunner>;
  logger: Logger;
  /** Runs executed at once by this process (RUN_CONCURRENCY). */
  concurrency: number;
  /** How often to look for queued runs when nobody said there is one. */
  pollIntervalMs?: number;
  heartbeatMs?: number;
  /**
   * True when no other instance can share the database (SQLite): at start, every run still marked
   * running was left by this process's predecessor. Otherwise only runs whose heartbeat stopped are.
   */
  singleInstance: boolean;
  /** Told when a run has ended and its status is stored (the webhook dispatcher looks at once). */
  onRunEnded?: (runId: string) => void;
}

/**
 * Claims queued runs and executes them: every engine event goes at once to this process's
 * followers (live-runs.ts), and becomes a row in run_events (so any client on any instance can
 * replay it) and a signal on the bus (so followers elsewhere read it at once).
 */
export class RunWorker {
  readonly #active = new Map<string, AbortController>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #polling = false;

  constructor(private readonly options: RunWorkerOptions) {}

  /** Marks runs left `running` by a stopped process as failed, then starts polling. */
  async start() {
    await this.#failInterrupted(this.options.singleInstance ? new Date() : undefined);
    let ticks = 0;
    const pollMs = this.options.pollIntervalMs ?? 500;
    const sweepEvery = Math.max(1, Math.round(this.#heartbeatMs / pollMs));
    this.#timer = setInterval(() => {
      // Another instance may have died with runs in hand: look for stale heartbeats now and then.
      if (!this.options.singleInstance && ++ticks % sweepEvery === 0) void this.#failInterrupted();
      void this.poll();
    }, pollMs);
    void this.poll();
  }

  get #heartbeatMs() {
    return this.options.heartbeatMs ?? 5_000;
  }

  /**
   * Fails runs whose process stopped, and ends each one's event log with an `error` event, so a
   * follower (on any instance) sees why its stream ended.
   */
  async #failInterrupted(staleBefore = new Date(Date.now() - 3 * this.#heartbeatMs)) {
    const { runs, bus, logger } = this.options;
    try {
      const failed = await runs.failInterrupted(staleBefore);
      if (failed.length === 0) return;
      logger.warn({ failed: failed.length }, 'marked runs interrupted by a stopped process as failed');
      for (const runId of failed) {
        const run = await runs.get(runId);
        if (!run) continue;
        await runs.appendEvent(
          runId,
          'error',
          await withNext(this.options.runners, run, interruptedProblem()),
        );
        await bus.publish(runId, 'event');
      }
    } catch (error) {
      logger.error({ err: error }, 'failing interrupted runs failed');
    }
  }

  /** Looks for work now (called after a run is queued, so it starts without waiting for the timer). */
  async poll() {
    if (this.#stopped || this.#polling) return;
    this.#polling = true;
    try {
      while (!this.#stopped && this.#active.size < this.options.concurrency) {
        const run = await this.options.runs.claimNext();
        if (!run) break;
        void this.#execute(run);
      }
    } catch (error) {
      this.options.logger.error({ err: error }, 'claiming runs failed');
    } finally {
      this.#polling = false;
    }
  }

  /** Stops claiming, aborts what runs, and waits for those runs to record how they ended. */
  async stop() {
    this.#stopped = true;
    clearInterval(this.#timer);
    const running = [...this.#active.values()];
    for (const controller of running) controller.abort(new Error('The server is shutting down.'));
    for (let waited = 0; this.#active.size > 0 && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Runs one claimed run to its end and stores how it ended; then looks for more work. */
  async #execute(run: Run) {
    const controller = new AbortController();
    this.#active.set(run.runId, controller);
    const cancel = () => {
      if (!controller.signal.aborted) controller.abort(new Error('Cancelled.'));
    };
    const stopWatching = await this.#watchForCancel(run.runId, cancel);
    const live = this.options.live.open(run.runId, run.lastEventId);
    const log = this.#eventLog(run, live, cancel);
    try {
      await this.#stream(run, controller.signal, log);
      await this.options.runs.setStatus(run.runId, 'succeeded', { from: ['running'] });
    } catch (error) {
      await this.#recordFailure(run, error, controller.signal, log);
    } finally {
      live.close();
      stopWatching();
      this.#active.delete(run.runId);
      await this.options.bus.publish(run.runId, 'event').catch(() => {});
      this.options.onRunEnded?.(run.runId);
      void this.poll();
    }
  }

  /**
   * Calls `cancel` once someone asks to cancel the run; returns what stops watching. The bus says
   * it at once; the database says it durably (a bus message is lost when it comes before this
   * subscription, or from another instance without Redis): check it here, on every heartbeat and
   * with every stored event (#eventLog).
   */
  async #watchForCancel(runId: string, cancel: () => void) {
    const { runs, bus } = this.options;
    const unsubscribe = await bus.subscribe(runId, (signal) => {
      if (signal === 'cancel') cancel();
    });
    if ((await runs.get(runId))?.cancelRequestedAt) cancel();
    const heartbeat = setInterval(
      () =>
        void runs
          .heartbeat(runId)
          .then((beat) => beat.cancelRequested && cancel())
          .catch(() => {}),
      this.#heartbeatMs,
    );
    return () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
  }

  /**
   * Where the run's events go: to this process's followers as they come, and into the store in
   * batches (one transaction for those that came during the last write), each stored batch
   * signalled on the bus. The ids the live events were given must be the ones stored: the worker
   * is the run's only writer while it runs, and a write by anyone else fails the run here.
   */
  #eventLog(run: Run, live: LiveRun, cancel: () => void): EventLog {
    const { runs, bus } = this.options;
    let storedUpTo = run.lastEventId;
    const batcher = eventBatcher<PendingEvent & { id: number }>(async (batch) => {
      const stored = await runs.appendEvents(run.runId, batch);
      const last = stored.at(-1);
      if (last && last.id !== batch.at(-1)?.id) {
        throw new Error(`Run ${run.runId} got events from another writer while it ran`);
      }
      storedUpTo = last?.id ?? storedUpTo;
      live.stored(storedUpTo);
      await bus.publish(run.runId, 'event');
      if (stored.some((event) => event.cancelRequested)) cancel();
    });
    return {
      add: (event, data, options) => batcher.add({ event, data, id: live.emit(event, data).id }, options),
      drained: batcher.drained,
      clear() {
        batcher.clear();
        live.rewind(storedUpTo);
      },
    };
  }

  /** Streams the run's action (and the steps after it) into the log; throws how it failed. */
  async #stream(run: Run, signal: AbortSignal, log: EventLog) {
    const runner = this.options.runners.get(run.graph);
    if (!runner) throw new Error(`No graph named ${run.graph} is mounted`);
    // The parent is the request that queued the run, from the row: never the context this code
    // happens to run in (a poll started by some other request).
    const events = tracedRun(
      { kind: 'background', graph: run.graph, action: run.action, appId: run.appId, runId: run.runId },
      runner.stream(run.appId, { action: run.action, inputs: run.inputs, signal }),
      contextFromTraceParent(run.traceParent),
    );
    for await (const event of events) {
      if (event.event === 'error') throw event.data.error;
      const wire = toWireEvent(event);
      const stored = emit(log, wire.event, wire.data);
      if (stored) await stored;
    }
  }

  /**
   * Ends the log with an `error` event and stores the run as cancelled or failed. A run that could
   * not start (its action is not the app's next) throws before any event; a run that started ends
   * with the runner's error event: both end here.
   */
  async #recordFailure(run: Run, error: unknown, signal: AbortSignal, log: EventLog) {
    const { runs, logger } = this.options;
    await log.drained().catch(() => log.clear());
    const cancelled = signal.aborted;
    const reason = cancelled
      ? problem(409, String((signal.reason as Error)?.message ?? 'Cancelled.'))
      : (engineProblem(error, null) ?? problem(500, 'The run failed on our side.'));
    if (!cancelled && reason.status >= 500) logger.error({ err: error, runId: run.runId }, 'run failed');
    await emit(log, 'error', await withNext(this.options.runners, run, reason))?.catch(() => {});
    await runs.setStatus(run.runId, cancelled ? 'cancelled' : 'failed', {
      error: reason.detail ?? reason.title,
      from: ['running'],
    });
  }
}

interface EventLog {
  /** Queues an event; returns what to wait for, if anything (eventBatcher's add). */
  add(event: string, data: unknown, options: { wait: boolean }): Promise<void> | undefined;
  /** Resolves once everything added so far is stored; rejects when a write failed. */
  drained(): Promise<void>;
  /** Drops what is not stored yet (after a failed write), so the run can still store its error. */
  clear(): void;
}

/** Adds an event to the log: a delta at once, any other once it and all before it are stored. */
function emit(log: EventLog, event: string, data: unknown) {
  return log.add(event, data, { wait: event !== 'delta' });
}

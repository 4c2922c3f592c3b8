import type { RunEvent, RunsRepository } from '../db/runs-repository';
import type { RunBus } from './run-bus';

/** The events that end a run's stream. */
const isLast = (event: RunEvent) => event.event === 'done' || event.event === 'error';

/**
 * Every event of a run after `afterId`: first what is stored, then each new one as the worker
 * appends it (woken by the bus), until `done` or `error`. Subscribes before reading so nothing
 * written in between is missed.
 */
export async function* followRun(
  runs: RunsRepository,
  bus: RunBus,
  runId: string,
  afterId: number,
  signal: AbortSignal,
): AsyncGenerator<RunEvent> {
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
        // Sleep until the bus speaks, or a second passes (a missed signal costs at most that).
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1_000).unref();
        });
      }
      pending = false;
      for (const event of await runs.listEvents(runId, { after: last })) {
        last = event.id;
        yield event;
        if (isLast(event)) return;
      }
      const run = await runs.get(runId);
      if (!run || ['succeeded', 'failed', 'cancelled'].includes(run.status)) {
        // Finished without a last event (for example interrupted by a crash): drain and stop.
        const rest = await runs.listEvents(runId, { after: last });
        for (const event of rest) yield event;
        return;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    unsubscribe();
  }
}

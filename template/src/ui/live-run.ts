// The step viewer's view of the run working on the app right now: it asks the app's active runs
// (GET …/apps/{app_id}/runs?status=active) and follows the oldest one's events
// (GET /api/v1/runs/{run_id}/events, replayed from its start, so a page opened mid-run catches up).
// An `action` event marks that action as running; the `step` event that commits it, or the run's
// end, clears the mark. A streamed action (…/stream) is no run: it is not seen here, only its
// committed steps (which the page's step poll shows). Bundled into /assets/viewer.js.
import type { createGraphClient, createRunsClient, RunView } from '../client';

export interface RunningAction {
  runId: string;
  /** The action working now, or the run's first action while it is still queued. */
  action: string;
  /** The step it will commit. */
  sequenceId: number | null;
  queued: boolean;
}

export interface LiveRunOptions {
  graphClient: Pick<ReturnType<typeof createGraphClient>, 'runs'>;
  runsClient: Pick<ReturnType<typeof createRunsClient>, 'events'>;
  appId: string;
  /** Called with what runs now, or null when nothing does. */
  show(running: RunningAction | null): void;
  /** Called when a step committed or the run ended: the page loads its new rows now. */
  changed(): void;
}

/** Watches for a run on the app; `check()` (the page's poll) starts following one when none is. */
export function liveRun(options: LiveRunOptions) {
  const { graphClient, runsClient, appId, show, changed } = options;
  let following: string | null = null;

  async function follow(run: RunView) {
    following = run.run_id;
    let running: RunningAction | null = {
      runId: run.run_id,
      action: run.action,
      sequenceId: null,
      queued: run.status === 'queued',
    };
    show(running);
    try {
      for await (const { event, data } of runsClient.events(run.run_id)) {
        if (event === 'action') {
          const started = data as { action: string; sequence_id: number };
          running = { ...running, action: started.action, sequenceId: started.sequence_id, queued: false };
          show(running);
        } else if (event === 'step' || event === 'done' || event === 'error') {
          show(null);
          changed();
        }
      }
    } catch {
      // A refused or broken stream (429: the caller's STREAMS_PER_USER are in use) leaves the page
      // showing committed steps only; the next check tries again.
    } finally {
      show(null);
      following = null;
    }
  }

  return {
    async check() {
      if (following) return;
      const active = await graphClient.runs(appId, { status: 'active', limit: 20 }).catch(() => null);
      // Newest first: the oldest active run is the one a worker takes (or works on) first.
      const run = active?.items.at(-1);
      if (run && !following) void follow(run);
    },
  };
}

// The step viewer's view of what works on the app right now. A background run: it asks the app's
// active runs (GET …/apps/{app_id}/runs?status=active) and follows the oldest one's events
// (GET /api/v1/runs/{run_id}/events, replayed from its start, so a page opened mid-run catches up);
// an `action` event marks that action as running, and the `step` event that commits it, or the
// run's end, clears the mark. A streamed action (…/stream) leaves no run to follow: when no run
// works, the page asks the app's live streams (GET …/apps/{app_id}/streams) on each check and marks
// the action the oldest one names, until the stream moves on or ends. Bundled into /assets/viewer.js.
import type { createGraphClient, createRunsClient, LiveStreamView, RunView } from '../client';

export interface RunningAction {
  /** The background run working, or the stream (one of the two is set). */
  runId?: string;
  streamId?: string;
  /** The action working now, or the run's first action while it is still queued. */
  action: string;
  /** The step it will commit. */
  sequenceId: number | null;
  queued: boolean;
}

export interface LiveRunOptions {
  graphClient: Pick<ReturnType<typeof createGraphClient>, 'runs' | 'streams'>;
  runsClient: Pick<ReturnType<typeof createRunsClient>, 'events'>;
  appId: string;
  /** Called with what runs now, or null when nothing does. */
  show(running: RunningAction | null): void;
  /** Called when a step committed or the run ended: the page loads its new rows now. */
  changed(): void;
}

/** Watches for a run or a stream on the app; `check()` (the page's poll) looks again. */
export function liveRun(options: LiveRunOptions) {
  const { graphClient, runsClient, appId, show, changed } = options;
  let following: string | null = null;
  /** The stream shown now ("stream id:sequence"), so a check that finds it unchanged shows nothing new. */
  let streamShown: string | null = null;

  async function follow(run: RunView) {
    following = run.run_id;
    streamShown = null;
    let running: RunningAction = {
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

  /** Shows the stream's action (or nothing); a stream that moved on or ended committed a step. */
  function showStream(stream: LiveStreamView | undefined) {
    const key = stream ? `${stream.stream_id}:${stream.sequence_id}` : null;
    if (key === streamShown) return;
    if (streamShown) changed();
    streamShown = key;
    show(
      stream
        ? { streamId: stream.stream_id, action: stream.action, sequenceId: stream.sequence_id, queued: false }
        : null,
    );
  }

  return {
    async check() {
      if (following) return;
      const active = await graphClient.runs(appId, { status: 'active', limit: 20 }).catch(() => null);
      // Newest first: the oldest active run is the one a worker takes (or works on) first.
      const run = active?.items.at(-1);
      if (run && !following) return void follow(run);
      const streams = await graphClient.streams(appId, { limit: 1 }).catch(() => null);
      if (streams && !following) showStream(streams.items[0]);
    },
  };
}

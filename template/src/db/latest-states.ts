import { LRUCache } from 'lru-cache';
import { freezeState, type StateValues } from '../engine/state';

/** What identifies one version of an app: the row as it stands in the database. */
interface AppVersion {
  graph: string;
  appId: string;
  sequenceId: number;
  createdAt: Date;
  /** The latest snapshot's size and the writes since: about the size of the state as JSON. */
  snapshotBytes: number;
  replayBytes: number;
}

interface Remembered {
  sequenceId: number;
  createdAtMs: number;
  state: StateValues;
  position: string | null;
}

/**
 * The latest state of recently used apps, so loading an app this process just committed or loaded
 * costs one row read instead of replaying its steps since the last snapshot.
 *
 * This is not a cache of apps: the database stays the truth. Every load still reads the apps row,
 * and a remembered state is used only when that row says the app is still at the remembered
 * sequence id (and is the same app: created at the same time). When another instance commits a
 * step, the sequence id moves and the state is rebuilt from the database as before.
 *
 * States handed out are shared between requests, so they are frozen as they are kept (the engine's
 * are already; a state rebuilt from the log is frozen here).
 */
export class LatestStates {
  readonly #states: LRUCache<string, Remembered> | null;

  /** `maxBytes`: how much state, counted as JSON, to keep; 0 keeps nothing. */
  constructor(maxBytes: number) {
    this.#states =
      maxBytes > 0
        ? // Each entry is sized by its JSON bytes (see remember); one larger than the budget is not kept.
          new LRUCache<string, Remembered>({ maxSize: maxBytes, maxEntrySize: maxBytes })
        : null;
  }

  /** The state at the row's sequence id, if this process has it. */
  recall(app: AppVersion): { state: StateValues; position: string | null } | undefined {
    const remembered = this.#states?.get(keyOf(app));
    if (
      !remembered ||
      remembered.sequenceId !== app.sequenceId ||
      remembered.createdAtMs !== app.createdAt.getTime()
    ) {
      return undefined;
    }
    return { state: remembered.state, position: remembered.position };
  }

  /** Keeps the state the app has at the row's sequence id (frozen, since requests share it). */
  remember(app: AppVersion, current: { state: StateValues; position: string | null }) {
    this.#states?.set(
      keyOf(app),
      {
        sequenceId: app.sequenceId,
        createdAtMs: app.createdAt.getTime(),
        state: freezeState(current.state),
        position: current.position,
      },
      { size: Math.max(1, app.snapshotBytes + app.replayBytes) },
    );
  }
}

const keyOf = (app: { graph: string; appId: string }) => `${app.graph}\u0000${app.appId}`;

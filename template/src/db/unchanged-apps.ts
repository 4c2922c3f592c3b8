import type BetterSqlite3 from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import type { AppKey, StoredApp } from '../engine/persister';

/** Where the SQLite database stands, as far as this connection can tell. */
interface DatabaseVersion {
  /** Rows this connection has inserted, updated or deleted since it opened (SQLite's total_changes()). */
  changes: number;
  /** Moves whenever another connection, in this process or another, commits (PRAGMA data_version). */
  version: number;
}

/**
 * Apps loaded from SQLite, handed out again while the database has not changed since they were
 * loaded: no other connection committed and this one changed no row, of any table. Asking that is
 * one statement that reads no table, where loading an app reads its row and maps it (and the
 * AppView's JSON of an app handed out again is written once: src/api/views.ts).
 *
 * This is not a cache that may be stale: any write anywhere in the database makes every app here
 * be loaded again, so a read-mostly load gains and a write-heavy one pays only the one statement.
 * Postgres has no such cheap question, so there every load reads the row.
 *
 * Apps handed out are shared between requests and frozen (their state is, by the engine).
 */
export class UnchangedApps {
  readonly #totalChanges: BetterSqlite3.Statement<[], number>;
  readonly #dataVersion: BetterSqlite3.Statement<[], number>;
  readonly #apps: LRUCache<string, { at: DatabaseVersion; app: StoredApp }>;

  /** `maxBytes`: how much state, counted as JSON, the apps kept may hold. */
  constructor(client: BetterSqlite3.Database, maxBytes: number) {
    // Two plain statements rather than one select from pragma_data_version(): that table-valued
    // form prepares the pragma again on every query, which took 6 µs where these take 3.7 together.
    this.#totalChanges = client.prepare<[], number>('select total_changes()').pluck();
    this.#dataVersion = client.prepare<[], number>('pragma data_version').pluck();
    this.#apps = new LRUCache({ maxSize: maxBytes, maxEntrySize: maxBytes });
  }

  /** Where the database stands now: ask before loading, and keep what was loaded at that version. */
  version(): DatabaseVersion {
    return { changes: this.#totalChanges.get() as number, version: this.#dataVersion.get() as number };
  }

  /** The app as loaded at `now`, if it was. */
  get(key: AppKey, now: DatabaseVersion): StoredApp | undefined {
    const kept = this.#apps.get(keyOf(key));
    return kept && kept.at.changes === now.changes && kept.at.version === now.version ? kept.app : undefined;
  }

  /** Keeps an app loaded at `at` (asked before the load began); `stateBytes` sizes it. */
  keep(app: StoredApp, at: DatabaseVersion, stateBytes: number) {
    if (app.parent) Object.freeze(app.parent);
    this.#apps.set(keyOf(app), { at, app: Object.freeze(app) }, { size: Math.max(1, stateBytes) });
  }
}

const keyOf = (app: AppKey) => `${app.graph}\u0000${app.appId}`;

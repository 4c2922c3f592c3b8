import type { Database } from '../../src/db/client';

/** What a test says of an app it writes straight into the apps table. */
export interface AppRow {
  graph: string;
  appId: string;
  partitionKey: string;
  /** When it was created and last updated. */
  at: Date;
  /** Its last step; 0 (none) unless the test needs another. */
  sequenceId?: number;
}

/**
 * Inserts apps as rows without going through the engine (for times a test must choose, or many
 * apps at once); every column the test does not name is a fresh app's: an empty origin state, no
 * position, no parent.
 */
export async function insertApps(database: Database, rows: AppRow[]): Promise<void> {
  if (rows.length === 0) return;
  await database.db.insert(database.tables.apps).values(
    rows.map(({ at, sequenceId = 0, ...app }) => ({
      ...app,
      sequenceId,
      position: null,
      originState: {},
      originPosition: null,
      snapshotSequenceId: 0,
      snapshotBytes: 2,
      replayBytes: 0,
      parentAppId: null,
      parentSequenceId: null,
      createdAt: at,
      updatedAt: at,
    })),
  );
}

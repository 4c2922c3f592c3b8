import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { createDatabase } from '../src/db/client';
import { DrizzlePersister } from '../src/db/drizzle-persister';

/**
 * What one step of a growing chat costs the database, at several lengths of history: the bytes the
 * SQLite file grows by and the time the persister takes (load the app, commit the step), the two
 * things the engine does per step. Each point is measured over as many steps as the history is long
 * (at least 64), so the periodic full snapshots are paid for in the average, not skipped.
 */

export interface PersistenceBenchRow {
  /** Messages in the chat when the measured steps start. */
  history: number;
  /** Steps measured (one message appended each). */
  steps: number;
  bytesPerStep: number;
  /** loadApp + commitStep, mean per step. */
  msPerStep: number;
  commitMsPerStep: number;
}

const message = (index: number) => ({
  role: index % 2 ? 'assistant' : 'user',
  // About 300 bytes of text: a short chat turn.
  content: `Message ${index}: ${'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(5)}`,
  type: 'text',
});

export async function benchPersistence(histories = [10, 100, 1_000]): Promise<PersistenceBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const file = join(dir, 'bench.db');
  const database = await createDatabase(`file:${file}`);
  try {
    await database.migrate();
    const persister = new DrizzlePersister(database);
    // A second connection to the same file counts the bytes in use: pages that hold data, after the
    // WAL is folded into the file.
    const client = new BetterSqlite3(file);
    const usedBytes = () => {
      client.pragma('wal_checkpoint(TRUNCATE)');
      const pages = Number(client.pragma('page_count', { simple: true }));
      const free = Number(client.pragma('freelist_count', { simple: true }));
      return (pages - free) * Number(client.pragma('page_size', { simple: true }));
    };

    const rows: PersistenceBenchRow[] = [];
    for (const history of histories) {
      const key = { graph: 'bench', appId: `chat-${history}` };
      const initial = { prompt: '', mode: '', response: '', chat_history: [] as unknown[] };
      await persister.createApp({
        ...key,
        partitionKey: 'bench',
        position: null,
        state: initial,
        parent: null,
      });
      const step = async (timed: boolean) => {
        const started = performance.now();
        const app = await persister.loadApp(key);
        if (!app) throw new Error('the app vanished');
        const history = app.state.chat_history as unknown[];
        const item = message(history.length);
        const committing = performance.now();
        const now = new Date();
        await persister.commitStep(
          key,
          app.sequenceId,
          {
            action: 'prompt',
            inputs: { prompt: item.content },
            result: null,
            writes: [{ key: 'chat_history', op: 'append', items: [item] }],
            startedAt: now,
            endedAt: now,
          },
          { state: { ...app.state, chat_history: [...history, item] }, position: 'prompt' },
        );
        const ended = performance.now();
        return timed ? { total: ended - started, commit: ended - committing } : { total: 0, commit: 0 };
      };
      for (let index = 0; index < history; index++) await step(false);
      const steps = Math.max(64, history);
      const before = usedBytes();
      let total = 0;
      let commit = 0;
      for (let index = 0; index < steps; index++) {
        const took = await step(true);
        total += took.total;
        commit += took.commit;
      }
      rows.push({
        history,
        steps,
        bytesPerStep: Math.round((usedBytes() - before) / steps),
        msPerStep: total / steps,
        commitMsPerStep: commit / steps,
      });
    }
    client.close();
    return rows;
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table `npm run bench` prints, with the ratios the design holds itself to. */
export function formatPersistenceBench(rows: PersistenceBenchRow[]): string {
  const first = rows[0];
  const lines = [
    'history  steps  bytes/step  ms/step (load+commit)  ms/commit',
    ...rows.map(
      (row) =>
        `${String(row.history).padStart(7)}  ${String(row.steps).padStart(5)}  ${String(row.bytesPerStep).padStart(10)}  ${row.msPerStep.toFixed(3).padStart(21)}  ${row.commitMsPerStep.toFixed(3).padStart(9)}`,
    ),
  ];
  const last = rows.at(-1);
  if (first && last && last !== first) {
    lines.push(
      `at ${last.history} vs ${first.history} messages: bytes/step ×${(last.bytesPerStep / first.bytesPerStep).toFixed(2)} (goal ≤ 2), ms/step ×${(last.msPerStep / first.msPerStep).toFixed(2)} (goal ≤ 5)`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatPersistenceBench(await benchPersistence()));
}

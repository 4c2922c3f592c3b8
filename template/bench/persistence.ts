import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { createDatabase } from '../src/db/client';
import { DrizzlePersister } from '../src/db/drizzle-persister';

/**
 * What one step of a growing chat costs the database, at several lengths of history: the bytes the
 * SQLite file grows by, and the time the persister takes for the two things the engine does per
 * step (load the app from the database, commit the step). Each point is measured over as many steps as the history is
 * long (at least 64), so the occasional full snapshot is paid for in the average, not skipped. The
 * last row is a fork of the longest chat, whose history is its origin state rather than its steps.
 *
 *   npx tsx bench/persistence.ts
 */

export interface PersistenceBenchRow {
  /** Messages in the chat when the measured steps start. */
  history: number;
  /** A fork: the history is the app's origin state (copied from its parent), not steps of its own. */
  fork?: boolean;
  /** Steps measured, one message appended each. */
  steps: number;
  bytesPerStep: number;
  /** loadApp + commitStep, mean per step, as one instance runs a chat (it remembers its last state). */
  msPerStep: number;
  /** commitStep alone, mean per step. */
  commitMsPerStep: number;
  /** loadApp rebuilding the state from the database, as another instance would. */
  coldLoadMs: number;
}

/** A chat turn of about 300 bytes. */
const message = (index: number) => ({
  role: index % 2 ? 'assistant' : 'user',
  content: `Message ${index}: ${'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(5)}`,
  type: 'text',
});

export async function benchPersistence(histories = [10, 100, 1_000]): Promise<PersistenceBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const file = join(dir, 'bench.db');
  const database = await createDatabase(`file:${file}`);
  // A second connection counts the bytes in use: pages holding data once the WAL is folded in.
  const counter = new BetterSqlite3(file);
  const usedBytes = () => {
    counter.pragma('wal_checkpoint(TRUNCATE)');
    const pages = Number(counter.pragma('page_count', { simple: true }));
    const free = Number(counter.pragma('freelist_count', { simple: true }));
    return (pages - free) * Number(counter.pragma('page_size', { simple: true }));
  };
  try {
    await database.migrate();
    const persister = new DrizzlePersister(database);
    // Remembers no state, so each load rebuilds it from the database, as another instance would.
    const fromDatabase = new DrizzlePersister(database, { latestStateBytes: 0 });

    /** One chat step as the engine does it; returns [load + commit ms, commit ms, cold load ms]. */
    const step = async (appId: string): Promise<[number, number, number]> => {
      const key = { graph: 'bench', appId };
      const coldStarted = performance.now();
      await fromDatabase.loadApp(key);
      const coldLoad = performance.now() - coldStarted;
      const started = performance.now();
      const app = await persister.loadApp(key);
      if (!app) throw new Error('the app vanished');
      const history = app.state.chat_history as unknown[];
      const item = message(history.length);
      const now = new Date();
      const committing = performance.now();
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
      return [ended - started, ended - committing, coldLoad];
    };

    const measure = async (history: number, fork = false): Promise<PersistenceBenchRow> => {
      const appId = `chat-${history}-${Math.random().toString(36).slice(2)}`;
      const chat_history = fork ? Array.from({ length: history }, (_, index) => message(index)) : [];
      const state = { prompt: '', mode: '', response: '', chat_history };
      await persister.createApp({
        graph: 'bench',
        appId,
        partitionKey: 'bench',
        position: null,
        state,
        parent: fork ? { appId: 'a-parent', sequenceId: history } : null,
      });
      if (!fork) for (let index = 0; index < history; index++) await step(appId);
      const steps = Math.max(64, history);
      const before = usedBytes();
      let total = 0;
      let commit = 0;
      let cold = 0;
      for (let index = 0; index < steps; index++) {
        const [took, committed, coldLoad] = await step(appId);
        total += took;
        commit += committed;
        cold += coldLoad;
      }
      const bytesPerStep = Math.round((usedBytes() - before) / steps);
      return {
        history,
        fork,
        steps,
        bytesPerStep,
        msPerStep: total / steps,
        commitMsPerStep: commit / steps,
        coldLoadMs: cold / steps,
      };
    };

    await measure(100); // warm-up: JIT and caches, so the first row is not charged for them
    const rows: PersistenceBenchRow[] = [];
    for (const history of histories) rows.push(await measure(history));
    // A fork of the longest chat: its history is its origin state, which a load must not parse.
    rows.push(await measure(Math.max(...histories), true));
    return rows;
  } finally {
    counter.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table `npx tsx bench/persistence.ts` prints, with the ratios the design holds itself to. */
export function formatPersistenceBench(rows: PersistenceBenchRow[]): string {
  const lines = [
    '     history  steps  bytes/step  ms/step (load+commit)  ms/commit  ms/load from database',
    ...rows.map((row) =>
      [
        `${row.fork ? 'fork of ' : ''}${row.history}`.padStart(12),
        String(row.steps).padStart(5),
        String(row.bytesPerStep).padStart(10),
        row.msPerStep.toFixed(3).padStart(21),
        row.commitMsPerStep.toFixed(3).padStart(9),
        row.coldLoadMs.toFixed(3).padStart(21),
      ].join('  '),
    ),
  ];
  const chats = rows.filter((row) => !row.fork);
  const [first, last] = [chats[0], chats.at(-1)];
  if (first && last && last !== first) {
    const bytes = (last.bytesPerStep / first.bytesPerStep).toFixed(2);
    const time = (last.msPerStep / first.msPerStep).toFixed(2);
    const cold = (last.coldLoadMs / first.coldLoadMs).toFixed(2);
    lines.push(
      `${last.history} vs ${first.history} messages: bytes/step ×${bytes} (goal ≤ 2), ms/step ×${time} (goal ≤ 5), load from database ×${cold}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatPersistenceBench(await benchPersistence()));
}

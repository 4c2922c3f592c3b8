import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1,000 pages: that
// request then copies the WAL into the database file and syncs it, on the event loop, while every
// other request waits. The serving connection turns it off (`wal_autocheckpoint = 0`) and this
// worker thread checkpoints instead, from its own connection, on a timer: PASSIVE, which blocks
// neither readers nor the writer, so the WAL stays bounded by what one interval writes (the file
// keeps its high-water mark; SQLite writes it again from the start after a complete checkpoint),
// and by `maxWalFrames` when checkpoints keep overlapping commits.

/** The worker's code: CommonJS, evaluated, so the production bundle needs no second file. */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // A passive checkpoint that overlaps a commit leaves the WAL unfinished, so the next writer
    // appends instead of starting over; under a steady load that can go on. Past the limit, one
    // RESTART waits for the writer and makes the next one start the WAL from the beginning.
    if (result.log > workerData.maxWalFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // Busy (another instance is checkpointing) or the file is gone: the next tick tries again.
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'checkpoint') {
    checkpoint();
    parentPort.postMessage('checkpointed');
  } else if (message === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  }
});
`;

export interface WalCheckpointer {
  /** Runs one PASSIVE checkpoint now and resolves when it is done (tests). */
  checkpoint(): Promise<void>;
  /** Stops the timer, checkpoints once more and closes the worker's connection. */
  stop(): Promise<void>;
}

/**
 * Starts a worker that checkpoints the SQLite file at `path` every `intervalMs`. `onError` is called
 * if the worker fails (its connection could not open): the caller turns SQLite's own checkpoints
 * back on, so the WAL never grows without bound.
 */
export function startWalCheckpointer(
  path: string,
  options: { intervalMs?: number; maxWalFrames?: number; onError?: (error: Error) => void } = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    // 4,000 frames: 16 MB of 4 KiB pages, four times where SQLite's own checkpoint would start.
    workerData: {
      path,
      driver,
      intervalMs: options.intervalMs ?? 100,
      maxWalFrames: options.maxWalFrames ?? 4_000,
    },
  });
  worker.on('error', (error) => options.onError?.(error));
  // A checkpointer never keeps the process alive.
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    checkpoint: () =>
      new Promise((resolve) => {
        worker.ref();
        worker.once('message', () => {
          worker.unref();
          resolve();
        });
        worker.postMessage('checkpoint');
      }),
    stop() {
      stopped ??= new Promise((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('error', () => resolve());
        // Held until it exits: a command that awaits close() and has nothing else left to do
        // (dist/migrate.js) would otherwise end with that await unsettled (exit code 13).
        worker.ref();
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}

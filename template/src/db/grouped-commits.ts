import type BetterSqlite3 from 'better-sqlite3';

// Group commit on SQLite: the steps that commit in one turn of the event loop share one write
// transaction, each inside a savepoint of its own. A transaction's cost is mostly fixed: taking and
// releasing the file locks, and writing every page it touched to the WAL at COMMIT. Concurrent steps
// touch many of the same pages (the end of the steps table, of its indexes, of apps_updated), so a
// group writes each page once instead of once per step. Measured with 50 prompts in flight (three
// steps each): about a third less CPU per prompt and half again as many prompts a second
// (docs/benchmarks.md, "The hot path, fifth pass").
//
// What a caller sees does not change: its promise settles after the COMMIT that made its step
// durable, with the step's own result or error. A step that throws (SequenceConflictError, a
// constraint) rolls back its savepoint only; the others in the group commit. An error that ends the
// whole transaction (the disk, a lock held past busy_timeout) fails every step of the group, none of
// which was stored.

interface Queued<T> {
  work: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Returns `commit(work)`: runs `work` (synchronous better-sqlite3 statements) in the next group
 * transaction and resolves with what it returned, once that transaction has committed.
 */
export function groupedCommits<T>(client: BetterSqlite3.Database): (work: () => T) => Promise<T> {
  // Called inside the group's transaction, better-sqlite3 runs this as a savepoint.
  const inSavepoint = client.transaction((work: () => T) => work());
  const runGroup = client.transaction((group: Queued<T>[]) => {
    const settle: (() => void)[] = [];
    for (const item of group) {
      try {
        const value = inSavepoint(item.work);
        settle.push(() => item.resolve(value));
      } catch (error) {
        // SQLite rolled the whole transaction back (it does on I/O errors and full disks): the
        // steps before this one are gone too, so the group fails as one.
        if (!client.inTransaction) throw error;
        settle.push(() => item.reject(error));
      }
    }
    return settle;
  });

  let queued: Queued<T>[] = [];
  const commitQueued = () => {
    const group = queued;
    queued = [];
    let settle: (() => void)[];
    try {
      // IMMEDIATE takes the write lock up front: another connection waits (busy_timeout) instead
      // of failing halfway through the group.
      settle = runGroup.immediate(group);
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    for (const outcome of settle) outcome();
  };

  return (work) =>
    new Promise<T>((resolve, reject) => {
      // setImmediate runs after the poll phase, so every request this turn read joins the group.
      if (queued.length === 0) setImmediate(commitQueued);
      queued.push({ work, resolve, reject });
    });
}

// Group commit (src/db/grouped-commits.ts): commits asked for in one turn share one transaction, each
// caller still gets its own result or error, and nothing a caller was told failed is stored.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupedCommits } from '../../src/db/grouped-commits';

describe('groupedCommits on SQLite', () => {
  let dir: string;
  let client: BetterSqlite3.Database;
  let commit: (work: () => number) => Promise<number>;
  const walFile = () => join(dir, 'test.db-wal');
  const walFrames = () => (statSync(walFile()).size - 32) / (24 + 4096);
  const stored = () =>
    (client.prepare('select id from items order by id').all() as { id: number }[]).map((row) => row.id);
  const insert = (id: number) => () => {
    client.prepare('insert into items (id, body) values (?, ?)').run(id, 'x'.repeat(200));
    return id;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-group-'));
    client = new BetterSqlite3(join(dir, 'test.db'));
    client.pragma('journal_mode = WAL');
    // The WAL only grows here, so its size counts the frames the commits wrote.
    client.pragma('wal_autocheckpoint = 0');
    client.exec('create table items (id integer primary key, body text not null)');
    commit = groupedCommits<number>(client);
  });
  afterEach(() => {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits what one turn asks for in one transaction: each page is written once', async () => {
    const framesBefore = walFrames();
    const ids = await Promise.all(Array.from({ length: 20 }, (_, index) => commit(insert(index + 1))));
    expect(ids).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(stored()).toEqual(ids);
    // Twenty transactions would write at least twenty frames (the table's last page, again and again);
    // one writes each of the few pages the rows fill once.
    expect(walFrames() - framesBefore).toBeLessThan(10);
  });

  it('commits each turn on its own, and resolves only once the step is stored', async () => {
    const first = commit(insert(1));
    // Nothing is written before the group runs: the promise is the caller's only way to know.
    expect(stored()).toEqual([]);
    await first;
    expect(stored()).toEqual([1]);
    await commit(insert(2));
    expect(stored()).toEqual([1, 2]);
  });

  it('fails only the step that threw; the others of its group commit', async () => {
    const outcomes = await Promise.allSettled([
      commit(insert(1)),
      commit(() => {
        insert(2)();
        throw new Error('this step lost');
      }),
      // A duplicate key: SQLite refuses the statement, the savepoint rolls it back.
      commit(insert(1)),
      commit(insert(3)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(stored()).toEqual([1, 3]);
  });

  it('fails every step of a group whose transaction cannot commit, and stores none of them', async () => {
    await commit(insert(1));
    // A second connection holds the write lock past busy_timeout: the group cannot begin.
    const other = new BetterSqlite3(join(dir, 'test.db'));
    other.pragma('busy_timeout = 0');
    client.pragma('busy_timeout = 50');
    other.exec('begin immediate');
    try {
      const outcomes = await Promise.allSettled([commit(insert(2)), commit(insert(3))]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    } finally {
      other.exec('rollback');
      other.close();
    }
    expect(stored()).toEqual([1]);
    // The next group runs as usual.
    await commit(insert(4));
    expect(stored()).toEqual([1, 4]);
  });

  it('fails the whole group when SQLite rolls the transaction back in the middle of it', async () => {
    await commit(insert(1));
    // A full database: SQLite may end the whole transaction on SQLITE_FULL. Whatever it does, a
    // step is stored exactly when its caller was told it committed.
    const pages = client.pragma('page_count', { simple: true }) as number;
    client.pragma(`max_page_count = ${pages}`);
    const big = (id: number) => () => {
      client.prepare('insert into items (id, body) values (?, ?)').run(id, 'y'.repeat(3000));
      return id;
    };
    const outcomes = await Promise.allSettled([2, 3, 4, 5, 6].map((id) => commit(big(id))));
    const committed = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(outcomes.some((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(stored()).toEqual([1, ...committed]);
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import { startWalCheckpointer } from '../../src/db/wal-checkpointer';

// SQLite's checkpoint on commit is off on the serving connection; a worker thread checkpoints
// instead. These hold that the WAL then stays bounded, and that it would not without the worker.

const dir = mkdtempSync(join(tmpdir(), 'switchyard-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const walBytes = (file: string) => statSync(`${file}-wal`).size;
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ROUNDS = 8;
const ROUND_BYTES = 1_000_000;

/** Writes ROUNDS × ~1 MB in small transactions, as steps are committed, pausing between rounds. */
async function writeRounds(client: BetterSqlite3.Database, between: () => Promise<void>) {
  const insert = client.prepare('insert into wal_probe (body) values (?)');
  const body = 'x'.repeat(1_000);
  const sizes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let row = 0; row < ROUND_BYTES / body.length; row++) insert.run(body);
    sizes.push(walBytes(client.name));
    await between();
  }
  // The first round's WAL, and the largest the WAL ever was.
  return { round: sizes[0] as number, largest: Math.max(...sizes) };
}

function open(name: string) {
  const client = new BetterSqlite3(join(dir, name));
  client.pragma('journal_mode = WAL');
  client.pragma('synchronous = NORMAL');
  client.pragma('wal_autocheckpoint = 0');
  client.exec('create table wal_probe (id integer primary key, body text)');
  return client;
}

describe('the WAL checkpointer', () => {
  it('keeps the WAL near one round of writes, where without it the WAL holds them all', async () => {
    const unchecked = open('unchecked.db');
    const growing = await writeRounds(unchecked, () => pause(0));
    unchecked.close();
    expect(growing.largest).toBeGreaterThan((ROUNDS - 1) * growing.round);

    const checked = open('checked.db');
    const checkpointer = startWalCheckpointer(checked.name, { intervalMs: 60_000 });
    const bounded = await writeRounds(checked, () => checkpointer.checkpoint());
    await checkpointer.stop();
    checked.close();
    // About one round's WAL, not eight rounds'.
    expect(bounded.largest).toBeLessThan(2 * bounded.round);
  });

  it('checkpoints on its own timer', async () => {
    const client = open('timer.db');
    const checkpointer = startWalCheckpointer(client.name, { intervalMs: 20, maxWalFrames: 500 });
    const bounded = await writeRounds(client, () => pause(150));
    await checkpointer.stop();
    client.close();
    expect(bounded.largest).toBeLessThan(2 * bounded.round);
  });

  it('runs beside a SQLite file opened by createDatabase, whose own checkpoint on commit is off', async () => {
    const file = join(dir, 'app.db');
    const database = await createDatabase(`file:${file}`, undefined, { checkpointIntervalMs: 20 });
    await database.migrate();
    const client = database.sqlite?.$client as BetterSqlite3.Database;
    expect(client.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    client.exec('create table wal_probe (id integer primary key, body text)');
    const bounded = await writeRounds(client, () => pause(150));
    expect(bounded.largest).toBeLessThan(2 * bounded.round);
    await database.close();
    await database.close();
  });
});

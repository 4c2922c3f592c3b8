// The run queue is fair between users: whoever was served least recently goes next, so one user
// with a long queue delays another by one run, not by the whole queue. On SQLite and Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { RunsRepository } from '../../src/db/runs-repository';
import { dialects, type TestDatabase } from '../helpers/databases';

describe.each(dialects)('the run queue on $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  let runs: RunsRepository;

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
    runs = new RunsRepository(database);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  /** Queues a run, a moment after the last one: runs queued in one millisecond would tie on their time. */
  async function queue(createdBy: string) {
    await runs.create({
      graph: 'chatbot',
      appId: `${createdBy}-app`,
      action: 'prompt',
      inputs: {},
      createdBy,
    });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }

  /** Claims runs one at a time (a single worker), finishing each, and answers whose they were. */
  async function serveAll() {
    const served: string[] = [];
    for (let run = await runs.claimNext(); run; run = await runs.claimNext()) {
      served.push(run.createdBy);
      await runs.setStatus(run.runId, 'succeeded', {});
      // Distinct start times, as runs have when they take any time at all.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return served;
  }

  it('takes turns between users instead of serving the first queue to the end', async () => {
    for (let index = 0; index < 5; index++) await queue('alice');
    await queue('bob');
    await queue('carol');
    await queue('bob');
    expect(await serveAll()).toEqual(['alice', 'bob', 'carol', 'alice', 'bob', 'alice', 'alice', 'alice']);
  });

  it('serves a newcomer next even after a user with a long history', async () => {
    for (let index = 0; index < 3; index++) await queue('alice');
    const first = await runs.claimNext();
    expect(first?.createdBy).toBe('alice');
    await queue('dave');
    expect((await runs.claimNext())?.createdBy).toBe('dave');
    expect((await runs.claimNext())?.createdBy).toBe('alice');
  });
});

// Pagination never loses or repeats a row: for random histories (apps created at colliding times,
// a run's events), paging with any limit returns every row exactly once, in order. The apps cursor
// is (created_at, app_id), unique per graph; the events cursor is the event id, unique per run.
// (Steps are paged by the steps route; its test lives with it.) On SQLite and Postgres.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsRepository } from '../../src/db/apps-repository';
import type { Database } from '../../src/db/client';
import { RunsRepository } from '../../src/db/runs-repository';
import { insertApps } from '../helpers/app-rows';
import { dialects, type TestDatabase } from '../helpers/databases';

describe.each(dialects)('pagination on $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  let graphNumber = 0;

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  /** Inserts apps of a fresh graph name (so each history starts empty) at the given times. */
  async function insertHistory(history: { id: string; at: number }[]) {
    const graph = `g${graphNumber++}`;
    await insertApps(
      database,
      history.map(({ id, at }) => ({
        graph,
        appId: id,
        partitionKey: 'alice',
        at: new Date(1_700_000_000_000 + at),
      })),
    );
    return graph;
  }

  it('pages through every app exactly once, newest first, whatever the limit', async () => {
    const apps = new AppsRepository(database);
    const history = fc.uniqueArray(
      fc.record({ id: fc.stringMatching(/^[a-z0-9-]{1,8}$/), at: fc.integer({ min: 0, max: 3 }) }),
      { selector: (app) => app.id, maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(history, fc.integer({ min: 1, max: 7 }), async (rows, limit) => {
        const graph = await insertHistory(rows);
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages <= rows.length + 1; pages++) {
          const page = await apps.list({ graph, limit, visibility: { all: true }, cursor });
          seen.push(...page.items.map((app) => app.appId));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        const expected = [...rows]
          .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .map((app) => app.id);
        expect(seen).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('pages through every event of a run exactly once, in order, from any id, whatever the page', async () => {
    const runs = new RunsRepository(database);
    // Appends of one to six events, mostly deltas: those of one append share a stored row, so pages
    // start and end inside rows.
    const appends = fc.array(
      fc.array(fc.constantFrom('delta', 'delta', 'delta', 'step'), { minLength: 1, maxLength: 6 }),
      {
        maxLength: 8,
      },
    );
    await fc.assert(
      fc.asyncProperty(appends, fc.integer({ min: 1, max: 7 }), async (batches, limit) => {
        const run = await runs.create({
          graph: 'chatbot',
          appId: 'a',
          action: 'prompt',
          inputs: {},
          createdBy: 'alice',
        });
        let count = 0;
        for (const names of batches) {
          await runs.appendEvents(
            run.runId,
            names.map((event) => ({ event, data: { index: count++ } })),
          );
        }
        // From every id: a resume may start anywhere, also inside a row.
        for (let from = 0; from <= count; from++) {
          const seen: number[] = [];
          for (let after = from; ; ) {
            const page = await runs.listEvents(run.runId, { after, rows: limit });
            seen.push(...page.map((event) => (event.data as { index: number }).index));
            expect(page.map((event) => event.id)).toEqual(page.map((_, index) => after + index + 1));
            const last = page.at(-1);
            if (!last || page.length < limit) break;
            after = last.id;
          }
          expect(seen).toEqual(Array.from({ length: count - from }, (_, index) => from + index));
        }
      }),
      { numRuns: 25 },
    );
  });
});

// Issue 18, class 6 for the steps route: a failed attempt shares its sequence id with the retry that
// commits, so a cursor of sequence ids alone skipped rows. Over random histories of committed and
// failed steps, paging with any limit (and with or without states) returns every row exactly once,
// in log order, on SQLite and Postgres, through the same page builder and cursor codec the route uses.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedStepPage } from '../../src/api/step-page';
import type { Database } from '../../src/db/client';
import { DrizzlePersister } from '../../src/db/drizzle-persister';
import type { AppKey, StepCursor } from '../../src/engine/persister';
import { decodeStepCursor } from '../../src/lib/step-cursor';
import { dialects, type TestDatabase } from '../helpers/databases';

/** For each sequence id: how many attempts failed before it committed. Then failures after the last. */
const history = fc.record({
  failuresBefore: fc.array(fc.nat({ max: 2 }), { maxLength: 8 }),
  failuresAtEnd: fc.nat({ max: 2 }),
});
type History = { failuresBefore: number[]; failuresAtEnd: number };

const at = new Date(0);
const timing = { startedAt: at, endedAt: at };

describe.each(dialects)('paging the steps of $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  let persister: DrizzlePersister;
  let apps = 0;

  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
    persister = new DrizzlePersister(database);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  /** Writes the history as rows; returns the app and the rows' labels in log order. */
  async function record(shape: History): Promise<{ key: AppKey; labels: string[] }> {
    const key = { graph: 'counter', appId: `history-${apps++}` };
    await persister.createApp({
      ...key,
      partitionKey: 'p',
      position: null,
      state: { log: [] },
      parent: null,
    });
    const labels: string[] = [];
    const fail = async (sequenceId: number, attempt: number) => {
      const action = `fail-${sequenceId}-${attempt}`;
      await persister.recordFailedStep(key, { action, inputs: null, error: 'down', sequenceId, ...timing });
      labels.push(action);
    };
    const log: string[] = [];
    for (const [index, failures] of shape.failuresBefore.entries()) {
      const sequenceId = index + 1;
      for (let attempt = 0; attempt < failures; attempt++) await fail(sequenceId, attempt);
      const action = `commit-${sequenceId}`;
      log.push(action);
      await persister.commitStep(
        key,
        index,
        {
          action,
          inputs: null,
          result: null,
          writes: [{ key: 'log', op: 'append', items: [action] }],
          ...timing,
        },
        { state: { log: [...log] }, position: action },
      );
      labels.push(action);
    }
    for (let attempt = 0; attempt < shape.failuresAtEnd; attempt++)
      await fail(shape.failuresBefore.length + 1, attempt);
    return { key, labels };
  }

  /** Every page after the first resumes from the previous page's cursor, as a client would. */
  async function pageThrough(key: AppKey, limit: number, withState: boolean, maxBytes?: number) {
    const seen: { action: string; state?: unknown }[] = [];
    let after: number | StepCursor = 0;
    for (let pages = 0; pages < 100; pages++) {
      const records = await persister.listSteps(key, { after, limit, withState });
      const page = boundedStepPage(records, limit, maxBytes);
      seen.push(...page.items.map(({ action, state }) => ({ action, state })));
      if (page.nextCursor === null) return seen;
      after = decodeStepCursor(page.nextCursor) as StepCursor;
    }
    throw new Error('paging did not end');
  }

  it('returns 1, 2, failed 3, committed 3 with every limit', async () => {
    const { key, labels } = await record({ failuresBefore: [0, 0, 1], failuresAtEnd: 0 });
    expect(labels).toEqual(['commit-1', 'commit-2', 'fail-3-0', 'commit-3']);
    for (const limit of [1, 2, 3]) {
      expect((await pageThrough(key, limit, false)).map((step) => step.action)).toEqual(labels);
    }
  });

  it('pages through random histories, each row exactly once, states right', async () => {
    await fc.assert(
      fc.asyncProperty(
        history,
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.constantFrom(undefined, 1),
        async (shape, limit, withState, maxBytes) => {
          const { key, labels } = await record(shape);
          const seen = await pageThrough(key, limit, withState, maxBytes);
          expect(seen.map((step) => step.action)).toEqual(labels);
          if (!withState) return;
          // The state a committed row left is the log of commits up to it; a failed row has none.
          for (const step of seen) {
            const log = labels.filter((label) => label.startsWith('commit-'));
            const upTo = log.slice(0, log.indexOf(step.action) + 1);
            expect(step.state).toEqual(step.action.startsWith('fail-') ? null : { log: upTo });
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
